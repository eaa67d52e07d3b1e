/**
 * Runs the built server (`node apps/server/dist/main.js`) and the token CLI as child processes,
 * the way an operator runs them, and records everything they write. Every process started here
 * is tracked, so that `stopAllProcesses` can kill what a failed test left running, and every
 * token they hand out is kept, so that a test can check that no server output contains one.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url))
export const SERVER_MAIN = fileURLToPath(new URL('../../../dist/main.js', import.meta.url))
export const TOKEN_CLI = fileURLToPath(new URL('../../../dist/cli/token.js', import.meta.url))

/** Time allowed for a log line such as "server listening"; PGlite start-up takes seconds. */
const LOG_TIMEOUT_MS = 60_000

export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface CommandResult extends ExitStatus {
  stdout: string
  stderr: string
}

export type LogLine = Record<string, unknown> & { msg?: string; reqId?: string; level?: number }

const runningChildren = new Set<ChildProcess>()
const startedServers: ServerProcess[] = []
const issuedTokens = new Set<string>()

/** One server process and everything it has written so far. */
export class ServerProcess {
  readonly child: ChildProcess
  readonly exited: Promise<ExitStatus>
  /** Port passed as PORT. */
  readonly port: number
  #stdout = ''
  #stderr = ''
  readonly #waiters = new Set<() => void>()

  constructor(env: Record<string, string>, port: number) {
    this.port = port
    this.child = spawn(process.execPath, [SERVER_MAIN], {
      cwd: REPO_ROOT,
      env: childEnvironment({ ...env, PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    runningChildren.add(this.child)
    startedServers.push(this)

    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stdout += chunk
      this.#wakeWaiters()
    })
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk
    })
    // 'close' comes after stdout and stderr have ended; 'exit' can come before their last
    // lines have been read.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        runningChildren.delete(this.child)
        this.#wakeWaiters()
        resolve({ code, signal })
      })
    })
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get stdout(): string {
    return this.#stdout
  }

  get stderr(): string {
    return this.#stderr
  }

  /** Parses stdout as JSON lines; throws on a line that is not JSON. */
  logs(): LogLine[] {
    return this.#stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine
        } catch {
          throw new Error(`the server wrote a stdout line that is not JSON: ${line}`)
        }
      })
  }

  /** Resolves with the first log line that matches, waiting up to `timeoutMs` for it. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs = LOG_TIMEOUT_MS): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.logs().find(matches)
        if (found) {
          finish()
          resolve(found)
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish()
          reject(new Error(`the server exited before the expected log line\n${this.#describe()}`))
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`no matching log line within ${timeoutMs} ms\n${this.#describe()}`))
      }, timeoutMs)
      const finish = () => {
        clearTimeout(timer)
        this.#waiters.delete(check)
      }

      this.#waiters.add(check)
      check()
    })
  }

  /** Sends `signal` unless the process has exited, and resolves when it has. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal)
    }
    return this.exited
  }

  #wakeWaiters(): void {
    for (const wake of this.#waiters) {
      wake()
    }
  }

  #describe(): string {
    return `stdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`
  }
}

/** Returns a TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export async function findFreePort(): Promise<number> {
  const listener = createServer()
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject)
    listener.listen(0, '127.0.0.1', resolve)
  })
  const address = listener.address()
  await new Promise<void>((resolve) => listener.close(() => resolve()))
  if (address === null || typeof address === 'string') {
    throw new Error('could not read the port of a temporary listener')
  }
  return address.port
}

/** Spawns the server without waiting for it, for start-up failures. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  return new ServerProcess(env, env.PORT ? Number(env.PORT) : await findFreePort())
}

/** Starts the server (on a free port unless PORT is given) and waits until it listens. */
export async function startServer(
  env: Record<string, string> & { DATA_DIR: string },
): Promise<ServerProcess> {
  const server = await spawnServer(env)
  await server.waitForLog((line) => line.msg === 'server listening')
  return server
}

/** Requests a token from the server's local issuer over HTTP. */
export async function mintToken(
  server: ServerProcess,
  request: { orgId?: string; orgName?: string; jurisdictionId?: string; permissions?: string[] },
): Promise<string> {
  const response = await fetch(`${server.url}/local-issuer/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  })
  if (response.status !== 200) {
    throw new Error(`the local issuer returned ${response.status}: ${await response.text()}`)
  }
  const { access_token: token } = (await response.json()) as { access_token: string }
  issuedTokens.add(token)
  return token
}

/** Runs the token CLI to completion and keeps any token it prints. */
export async function runTokenCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  const result = await runCommand(process.execPath, [TOKEN_CLI, ...args], { env })
  rememberTokens(result.stdout)
  return result
}

/** Keeps every JWT in `text` (a JSON header and payload, base64url-encoded), for `findLeakedTokens`. */
export function rememberTokens(text: string): void {
  for (const token of text.match(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g) ?? []) {
    issuedTokens.add(token)
  }
}

/**
 * Runs a command from the repository root with a fresh environment and collects its output.
 * The command is killed after `timeoutMs`.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: childEnvironment(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  })
  runningChildren.add(child)

  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => {
      runningChildren.delete(child)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/**
 * Returns one description per token that a server of this test file wrote to stdout or stderr.
 * A token's signature alone counts too, in case a log line cut the token up.
 */
export function findLeakedTokens(): string[] {
  const leaks: string[] = []
  for (const token of issuedTokens) {
    const signature = token.split('.')[2] ?? token
    for (const server of startedServers) {
      for (const [stream, text] of [
        ['stdout', server.stdout],
        ['stderr', server.stderr],
      ] as const) {
        if (text.includes(signature)) {
          leaks.push(`the server on port ${server.port} wrote a token to ${stream}`)
        }
      }
    }
  }
  return leaks
}

/** Kills every process these helpers started that is still running. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all(
    [...runningChildren].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
}

/**
 * Builds a child's environment from scratch, so that variables of the test run (DATABASE_URL,
 * LOG_LEVEL, NODE_ENV=test) reach it only when a test passes them.
 */
function childEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = {}
  for (const name of ['PATH', 'HOME', 'TMPDIR']) {
    if (process.env[name] !== undefined) {
      inherited[name] = process.env[name]
    }
  }
  return { ...inherited, ...env }
}
