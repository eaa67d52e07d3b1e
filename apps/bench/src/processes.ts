/** Starts, watches and stops the processes of a run; every child is stopped when the bench exits. */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { existsSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

const children = new Set<ChildProcess>()

/** Kills every child still running; safe to call from an exit handler. */
export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
    }
  }
  children.clear()
}

function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface ServerProcessOptions {
  /** Script to run with `node`. */
  script: string
  /** Node flags placed before the script, such as `--cpu-prof`. */
  nodeFlags?: string[]
  env: Record<string, string>
  /** File the process's stdout and stderr are appended to. */
  logFile: string
  /** URL that returns 200 once the process can serve. */
  readyUrl: string
  /** A file the process creates once all its workers serve, if it has several. */
  readyFile?: string
  /** Time allowed from spawn to ready, in milliseconds. */
  readyTimeoutMs?: number
}

export interface ServerProcess {
  readonly pid: number
  /** Milliseconds from spawn to the first 200 from the ready URL. */
  readonly startupMs: number
  /** Peak resident set size so far, in bytes; undefined where /proc is missing. */
  peakRssBytes(): number | undefined
  /** CPU time used so far, in milliseconds; undefined where /proc is missing. */
  cpuMilliseconds(): number | undefined
  /** Sends SIGTERM, waits for the exit, and sends SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const log = openSync(options.logFile, 'a')
  const startedAt = performance.now()
  const child = track(
    spawn(process.execPath, [...(options.nodeFlags ?? []), options.script], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', log, log],
    }),
  )
  const pid = child.pid
  if (pid === undefined) {
    throw new Error(`could not start ${options.script}; see ${options.logFile}`)
  }

  await waitUntilReady(child, options)
  const startupMs = performance.now() - startedAt

  return {
    pid,
    startupMs,
    peakRssBytes: () => readPeakRss(pid),
    cpuMilliseconds: () => readCpuMilliseconds(pid),
    stop: (graceMs = 10_000) => stopChild(child, graceMs),
  }
}

async function waitUntilReady(child: ChildProcess, options: ServerProcessOptions): Promise<void> {
  const deadline = performance.now() + (options.readyTimeoutMs ?? 30_000)
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${options.script} exited (${child.exitCode ?? child.signalCode}) before it was ready; see ${options.logFile}`,
      )
    }
    const response = await fetch(options.readyUrl).catch(() => undefined)
    await response?.arrayBuffer()
    if (response?.ok && (options.readyFile === undefined || existsSync(options.readyFile))) {
      return
    }
    await sleep(5)
  }
  await stopChild(child, 1_000)
  throw new Error(`${options.script} was not ready within the time limit; see ${options.logFile}`)
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** Reads VmHWM (peak resident set size) of `pid` from /proc, in bytes. */
export function readPeakRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status)
    return match?.[1] ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

// Linux reports process CPU time in clock ticks, 100 a second on every common configuration.
const CLOCK_TICKS_PER_SECOND = 100

/** Reads the CPU time (user plus system) `pid` has used so far from /proc, in milliseconds. */
export function readCpuMilliseconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined
  } catch {
    return undefined
  }
}

/** A message from a job script: a progress mark, its result or its failure. */
type JobMessage<Result> =
  | { kind: 'mark'; mark: string }
  | { kind: 'result'; result: Result }
  | { kind: 'error'; error: string }

/**
 * Runs `script` in a child process with an IPC channel, sends it `job` and resolves with its
 * result. `onMark` receives each progress mark sent before the result. Load generators run
 * this way so that they never share a process with what they measure.
 */
export async function runJob<Job, Result>(
  script: string,
  job: Job,
  onMark: (mark: string) => void = () => {},
  logFile?: string,
): Promise<Result> {
  const output = logFile === undefined ? 'inherit' : openSync(logFile, 'a')
  const child = track(
    fork(script, [], { execArgv: [], stdio: ['ignore', output, 'inherit', 'ipc'] }),
  )
  return new Promise<Result>((resolve, reject) => {
    let settled = false
    child.on('message', (message: JobMessage<Result>) => {
      if (message.kind === 'mark') {
        onMark(message.mark)
        return
      }
      settled = true
      child.disconnect()
      if (message.kind === 'result') {
        resolve(message.result)
      } else {
        reject(new Error(message.error))
      }
    })
    child.once('exit', (code, signal) => {
      if (!settled) {
        reject(new Error(`${script} exited (${code ?? signal}) without a result`))
      }
    })
    child.send(job as object)
  })
}

/** Mark a load generator sends when the warm-up ends and the measured period begins. */
export const MEASURING = 'measuring'

/** Sends a progress mark from a job script to the bench, such as the end of the warm-up. */
export function sendMark(mark: string): void {
  process.send?.({ kind: 'mark', mark })
}

/** Body of a job script: receives the job, runs `work`, sends back its result or error and exits. */
export function serveJob<Job, Result>(work: (job: Job) => Promise<Result>): void {
  const reply = (message: object) => process.send?.(message, () => process.exit(0))
  process.once('message', (job: Job) => {
    work(job).then(
      (result) => reply({ kind: 'result', result }),
      (error: unknown) =>
        reply({
          kind: 'error',
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    )
  })
}
