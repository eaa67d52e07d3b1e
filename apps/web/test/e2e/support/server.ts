/**
 * Starts the built server (`apps/server/dist/main.js`) as its own process on a loopback port,
 * with the local issuer and an embedded PGlite database in a temporary DATA_DIR.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const SERVER_MAIN = fileURLToPath(new URL('../../../../server/dist/main.js', import.meta.url))
const WEB_INDEX = fileURLToPath(new URL('../../../dist/index.html', import.meta.url))

const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000

export interface ServerProcess {
  /** `http://127.0.0.1:<port>`, the origin of both the page and the API. */
  readonly url: string
  /** Log lines the server printed, for failure messages. */
  readonly logs: string[]
  stop(): Promise<void>
}

export async function startServerProcess(): Promise<ServerProcess> {
  for (const [path, build] of [
    [SERVER_MAIN, '@cail/server'],
    [WEB_INDEX, '@cail/web'],
  ] as const) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing; run pnpm turbo run build --filter=${build} first`)
    }
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'cail-web-e2e-'))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  }
  const child = spawn(process.execPath, [SERVER_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: string[] = []

  try {
    const url = await waitForListening(child, logs)
    return {
      url,
      logs,
      async stop() {
        await stopProcess(child)
        await rm(dataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await stopProcess(child)
    await rm(dataDir, { recursive: true, force: true })
    throw new Error(`${(error as Error).message}\nserver output:\n${logs.slice(-20).join('\n')}`)
  }
}

function waitForListening(child: ChildProcess, logs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not listen within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    )
    const settle = () => clearTimeout(timer)

    child.once('exit', (code) => {
      settle()
      reject(new Error(`the server exited with code ${code} before listening`))
    })
    if (child.stderr) {
      createInterface({ input: child.stderr }).on('line', (line) => logs.push(line))
    }
    if (!child.stdout) {
      settle()
      reject(new Error('the server process has no stdout'))
      return
    }
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line)
      const entry = parseLogLine(line)
      if (entry?.msg === 'server listening' && typeof entry.url === 'string') {
        settle()
        resolve(entry.url)
      }
    })
  })
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}
