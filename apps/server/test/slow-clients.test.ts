/**
 * Clients that stop sending on a keep-alive connection: each request gets exactly one response
 * under its own request id, and one log line that names the failure.
 */
import { connect, type Socket } from 'node:net'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './support/server.js'
import { newOrganizationId } from './support/tokens.js'

const pglite = databaseTargets().find((target) => target.name === 'pglite')

// Short limits, so that each case takes a few seconds; the server checks them every second.
const HEADERS_TIMEOUT_MS = 1_000
const REQUEST_TIMEOUT_MS = 2_000
// How long a case waits for the server after the client stopped sending.
const WAIT_MS = REQUEST_TIMEOUT_MS + 2_500

interface Connection {
  socket: Socket
  /** Every byte the server sent, as text. */
  received(): string
  closed: Promise<void>
}

function open(url: string): Promise<Connection> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      text += chunk
    })
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.once('connect', () => resolve({ socket, received: () => text, closed }))
    // Before the connection: a failure to connect. After it: a reset, which `closed` reports.
    socket.on('error', reject)
  })
}

/** Reads the status codes of the responses in `text`, in order; a response may follow a body directly. */
function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]))
}

function requestIds(text: string): string[] {
  return [...text.matchAll(/^x-request-id: (.+)\r$/gim)].map((match) => match[1] ?? '')
}

/** Waits until the server closes the connection, or WAIT_MS at most. */
function closedOrWaited(connection: Connection): Promise<unknown> {
  return Promise.race([connection.closed, new Promise((resolve) => setTimeout(resolve, WAIT_MS))])
}

function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (condition() || Date.now() > deadline) {
        clearInterval(timer)
        resolve()
      }
    }, 20)
  })
}

describe.skipIf(pglite?.skipReason)('slow clients on keep-alive connections', () => {
  let issuer: TestIssuer
  let server: TestServer

  beforeAll(async () => {
    issuer = await startTestIssuer()
    if (!pglite) {
      throw new Error('the PGlite target is missing')
    }
    server = await startTestServer({
      target: pglite,
      issuer,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
    })
  })

  afterAll(async () => {
    await server?.close()
    await issuer?.stop()
  })

  /** Log lines at info or above for `requestId` that name a failure with a code. */
  function faultLines(requestId: string) {
    return server.logs.filter(
      (line) =>
        line.reqId === requestId &&
        typeof line.code === 'string' &&
        typeof line.level === 'number' &&
        line.level >= 30,
    )
  }

  async function head(headers: string[], requestId: string): Promise<string> {
    const token = await issuer.mintToken({ claims: { org_id: newOrganizationId() } })
    return [
      'POST /v1/organizations HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${token}`,
      `X-Request-Id: ${requestId}`,
      ...headers,
      '',
      '',
    ].join('\r\n')
  }

  it('times out a stalled second request under a new id', async () => {
    const connection = await open(server.url)
    const body = '{}'
    connection.socket.write(
      (await head(['Content-Type: application/json', `Content-Length: ${body.length}`], 'first')) +
        body,
    )
    await waitFor(() => statuses(connection.received()).length === 1, WAIT_MS)

    connection.socket.write('POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    await closedOrWaited(connection)

    const text = connection.received()
    expect(statuses(text)).toEqual([200, 408])
    const [firstId, timeoutId] = requestIds(text)
    expect(firstId).toBe('first')
    expect(timeoutId).not.toBe('first')
    expect(faultLines('first')).toEqual([])
    expect(faultLines(timeoutId ?? '')).toHaveLength(1)
    connection.socket.destroy()
  })

  it('answers an oversized upload that stalls once', async () => {
    const connection = await open(server.url)
    connection.socket.write(
      await head(['Content-Type: application/json', 'Content-Length: 20000'], 'oversized'),
    )
    connection.socket.write('x'.repeat(100))
    await closedOrWaited(connection)

    expect(statuses(connection.received())).toEqual([413])
    expect(faultLines('oversized')).toHaveLength(1)
    expect(faultLines('oversized')[0]?.code).toBe('payload_too_large')
    connection.socket.destroy()
  })

  it('answers an unsupported body that stalls once', async () => {
    const connection = await open(server.url)
    connection.socket.write(
      await head(['Content-Type: text/plain', 'Content-Length: 100'], 'unsupported'),
    )
    connection.socket.write('x'.repeat(10))
    await closedOrWaited(connection)

    expect(statuses(connection.received())).toEqual([415])
    expect(faultLines('unsupported')).toHaveLength(1)
    expect(faultLines('unsupported')[0]?.code).toBe('unsupported_media_type')
    connection.socket.destroy()
  })
})
