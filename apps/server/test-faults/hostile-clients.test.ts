/**
 * Slow and hostile clients: a client that trickles bytes is cut off without delaying others,
 * and malformed, oversized or tricky requests each get a 4xx envelope, never a 5xx, a crash
 * or a row.
 */
import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type HttpOutcome, type RawResponse, send, sendRaw } from './support/http.js'
import { FaultIssuer, JURISDICTION_CLAIM } from './support/issuer.js'
import { expectNoSecrets, expectOneFaultLine } from './support/logs.js'
import { countOutcomes, recordFigures } from './support/report.js'
import {
  countLostWrites,
  createScenarioDatabase,
  expectEnvelope,
  readRows,
  serverEnvironment,
  withStatus,
} from './support/scenario.js'
import {
  allOutput,
  killAllServers,
  type ServerProcess,
  startServerProcess,
} from './support/server-process.js'

const HEADERS_TIMEOUT_MS = 2_000
const REQUEST_TIMEOUT_MS = 4_000
// Node checks the timeouts once a second; this allows for that and for scheduling.
const CUT_OFF_ALLOWANCE_MS = 3_000

let issuer: FaultIssuer
let databaseUrl: string
let server: ServerProcess
const agent = new Agent({ keepAlive: true, maxSockets: 20 })
const outcomes: HttpOutcome[] = []
let rawRequests = 0
const rawStatuses: Record<string, number> = {}

beforeAll(async () => {
  issuer = await FaultIssuer.start()
  databaseUrl = await createScenarioDatabase('hostile')
  server = await startServerProcess(
    'hostile',
    serverEnvironment(issuer, databaseUrl, {
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    }),
  )
})

afterAll(async () => {
  agent.destroy()
  await killAllServers()
  await issuer?.stop()
})

function recordRaw(response: RawResponse): RawResponse {
  rawRequests += 1
  const key =
    response.status === undefined ? `closed:${response.closedBy}` : String(response.status)
  rawStatuses[key] = (rawStatuses[key] ?? 0) + 1
  return response
}

async function expectRawEnvelope(
  response: RawResponse,
  status: number,
  code: string,
): Promise<void> {
  expect(response.status, JSON.stringify(response)).toBe(status)
  expect(response.headers['content-type']).toMatch(/^application\/json/)
  expect(response.body?.statusCode).toBe(status)
  expect(response.body?.code).toBe(code)
  const requestId = response.headers['x-request-id'] ?? ''
  expect(response.body?.meta?.requestId).toBe(requestId)
  await expectOneFaultLine(server, requestId, code)
}

function requestHead(token: string, extra: string[] = []): string {
  return [
    'POST /v1/organizations HTTP/1.1',
    'Host: 127.0.0.1',
    `Authorization: Bearer ${token}`,
    'Content-Type: application/json',
    ...extra,
    '',
    '',
  ].join('\r\n')
}

describe('slow clients', () => {
  it('one byte a second in the headers: cut off, others served', async () => {
    const head = requestHead(await issuer.mint())
    const slow = sendRaw(server.url, [...head].slice(0, 40), {
      intervalMs: 1_000,
      timeoutMs: 20_000,
    }).then(recordRaw)

    const others: HttpOutcome[] = []
    for (let index = 0; index < 10; index += 1) {
      const outcome = await send(`${server.url}/v1/organizations`, {
        token: await issuer.mint(),
        body: {},
        agent,
      })
      outcomes.push(outcome)
      others.push(outcome)
    }
    const cut = await slow

    expect(withStatus(others, 200)).toHaveLength(10)
    for (const outcome of others) {
      expect(outcome.elapsedMs).toBeLessThan(HEADERS_TIMEOUT_MS)
    }
    expect(cut.elapsedMs).toBeLessThan(HEADERS_TIMEOUT_MS + CUT_OFF_ALLOWANCE_MS)
    await expectRawEnvelope(cut, 408, 'request_timeout')
  })

  it('one byte a second in the body: cut off, no row', async () => {
    const body = JSON.stringify({ name: 'Trickled Practice' })
    const head = requestHead(await issuer.mint({ org_id: 'org_trickled_body' }), [
      `Content-Length: ${body.length}`,
      'X-Request-Id: trickled-body-request',
    ])
    const cut = recordRaw(
      await sendRaw(server.url, [head, ...body], { intervalMs: 1_000, timeoutMs: 20_000 }),
    )

    expect(cut.elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + CUT_OFF_ALLOWANCE_MS)
    await expectRawEnvelope(cut, 408, 'request_timeout')
    expect(cut.headers['x-request-id']).toBe('trickled-body-request')
  })
})

interface HostileCase {
  name: string
  /** Claims to set on the token; a claim set to undefined is left out. */
  claims?: Record<string, unknown>
  body?: string | Buffer
  headers?: Record<string, string>
  status: number
  code: string
}

const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 0x20)
tenMegabytes.write('{"name":"', 0)

const hostileCases: HostileCase[] = [
  {
    name: 'nested arrays',
    body: `{"name":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'nested objects',
    body: `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`,
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'duplicate keys',
    body: '{"name":"Alpha","name":"Beta"}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'nested duplicate keys',
    body: '{"name":"A","x":[{"k":1,"k":2}]}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '__proto__ key',
    body: '{"__proto__":{"admin":true}}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'constructor.prototype',
    body: '{"constructor":{"prototype":{"admin":true}}}',
    status: 400,
    code: 'invalid_json',
  },
  { name: 'constructor key', body: '{"constructor":"x"}', status: 400, code: 'validation_failed' },
  {
    name: 'invalid UTF-8',
    body: Buffer.from([...Buffer.from('{"name":"'), 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'overlong UTF-8',
    body: Buffer.from([...Buffer.from('{"name":"'), 0xc0, 0xaf, 0x22, 0x7d]),
    status: 400,
    code: 'invalid_json',
  },
  { name: 'raw NUL byte', body: '{"name":"a\u0000b"}', status: 400, code: 'invalid_json' },
  { name: 'escaped NUL', body: '{"name":"a\\u0000b"}', status: 400, code: 'validation_failed' },
  {
    name: 'NUL in jurisdiction',
    claims: { [JURISDICTION_CLAIM]: undefined },
    body: '{"jurisdictionId":"jur_uk_eng\\u0000"}',
    status: 400,
    code: 'unknown_jurisdiction',
  },
  { name: 'number for name', body: '{"name":123}', status: 400, code: 'validation_failed' },
  { name: 'number for typeCode', body: '{"typeCode":7}', status: 400, code: 'validation_failed' },
  { name: 'huge number', body: '{"jurisdictionId":1e400}', status: 400, code: 'validation_failed' },
  { name: 'array body', body: '[]', status: 400, code: 'validation_failed' },
  { name: 'null body', body: 'null', status: 400, code: 'validation_failed' },
  { name: 'not JSON', body: '{"name":', status: 400, code: 'invalid_json' },
  { name: '10 MB body', body: tenMegabytes, status: 413, code: 'payload_too_large' },
  {
    name: 'text/plain body',
    body: 'name=x',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'huge header',
    body: '{}',
    headers: { 'x-filler': 'a'.repeat(64 * 1024) },
    status: 431,
    code: 'headers_too_large',
  },
  { name: 'lone surrogate', body: '{"name":"\\ud800"}', status: 400, code: 'validation_failed' },
]

describe('hostile requests', () => {
  for (const hostile of hostileCases) {
    it(`${hostile.name}: ${hostile.status} ${hostile.code}`, async () => {
      const outcome = await send(`${server.url}/v1/organizations`, {
        token: await issuer.mint(hostile.claims),
        body: hostile.body,
        headers: hostile.headers,
        agent: hostile.status === 431 ? undefined : agent,
      })
      outcomes.push(outcome)

      expectEnvelope(outcome, hostile.status, hostile.code)
      const requestId = outcome.kind === 'response' ? String(outcome.headers['x-request-id']) : ''
      await expectOneFaultLine(server, requestId, hostile.code)
    })
  }

  it('invalid header bytes: 400 malformed_request', async () => {
    const head = requestHead(await issuer.mint(), ['X-Bad: a\u0000b'])
    await expectRawEnvelope(recordRaw(await sendRaw(server.url, [head])), 400, 'malformed_request')
  })

  it('garbage request line: 400 malformed_request', async () => {
    await expectRawEnvelope(
      recordRaw(await sendRaw(server.url, ['GARBAGE\r\n\r\n'])),
      400,
      'malformed_request',
    )
  })

  it('alg none token: 401 invalid_token', async () => {
    const [header, payload] = (await issuer.mint()).split('.')
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`
    expect(header).toBeTruthy()
    const outcome = await send(`${server.url}/v1/organizations`, {
      token: unsigned,
      body: {},
      agent,
    })
    outcomes.push(outcome)
    expectEnvelope(outcome, 401, 'invalid_token')
  })

  it('server still alive and healthy', async () => {
    expect(server.running).toBe(true)
    const health = await send(`${server.url}/healthz`, { method: 'GET' })
    expect(health.kind).toBe('response')
    expect(health.kind === 'response' ? health.status : undefined).toBe(200)
    expect(server.output.some((line) => /uncaught|unhandled/i.test(line))).toBe(false)
  })

  afterAll(async () => {
    const rows = await readRows(databaseUrl)
    const successes = withStatus(outcomes, 200)
    const lostWrites = countLostWrites(successes, rows)
    // The only rows are those of the creates sent alongside the slow header client.
    expect(rows).toHaveLength(successes.length)
    expect(lostWrites).toBe(0)
    const counts = countOutcomes(outcomes)
    for (const [status, count] of Object.entries(rawStatuses)) {
      counts[status] = (counts[status] ?? 0) + count
    }
    expect(Object.keys(counts).filter((status) => status.startsWith('5'))).toEqual([])
    recordFigures(inject('reportDir'), {
      scenario: 'slow and hostile clients',
      requestsSent: outcomes.length + rawRequests,
      outcomes: counts,
      rowsExpected: successes.length,
      rowsFound: rows.length,
      lostWrites,
    })
  })
})

describe('server output', () => {
  it('has no token, key or password', () => {
    expectNoSecrets(allOutput, [...issuer.secrets, inject('sharedCluster').password])
  })
})
