/**
 * `pnpm bench --scale`: REST creates against one and against several server processes that
 * share one port and one database, back to back, recorded in docs/deploy.md.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BenchContext, realServerEnv, requestFor } from './cases.js'
import type { LoadJob, RunFigures } from './loadgen.js'
import { log } from './log.js'
import { formatLoad, type MachineDescription, readLoad } from './machine.js'
import { freePort, readPeakRss, runJob, startServerProcess } from './processes.js'
import { writeMarkedBlock } from './report.js'
import { median } from './stats.js'

const primaryScript = fileURLToPath(new URL('./cluster-primary.js', import.meta.url))

interface ScaleRun {
  processes: number
  concurrency: number
  figures: RunFigures
  /** Sum of the workers' peak RSS, in bytes. */
  peakRssBytes: number | undefined
}

export async function compareProcessCounts(
  context: BenchContext,
  record: { machine: MachineDescription; commit: string; repositoryRoot: string },
): Promise<void> {
  const { options } = context
  const concurrencies = options.concurrencies.filter((value) => value > 1)
  const runs: ScaleRun[] = []

  for (let round = 1; round <= options.rounds; round += 1) {
    for (const concurrency of concurrencies.length > 0 ? concurrencies : [1]) {
      for (const processes of options.scaleProcesses) {
        const run = await runScaled(context, processes, concurrency, round)
        runs.push(run)
        log(
          `round ${round}/${options.rounds}  c=${concurrency}  ${processes} process(es)  ${run.figures.requestsPerSecond.toFixed(0)} req/s  p50 ${run.figures.p50.toFixed(2)} ms  p99 ${run.figures.p99.toFixed(2)} ms  failed ${run.figures.failures}`,
        )
      }
    }
  }

  const markdown = renderScale(runs, context, record)
  process.stdout.write(`\n${markdown}\n`)
  if (options.writeDocs) {
    const file = join(record.repositoryRoot, 'docs/deploy.md')
    await writeMarkedBlock(file, 'bench:scale', markdown)
    log(`wrote the comparison to ${file}`)
  }
}

async function runScaled(
  context: BenchContext,
  processes: number,
  concurrency: number,
  round: number,
): Promise<ScaleRun> {
  await context.database.empty()
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const label = `scale-p${processes}-c${concurrency}-r${round}`
  const workersFile = join(context.workDir, `${label}.workers.json`)

  const primary = await startServerProcess({
    script: primaryScript,
    env: {
      ...realServerEnv(context, port),
      BENCH_WORKERS: String(processes),
      BENCH_SERVER_SCRIPT: context.scripts.server,
      BENCH_WORKERS_FILE: workersFile,
    },
    logFile: join(context.workDir, `${label}.log`),
    readyUrl: `${origin}/readyz`,
    readyFile: workersFile,
  })
  try {
    const workerPids = JSON.parse(await readFile(workersFile, 'utf8')) as number[]
    const job: LoadJob = {
      origin,
      ...requestFor(context, 'rest'),
      connections: concurrency,
      warmupSeconds: context.options.warmupSeconds,
      durationSeconds: context.options.durationSeconds,
    }
    const figures = await runJob<LoadJob, RunFigures>(context.scripts.loadgen, job)
    const peaks = workerPids.map(readPeakRss)
    const peakRssBytes = peaks.every((value) => value !== undefined)
      ? peaks.reduce<number>((sum, value) => sum + (value ?? 0), 0)
      : undefined
    return { processes, concurrency, figures, peakRssBytes }
  } finally {
    await primary.stop()
  }
}

function renderScale(
  runs: readonly ScaleRun[],
  context: BenchContext,
  record: { machine: MachineDescription; commit: string },
): string {
  const { options } = context
  const { machine } = record
  const lines = [
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, commit \`${record.commit}\`: REST creates, ${options.rounds} rounds of ${options.warmupSeconds} s warm-up and ${options.durationSeconds} s measured, pool ${options.poolSize} per process.`,
    `Machine: ${machine.cpuModel}, ${machine.cores} cores; load average ${formatLoad(machine.loadBefore)} before, ${formatLoad(readLoad())} after.`,
    '',
    '| processes | conc. | req/s (median) | req/s (min–max) | p50 ms | p99 ms | peak RSS, all workers, MB | failed |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]

  const keys = [...new Set(runs.map((run) => `${run.concurrency}:${run.processes}`))]
  for (const key of keys) {
    const [concurrency, processes] = key.split(':').map(Number)
    const group = runs.filter(
      (run) => run.concurrency === concurrency && run.processes === processes,
    )
    const rates = group.map((run) => run.figures.requestsPerSecond)
    const rss = median(group.map((run) => run.peakRssBytes))
    lines.push(
      `| ${processes} | ${concurrency} | ${median(rates)?.toFixed(0)} | ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)} | ${median(group.map((run) => run.figures.p50))?.toFixed(2)} | ${median(group.map((run) => run.figures.p99))?.toFixed(2)} | ${rss === undefined ? '–' : (rss / 2 ** 20).toFixed(0)} | ${group.reduce((sum, run) => sum + run.figures.failures, 0)} |`,
    )
  }
  return lines.join('\n')
}
