/**
 * `pnpm bench`: measures the organisations service against PostgreSQL on loopback and records
 * the medians in docs/benchmarks.md. Run `pnpm bench --help` for the flags.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type BenchContext,
  CASE_LABELS,
  type RunResult,
  runCase,
  startRealServer,
  usesRealServer,
  type Variant,
} from './cases.js'
import { createBenchDatabase } from './database.js'
import type { InProcessJob, InProcessResult } from './in-process.js'
import { BENCH_AUDIENCE, startIssuer } from './issuer.js'
import { log } from './log.js'
import { describeCommit, describeMachine, readLoad } from './machine.js'
import { type BenchOptions, type CaseName, parseOptions, USAGE } from './options.js'
import { killAllChildren, runJob } from './processes.js'
import { profileServer } from './profile.js'
import { renderReport, type StartupFigures, summarize, writeMarkedBlock } from './report.js'
import { compareProcessCounts } from './scale.js'

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url))
const scripts = {
  server: join(repositoryRoot, 'apps/server/dist/main.js'),
  bare: fileURLToPath(new URL('./bare-server.js', import.meta.url)),
  floor: fileURLToPath(new URL('./floor-server.js', import.meta.url)),
  loadgen: fileURLToPath(new URL('./loadgen.js', import.meta.url)),
  ceiling: fileURLToPath(new URL('./ceiling.js', import.meta.url)),
  inProcess: fileURLToPath(new URL('./in-process.js', import.meta.url)),
}

async function main(): Promise<void> {
  let options: BenchOptions | 'help'
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  }
  if (options === 'help') {
    process.stdout.write(USAGE)
    return
  }
  if (!existsSync(scripts.server)) {
    throw new Error(`${scripts.server} is missing; run pnpm bench, which builds the server first`)
  }
  if (options.baselineServer && !existsSync(options.baselineServer)) {
    throw new Error(
      `--baseline ${options.baselineServer} does not exist; build that checkout first`,
    )
  }

  const startedAt = performance.now()
  const machine = await describeMachine(options.adminUrl)
  const commit = await describeCommit(repositoryRoot)
  log(
    `machine: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadBefore.map((value) => value.toFixed(2)).join(' ')}; commit ${commit}`,
  )

  const workDir = await mkdtemp(join(tmpdir(), 'cail-bench-'))
  const database = await createBenchDatabase(options.adminUrl, options.databaseName)
  const issuer = await startIssuer()
  const stopAll = once(async () => {
    killAllChildren()
    await issuer.stop()
    await database.drop()
    if (!options.keepLogs) {
      await rm(workDir, { recursive: true, force: true })
    }
  })
  process.once('SIGINT', () => stopAll().finally(() => process.exit(130)))
  process.once('SIGTERM', () => stopAll().finally(() => process.exit(143)))

  try {
    const tokensFile = join(workDir, 'tokens.txt')
    const mintStartedAt = performance.now()
    await issuer.mintPool(options.tokenCount, tokensFile)
    log(
      `minted ${options.tokenCount} tokens in ${((performance.now() - mintStartedAt) / 1000).toFixed(1)} s; database ${options.databaseName}; logs in ${workDir}`,
    )
    const firstToken = (await readFile(tokensFile, 'utf8')).split('\n', 1)[0] ?? ''
    const context: BenchContext = {
      options,
      database,
      issuer,
      tokensFile,
      firstToken,
      workDir,
      scripts,
    }

    // The first start applies the migrations, which every later run relies on.
    const first = await startRealServer(context, 'first-start')
    await first.process.stop()
    log(`first start (migrations applied): ${first.process.startupMs.toFixed(0)} ms to ready`)

    if (options.mode === 'profile') {
      await profileServer(context)
      return
    }
    if (options.mode === 'in-process') {
      await compareInProcess(context, options.baselineServer ?? '')
      return
    }
    if (options.mode === 'scale') {
      await compareProcessCounts(context, { machine, commit, repositoryRoot })
      return
    }
    await measureTable(context, first.process.startupMs, { machine, commit, startedAt })
  } finally {
    await stopAll()
  }
}

async function measureTable(
  context: BenchContext,
  firstStartupMs: number,
  record: {
    machine: Awaited<ReturnType<typeof describeMachine>>
    commit: string
    startedAt: number
  },
): Promise<void> {
  const { options } = context
  const results: RunResult[] = []

  // Each round runs every case at one concurrency back to back, so that a burst of load from
  // elsewhere on the machine hits all the cases of a comparison alike.
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const concurrency of options.concurrencies) {
      for (const caseName of options.cases) {
        for (const variant of variantsOf(caseName, options, round)) {
          const result = await runCase(context, caseName, concurrency, round, { variant })
          results.push(result)
          logRun(result, options.rounds)
        }
      }
    }
  }

  const startup: StartupFigures = {
    firstMs: firstStartupMs,
    laterMs: results
      .filter((result) => usesRealServer(result.caseName) && result.variant === 'current')
      .map((result) => result.startupMs)
      .filter((value): value is number => value !== undefined),
  }
  const markdown = renderReport({
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: record.commit,
    machine: record.machine,
    loadAfter: readLoad(),
    options,
    summaries: summarize(results),
    startup,
    elapsedSeconds: (performance.now() - record.startedAt) / 1000,
  })
  process.stdout.write(`\n${markdown}\n`)

  if (options.jsonFile) {
    await writeFile(options.jsonFile, `${JSON.stringify({ results, startup }, null, 2)}\n`)
  }
  if (options.writeDocs) {
    const file = join(repositoryRoot, 'docs/benchmarks.md')
    await writeMarkedBlock(file, 'bench:results', markdown)
    log(`wrote the results to ${file}`)
  }
}

/** Both builds when a baseline is given, in alternating order so neither always runs first. */
function variantsOf(caseName: CaseName, options: BenchOptions, round: number): Variant[] {
  if (!options.baselineServer || !usesRealServer(caseName)) {
    return ['current']
  }
  return round % 2 === 1 ? ['baseline', 'current'] : ['current', 'baseline']
}

async function compareInProcess(context: BenchContext, baselineServer: string): Promise<void> {
  const { options } = context
  const job: InProcessJob = {
    servers: { current: scripts.server, baseline: baselineServer },
    databaseUrl: context.database.url,
    issuer: context.issuer.issuer,
    jwksUri: context.issuer.jwksUri,
    audience: BENCH_AUDIENCE,
    tokensFile: context.tokensFile,
    rounds: options.rounds,
    requestsPerRound: options.requestsPerRound,
    concurrency: Math.max(...options.concurrencies),
  }
  const result = await runJob<InProcessJob, InProcessResult>(
    scripts.inProcess,
    job,
    undefined,
    join(context.workDir, 'in-process.log'),
  )

  const rows = [
    `In-process CPU time per request, median of ${options.rounds} rounds of ${options.requestsPerRound} requests at concurrency ${job.concurrency}; baseline ${baselineServer}.`,
    '',
    '| case | baseline µs/req | current µs/req | change |',
    '|---|---:|---:|---:|',
  ]
  for (const [caseName, figures] of Object.entries(result)) {
    const change =
      figures.current === undefined || figures.baseline === undefined
        ? '–'
        : `${(((figures.current - figures.baseline) / figures.baseline) * 100).toFixed(1)} %`
    rows.push(
      `| ${caseName} | ${figures.baseline?.toFixed(0) ?? '–'} | ${figures.current?.toFixed(0) ?? '–'} | ${change} |`,
    )
  }
  rows.push(
    '',
    `Load average after: ${readLoad()
      .map((value) => value.toFixed(2))
      .join(' / ')}.`,
  )
  process.stdout.write(`\n${rows.join('\n')}\n`)
}

function logRun(result: RunResult, rounds: number): void {
  const { figures } = result
  const parts = [
    `round ${result.round}/${rounds}`,
    `c=${result.concurrency}`,
    `${CASE_LABELS[result.caseName]}${result.variant === 'baseline' ? ' [baseline]' : ''}`,
    `${figures.requestsPerSecond.toFixed(0)} req/s`,
    `p50 ${figures.p50.toFixed(2)} ms`,
    `p99 ${figures.p99.toFixed(2)} ms`,
  ]
  if (result.peakRssBytes !== undefined) {
    parts.push(`RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MB`)
  }
  if (result.serverCpuMsPerRequest !== undefined) {
    parts.push(`CPU ${result.serverCpuMsPerRequest.toFixed(3)} ms/req`)
  }
  if (result.startupMs !== undefined) {
    parts.push(`ready in ${result.startupMs.toFixed(0)} ms`)
  }
  if (figures.failures > 0) {
    parts.push(`FAILED ${figures.failures}: ${JSON.stringify(figures.statusCounts)}`)
  }
  log(parts.join('  '))
}

function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined
  return () => {
    running ??= action()
    return running
  }
}

process.once('exit', killAllChildren)

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  killAllChildren()
  process.exitCode = 1
})
