import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  findLeakedTokens,
  mintToken,
  type ServerProcess,
  startServer,
  stopAllProcesses,
} from './support/server-process.js'

const SHUTTING_DOWN = 'shutting down: no new connections, finishing in-flight requests'
const BODY = '{"typeCode":"provider"}'

// Keep-alive connections, as browsers and fetch use, must not hold the shutdown open.
const agent = new Agent({ keepAlive: true })
// One DATA_DIR for the whole file, because a restart on an existing one skips creating the
// database and the key. Each test uses its own Auth0 organisation ids.
let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cail-shutdown-'))
})

afterEach(() => {
  expect(findLeakedTokens()).toEqual([])
})

afterAll(async () => {
  agent.destroy()
  await stopAllProcesses()
  await rm(dataDir, { recursive: true, force: true })
})

interface SlowRequest {
  readonly requestId: string
  /** Sends the rest of the body. */
  finish(): void
  /** Closes the connection without finishing the body. */
  abort(): void
  readonly response: Promise<{ status: number; body: Record<string, unknown> }>
}

/**
 * Starts `POST /v1/organizations` with only part of its body sent, so the server has the
 * request in flight until `finish` is called.
 */
function startSlowCreate(server: ServerProcess, token: string, requestId: string): SlowRequest {
  const outgoing = request({
    agent,
    host: '127.0.0.1',
    port: server.port,
    method: 'POST',
    path: '/v1/organizations',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(BODY),
      'x-request-id': requestId,
    },
  })
  const response = new Promise<{ status: number; body: Record<string, unknown> }>(
    (resolve, reject) => {
      outgoing.once('error', reject)
      outgoing.once('response', (incoming) => {
        let text = ''
        incoming.setEncoding('utf8')
        incoming.on('data', (chunk: string) => {
          text += chunk
        })
        incoming.once('end', () => {
          resolve({ status: incoming.statusCode ?? 0, body: JSON.parse(text) })
        })
      })
    },
  )
  // A request that the server cuts off can reject before a test awaits it, which alone is no failure.
  response.catch(() => undefined)
  outgoing.write(BODY.slice(0, 5))

  return {
    requestId,
    response,
    finish: () => outgoing.end(BODY.slice(5)),
    abort: () => outgoing.destroy(),
  }
}

/** Starts a server and three slow creates, and waits until the server has logged all three. */
async function startWithSlowRequests(
  label: string,
  env: Record<string, string> = {},
): Promise<{ server: ServerProcess; requests: SlowRequest[] }> {
  const server = await startServer({ DATA_DIR: dataDir, ...env })
  const requests: SlowRequest[] = []
  for (const index of [1, 2, 3]) {
    const token = await mintToken(server, {
      orgId: `org_${label}_${index}`,
      orgName: `Shutdown ${label} ${index}`,
      jurisdictionId: 'jur_uk_wls',
    })
    requests.push(startSlowCreate(server, token, `${label}-${index}`))
  }

  for (const slow of requests) {
    await server.waitForLog(
      (line) => line.reqId === slow.requestId && line.msg === 'incoming request',
    )
  }
  return { server, requests }
}

describe('server shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('finishes in-flight requests on %s', async (signal) => {
    const { server, requests } = await startWithSlowRequests(signal.toLowerCase())

    server.child.kill(signal)
    const shuttingDown = await server.waitForLog((line) => line.msg === SHUTTING_DOWN)
    for (const slow of requests) {
      slow.finish()
    }
    const replies = await Promise.all(requests.map((slow) => slow.response))
    const exit = await server.exited

    expect(shuttingDown.signal).toBe(signal)
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200])
    expect(replies.map((reply) => reply.body.typeCode)).toEqual([
      'provider',
      'provider',
      'provider',
    ])
    expect(exit).toEqual({ code: 0, signal: null })
    expect(server.stderr).toBe('')

    const messages = server.logs().map((line) => line.msg)
    expect(messages.at(-1)).toBe('shutdown complete')
    const completed = server
      .logs()
      .filter(
        (line) => line.msg === 'request completed' && line.reqId?.startsWith(signal.toLowerCase()),
      )
    expect(completed).toHaveLength(3)
  })

  it('exits 1 when requests outlast the grace period', async () => {
    const { server, requests } = await startWithSlowRequests('grace', { SHUTDOWN_GRACE_MS: '500' })

    server.child.kill('SIGTERM')
    const exit = await server.exited
    for (const slow of requests) {
      slow.abort()
    }

    expect(exit).toEqual({ code: 1, signal: null })
    const messages = server.logs().map((line) => line.msg)
    expect(messages).toContain(SHUTTING_DOWN)
    expect(messages.at(-1)).toBe(
      'shutdown grace period elapsed with requests still in flight; exiting',
    )
  })
})
