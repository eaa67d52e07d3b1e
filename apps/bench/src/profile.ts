/**
 * `pnpm bench --profile`: runs the real server under `node --cpu-prof` at the highest
 * concurrency and lists the functions with the most self time, so tuning starts with the
 * largest cost.
 */
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchContext, CASE_LABELS, runCase, usesRealServer } from './cases.js'
import { log } from './log.js'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
}

/** The parts of V8's `.cpuprofile` format that the summary reads. */
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  /** Microseconds between consecutive samples. */
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  /** Self time in milliseconds. */
  milliseconds: number
}

export interface ProfileSummary {
  /** Sampled time in milliseconds, idle included. */
  totalMs: number
  idleMs: number
  functions: SelfTime[]
  packages: SelfTime[]
}

export async function profileServer(context: BenchContext): Promise<void> {
  const { options } = context
  const caseName = options.profileCase
  if (!usesRealServer(caseName)) {
    throw new Error(
      `--profile-case ${caseName} has no real server to profile; use rest, trpc, read-new or read-same`,
    )
  }
  const concurrency = Math.max(...options.concurrencies)
  const profileDir = join(context.workDir, 'profiles')

  const result = await runCase(context, caseName, concurrency, 1, {
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  })
  log(
    `profiled ${CASE_LABELS[caseName]} at c=${concurrency}: ${result.figures.requestsPerSecond.toFixed(0)} req/s (slower than unprofiled), ${result.figures.failures} failed`,
  )

  const [file] = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'))
  if (!file) {
    throw new Error(`the server wrote no .cpuprofile to ${profileDir}`)
  }
  const profile = JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile
  process.stdout.write(`\n${renderProfile(summarizeProfile(profile), 25)}\n`)

  const keptDir = join(context.workDir, '..', 'cail-bench-profiles')
  await mkdir(keptDir, { recursive: true })
  const kept = join(keptDir, `${caseName}-c${concurrency}-${Date.now()}.cpuprofile`)
  await copyFile(join(profileDir, file), kept)
  log(`profile kept at ${kept} (open it in Chrome DevTools or speedscope)`)
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const byFunction = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let totalMs = 0
  let idleMs = 0

  profile.samples.forEach((nodeId, index) => {
    const milliseconds = (profile.timeDeltas[index] ?? 0) / 1000
    const frame = nodes.get(nodeId)?.callFrame
    totalMs += milliseconds
    if (!frame || frame.functionName === '(idle)') {
      idleMs += milliseconds
      return
    }
    const name = `${frame.functionName || '(anonymous)'} ${shortLocation(frame)}`.trim()
    byFunction.set(name, (byFunction.get(name) ?? 0) + milliseconds)
    const owner = packageOf(frame)
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + milliseconds)
  })

  const sorted = (map: Map<string, number>) =>
    [...map]
      .map(([name, milliseconds]) => ({ name, milliseconds }))
      .sort((a, b) => b.milliseconds - a.milliseconds)
  return { totalMs, idleMs, functions: sorted(byFunction), packages: sorted(byPackage) }
}

function shortLocation(frame: CallFrame): string {
  if (!frame.url) {
    return ''
  }
  const path = frame.url.replace(/^file:\/\//, '')
  const inPackage = /node_modules\/(?!\.pnpm)((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path)
  const shown = inPackage
    ? `${inPackage[1]}/${inPackage[2]}`
    : path.replace(/^.*\/(apps|packages)\//, '$1/')
  return `${shown}:${frame.lineNumber + 1}`
}

function packageOf(frame: CallFrame): string {
  const path = frame.url.replace(/^file:\/\//, '')
  if (!path) {
    return frame.functionName.startsWith('(') ? frame.functionName : '(native)'
  }
  if (path.startsWith('node:')) {
    return 'node (built-in modules)'
  }
  const inPackage = /node_modules\/(?!\.pnpm)((?:@[^/]+\/)?[^/]+)\//.exec(path)
  if (inPackage?.[1]) {
    return inPackage[1]
  }
  if (path.includes('/apps/server/')) {
    return '@cail/server'
  }
  if (path.includes('/packages/api/')) {
    return '@cail/api'
  }
  return path
}

export function renderProfile(summary: ProfileSummary, limit: number): string {
  const busyMs = summary.totalMs - summary.idleMs
  const share = (milliseconds: number) => `${((milliseconds / busyMs) * 100).toFixed(1)} %`
  const lines = [
    `Sampled ${(summary.totalMs / 1000).toFixed(1)} s, of which ${(summary.idleMs / 1000).toFixed(1)} s idle; shares below are of the ${(busyMs / 1000).toFixed(1)} s busy.`,
    '',
    '| self time by package | ms | share |',
    '|---|---:|---:|',
    ...summary.packages
      .slice(0, 12)
      .map(
        (entry) =>
          `| ${entry.name} | ${entry.milliseconds.toFixed(0)} | ${share(entry.milliseconds)} |`,
      ),
    '',
    '| self time by function | ms | share |',
    '|---|---:|---:|',
    ...summary.functions
      .slice(0, limit)
      .map(
        (entry) =>
          `| \`${entry.name.replaceAll('|', '\\|')}\` | ${entry.milliseconds.toFixed(0)} | ${share(entry.milliseconds)} |`,
      ),
  ]
  return lines.join('\n')
}
