/** Turns the runs into the medians table, the ratios and the target checks, as Markdown. */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CASE_LABELS, type RunResult, usesRealServer, type Variant } from './cases.js'
import { log } from './log.js'
import { formatLoad, type MachineDescription } from './machine.js'
import type { BenchOptions, CaseName } from './options.js'
import { median } from './stats.js'

export interface CaseSummary {
  caseName: CaseName
  variant: Variant
  concurrency: number
  rounds: number
  requestsPerSecond: number | undefined
  minRequestsPerSecond: number | undefined
  maxRequestsPerSecond: number | undefined
  p50: number | undefined
  p99: number | undefined
  peakRssBytes: number | undefined
  serverCpuMsPerRequest: number | undefined
  failures: number
  tokensWrapped: boolean
}

export function summarize(results: readonly RunResult[]): CaseSummary[] {
  const groups = new Map<string, RunResult[]>()
  for (const result of results) {
    const key = `${result.caseName}@${result.concurrency}@${result.variant}`
    groups.set(key, [...(groups.get(key) ?? []), result])
  }

  return [...groups.values()].map((runs) => {
    const first = runs[0] as RunResult
    const rates = runs.map((run) => run.figures.requestsPerSecond)
    return {
      caseName: first.caseName,
      variant: first.variant,
      concurrency: first.concurrency,
      rounds: runs.length,
      requestsPerSecond: median(rates),
      minRequestsPerSecond: Math.min(...rates),
      maxRequestsPerSecond: Math.max(...rates),
      p50: median(runs.map((run) => run.figures.p50)),
      p99: median(runs.map((run) => run.figures.p99)),
      peakRssBytes: median(runs.map((run) => run.peakRssBytes)),
      serverCpuMsPerRequest: median(runs.map((run) => run.serverCpuMsPerRequest)),
      failures: runs.reduce((sum, run) => sum + run.figures.failures, 0),
      tokensWrapped: runs.some((run) => run.figures.tokensWrapped),
    }
  })
}

export interface StartupFigures {
  /** First start on the empty database, migrations included, in milliseconds. */
  firstMs: number
  /** Every later start of the real server, in milliseconds. */
  laterMs: number[]
}

export interface Report {
  date: string
  commit: string
  machine: MachineDescription
  loadAfter: [number, number, number]
  options: BenchOptions
  summaries: CaseSummary[]
  startup: StartupFigures
  elapsedSeconds: number
}

const MB = 1024 * 1024

const run = promisify(execFile)

function formatNumber(value: number | undefined, digits = 0): string {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits)
}

function formatRatio(numerator: number | undefined, denominator: number | undefined): string {
  if (numerator === undefined || denominator === undefined || denominator === 0) {
    return '–'
  }
  return (numerator / denominator).toFixed(2)
}

/** Renders the whole record: machine, settings, table, ratios and targets. */
export function renderReport(report: Report): string {
  const { machine, options } = report
  const lines = [
    `Run ${report.date}, commit \`${report.commit}\`, ${report.elapsedSeconds.toFixed(0)} s in all.`,
    '',
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}; PostgreSQL ${machine.postgres} on loopback.`,
    `- Load average (1/5/15 min): ${formatLoad(machine.loadBefore)} before, ${formatLoad(report.loadAfter)} after.`,
    ...baselineNote(options),
    `- Settings: ${options.rounds} ${options.rounds === 1 ? 'round' : 'rounds'}, ${options.warmupSeconds} s warm-up and ${options.durationSeconds} s measured per run, pool ${options.poolSize}, ${options.tokenCount} tokens${serverEnvNote(options)}.`,
    '',
    renderTable(report.summaries),
    '',
    renderRatios(report.summaries, options.concurrencies),
    '',
    renderTargets(report),
  ]
  return lines.join('\n')
}

function baselineNote(options: BenchOptions): string[] {
  if (!options.baselineServer) {
    return []
  }
  return [
    `- Rows marked [baseline] ran ${options.baselineServer}, back to back with the current build.`,
  ]
}

function serverEnvNote(options: BenchOptions): string {
  const entries = Object.entries(options.serverEnv)
  if (entries.length === 0) {
    return ''
  }
  return `, server env ${entries.map(([name, value]) => `${name}=${value}`).join(' ')}`
}

export function renderTable(summaries: readonly CaseSummary[]): string {
  const rows = [
    '| case | conc. | req/s (median) | req/s (min–max) | p50 ms | p99 ms | server peak RSS MB | server CPU ms/req | failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const summary of summaries) {
    const flags = summary.tokensWrapped ? ' (tokens reused: raise --tokens)' : ''
    rows.push(
      `| ${CASE_LABELS[summary.caseName]}${summary.variant === 'baseline' ? ' [baseline]' : ''} | ${summary.concurrency} | ${formatNumber(summary.requestsPerSecond)} | ${formatNumber(summary.minRequestsPerSecond)}–${formatNumber(summary.maxRequestsPerSecond)} | ${formatNumber(summary.p50, 2)} | ${formatNumber(summary.p99, 2)} | ${summary.peakRssBytes === undefined ? '–' : formatNumber(summary.peakRssBytes / MB)} | ${formatNumber(summary.serverCpuMsPerRequest, 3)} | ${summary.failures}${flags} |`,
    )
  }
  return rows.join('\n')
}

function find(
  summaries: readonly CaseSummary[],
  caseName: CaseName,
  concurrency: number,
): CaseSummary | undefined {
  return summaries.find(
    (summary) =>
      summary.caseName === caseName &&
      summary.concurrency === concurrency &&
      summary.variant === 'current',
  )
}

function rateOf(summaries: readonly CaseSummary[], caseName: CaseName, concurrency: number) {
  return find(summaries, caseName, concurrency)?.requestsPerSecond
}

function renderRatios(summaries: readonly CaseSummary[], concurrencies: number[]): string {
  const rows = [
    'Throughput ratios (medians):',
    '',
    '| conc. | REST/bare | tRPC/bare | REST/ceiling | repeated token/new token | bare read: repeated token/new token |',
    '|---:|---:|---:|---:|---:|---:|',
  ]
  for (const concurrency of concurrencies) {
    const rate = (caseName: CaseName) => rateOf(summaries, caseName, concurrency)
    rows.push(
      `| ${concurrency} | ${formatRatio(rate('rest'), rate('bare'))} | ${formatRatio(rate('trpc'), rate('bare'))} | ${formatRatio(rate('rest'), rate('ceiling'))} | ${formatRatio(rate('read-same'), rate('read-new'))} | ${formatRatio(rate('bare-read-same'), rate('bare-read-new'))} |`,
    )
  }
  return rows.join('\n')
}

interface TargetCheck {
  target: string
  measured: string
  met: boolean | undefined
}

/** Judges each target at the highest concurrency of the run. */
export function checkTargets(report: Report): TargetCheck[] {
  const { summaries } = report
  const top = Math.max(...report.options.concurrencies)
  const rate = (caseName: CaseName) => rateOf(summaries, caseName, top)
  const checks: TargetCheck[] = []

  const atLeast = (target: string, value: number | undefined, bound: number) => {
    checks.push({
      target,
      measured: formatNumber(value, 2),
      met: value === undefined ? undefined : value >= bound,
    })
  }
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b

  atLeast(`REST ≥ 0.9 × bare at ${top}`, ratio(rate('rest'), rate('bare')), 0.9)
  atLeast(`tRPC ≥ 0.9 × bare at ${top}`, ratio(rate('trpc'), rate('bare')), 0.9)
  atLeast(`repeated token ≥ 2 × new token at ${top}`, ratio(rate('read-same'), rate('read-new')), 2)

  for (const caseName of ['rest', 'trpc'] as const) {
    const summary = find(summaries, caseName, top)
    const spread = ratio(summary?.p99, summary?.p50)
    checks.push({
      target: `${caseName === 'rest' ? 'REST' : 'tRPC'} p99 ≤ 4 × p50 at ${top}`,
      measured: spread === undefined ? '–' : `${spread.toFixed(2)} ×`,
      met: spread === undefined ? undefined : spread <= 4,
    })
  }

  const serverPeaks = summaries
    .filter((summary) => usesRealServer(summary.caseName) && summary.variant === 'current')
    .map((summary) => summary.peakRssBytes)
    .filter((value): value is number => value !== undefined)
  const peak = serverPeaks.length > 0 ? Math.max(...serverPeaks) / MB : undefined
  checks.push({
    target: 'server peak RSS ≤ 250 MB (largest median)',
    measured: peak === undefined ? '–' : `${peak.toFixed(0)} MB`,
    met: peak === undefined ? undefined : peak <= 250,
  })

  const later = median(report.startup.laterMs)
  checks.push({
    target: 'start-up to ready ≤ 1.5 s on PostgreSQL (median of restarts)',
    measured: later === undefined ? '–' : `${later.toFixed(0)} ms`,
    met: later === undefined ? undefined : later <= 1_500,
  })
  checks.push({
    target: 'start-up to ready ≤ 1.5 s, first start applying the migrations',
    measured: `${report.startup.firstMs.toFixed(0)} ms`,
    met: report.startup.firstMs <= 1_500,
  })
  return checks
}

function describeMet(met: boolean | undefined): string {
  if (met === undefined) {
    return 'not run'
  }
  return met ? 'yes' : 'no'
}

function renderTargets(report: Report): string {
  const rows = ['Targets:', '', '| target | measured | met |', '|---|---:|:---:|']
  for (const check of checkTargets(report)) {
    rows.push(`| ${check.target} | ${check.measured} | ${describeMet(check.met)} |`)
  }
  const later = report.startup.laterMs
  if (later.length > 0) {
    rows.push(
      '',
      `Start-up to ready over ${later.length} restarts: median ${formatNumber(median(later))} ms, max ${formatNumber(Math.max(...later))} ms.`,
    )
  }
  return rows.join('\n')
}

/**
 * Replaces the text between `<!-- begin -->` and `<!-- end -->` markers named `marker` in
 * `file`, or appends a marked block when the file has none, so hand-written text around it stays.
 */
export async function writeMarkedBlock(file: string, marker: string, body: string): Promise<void> {
  const begin = `<!-- ${marker}:begin (written by pnpm bench) -->`
  const end = `<!-- ${marker}:end -->`
  const block = `${begin}\n${body}\n${end}`

  const current = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return ''
    }
    throw error
  })
  const start = current.indexOf(begin)
  const stop = current.indexOf(end)
  const next =
    start >= 0 && stop > start
      ? `${current.slice(0, start)}${block}${current.slice(stop + end.length)}`
      : `${current}${current && !current.endsWith('\n\n') ? '\n' : ''}${block}\n`
  await writeFile(file, next)
  await formatMarkdown(file)
}

/** Formats `file` with the workspace's Biome, so that `pnpm lint` accepts what the bench wrote. */
async function formatMarkdown(file: string): Promise<void> {
  const biome = fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url))
  try {
    await run(biome, ['format', '--write', file])
  } catch (error) {
    log(`could not format ${file} with ${biome}; run pnpm format (${String(error)})`)
  }
}
