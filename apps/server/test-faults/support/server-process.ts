/**
 * Runs the built server (`apps/server/dist/main.js`) as a child process with a given
 * environment, and keeps every line it writes, parsed where it is pino's JSON.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

export type LogLine = Record<string, unknown> & { level?: number; msg?: string; reqId?: string }

export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

const running = new Set<ChildProcess>()

/** Every line any server process of this test file wrote, for the secret scan. */
export const allOutput: string[] = []

export class ServerProcess {
  readonly name: string
  readonly url: string
  readonly pid: number
  /** Lines from stdout and stderr, in order. */
  readonly output: string[]
  readonly exited: Promise<ProcessExit>
  readonly #child: ChildProcess

  constructor(
    name: string,
    child: ChildProcess,
    url: string,
    output: string[],
    exited: Promise<ProcessExit>,
  ) {
    this.name = name
    this.#child = child
    this.url = url
    this.pid = child.pid ?? -1
    this.output = output
    this.exited = exited
  }

  /** The JSON log lines. */
  get logs(): LogLine[] {
    const lines: LogLine[] = []
    for (const line of this.output) {
      try {
        lines.push(JSON.parse(line) as LogLine)
      } catch {
        // Not a pino line (for example a stack trace on stderr); the secret scan still reads it.
      }
    }
    return lines
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal)
  }

  /** Sends SIGTERM and waits for the exit. */
  async stop(): Promise<ProcessExit> {
    if (this.running) {
      this.#child.kill('SIGTERM')
    }
    return this.exited
  }
}

/** Starts `node dist/main.js` with exactly `env` (plus PATH) and waits for it to listen. */
export async function startServerProcess(
  name: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)

  const output: string[] = []
  // FAULTS_LOG_DIR keeps each process's output in a file, for reading after a failed run.
  const logDir = process.env.FAULTS_LOG_DIR
  const logFile = logDir ? join(logDir, `${name}-${child.pid}.log`) : undefined
  if (logDir) {
    mkdirSync(logDir, { recursive: true })
  }
  const collect = (stream: NodeJS.ReadableStream) => {
    let pending = ''
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        output.push(line)
        allOutput.push(line)
      }
      if (logFile && lines.length > 0) {
        appendFileSync(logFile, `${lines.join('\n')}\n`)
      }
    })
  }
  if (child.stdout && child.stderr) {
    collect(child.stdout)
    collect(child.stderr)
  }

  // 'close' comes after stdout and stderr have ended; 'exit' can come before their last lines
  // have been read.
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    })
  })

  const url = await waitForListening(output, exited, name)
  return new ServerProcess(name, child, url, output, exited)
}

/** Kills every server process still running; for afterAll. */
export async function killAllServers(): Promise<void> {
  const exits = [...running].map((child) => new Promise((resolve) => child.once('exit', resolve)))
  for (const child of running) {
    child.kill('SIGKILL')
  }
  await Promise.all(exits)
}

async function waitForListening(
  output: string[],
  exited: Promise<ProcessExit>,
  name: string,
): Promise<string> {
  let exit: ProcessExit | undefined
  exited.then((value) => {
    exit = value
  })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    for (const line of output) {
      if (line.includes('"server listening"')) {
        return (JSON.parse(line) as { url: string }).url
      }
    }
    if (exit) {
      throw new Error(
        `server ${name} exited with ${exit.code ?? exit.signal} before listening:\n${output.join('\n')}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`server ${name} did not listen within 30 s:\n${output.join('\n')}`)
}
