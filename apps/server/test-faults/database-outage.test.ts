/**
 * The database goes away (fast shutdown) and later freezes (SIGSTOP) under a running server:
 * creates fail fast with 503, readiness fails, liveness holds, and the server recovers without
 * a restart. Uses its own PostgreSQL cluster, so that stopping it affects no other scenario.
 */
import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type HttpOutcome, send } from './support/http.js'
import { FaultIssuer } from './support/issuer.js'
import { expectNoSecrets, expectOneFaultLine } from './support/logs.js'
import { PostgresCluster } from './support/postgres-cluster.js'
import { countOutcomes, recordFigures } from './support/report.js'
import {
  countLostWrites,
  expectEnvelope,
  readRows,
  serverEnvironment,
  waitFor,
  withStatus,
} from './support/scenario.js'
import {
  allOutput,
  killAllServers,
  type ServerProcess,
  startServerProcess,
} from './support/server-process.js'

const CONNECT_TIMEOUT_MS = 1_000
const STATEMENT_TIMEOUT_MS = 2_000
const REQUEST_TIMEOUT_MS = 3_000
// No response may take longer than the configured deadline plus this allowance for scheduling.
const RESPONSE_BOUND_MS = REQUEST_TIMEOUT_MS + 2_000

let cluster: PostgresCluster
let issuer: FaultIssuer
let databaseUrl: string
let server: ServerProcess
const agent = new Agent({ keepAlive: true, maxSockets: 20 })
const outcomes: HttpOutcome[] = []
let sequence = 0

beforeAll(async () => {
  cluster = await PostgresCluster.create()
  issuer = await FaultIssuer.start()
  databaseUrl = await cluster.createDatabase('outage')
  server = await startServerProcess(
    'outage',
    serverEnvironment(issuer, databaseUrl, {
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    }),
  )
})

afterAll(async () => {
  agent.destroy()
  await killAllServers()
  await issuer?.stop()
  await cluster?.destroy()
})

/** Sends `count` creates at once, each for a new Auth0 organisation named after `phase`. */
async function createMany(phase: string, count: number): Promise<HttpOutcome[]> {
  const tokens = await Promise.all(
    Array.from({ length: count }, () => {
      sequence += 1
      return issuer.mint({ org_id: `org_${phase}_${sequence}` })
    }),
  )
  const results = await Promise.all(
    tokens.map((token) =>
      send(`${server.url}/v1/organizations`, {
        token,
        body: {},
        agent,
        timeoutMs: RESPONSE_BOUND_MS,
      }),
    ),
  )
  outcomes.push(...results)
  return results
}

function probe(path: '/healthz' | '/readyz'): Promise<HttpOutcome> {
  return send(`${server.url}${path}`, { method: 'GET', agent, timeoutMs: RESPONSE_BOUND_MS })
}

/** Expects every outcome to be a 503 envelope with Retry-After and one log line naming the cause. */
async function expectUnavailable(results: readonly HttpOutcome[]): Promise<void> {
  for (const result of results) {
    expectEnvelope(result, 503, 'service_unavailable')
    if (result.kind === 'response') {
      expect(Number(result.headers['retry-after'])).toBeGreaterThan(0)
      expect(result.elapsedMs).toBeLessThan(RESPONSE_BOUND_MS)
    }
    await expectOneFaultLine(server, result.requestId, 'service_unavailable')
  }
}

async function expectRecovered(phase: string): Promise<void> {
  await waitFor(`creates succeed again after ${phase}`, async () => {
    const [result] = await createMany(`recovery_${phase}`, 1)
    return result?.kind === 'response' && result.status === 200
  })
  expect(withStatus(await createMany(`after_${phase}`, 10), 200)).toHaveLength(10)
  expectEnvelopeOrOk(await probe('/readyz'), 200)
}

function expectEnvelopeOrOk(result: HttpOutcome, status: number): void {
  expect(result.kind).toBe('response')
  expect(result.kind === 'response' ? result.status : 0).toBe(status)
}

describe('database outage', () => {
  const pid = () => server.pid

  it('serves creates before the outage', async () => {
    expect(withStatus(await createMany('before', 10), 200)).toHaveLength(10)
    expectEnvelopeOrOk(await probe('/readyz'), 200)
  })

  it('stopped database: 503 fast, not ready, alive', async () => {
    const before = pid()
    await cluster.stop()

    const results = [...(await createMany('stopped', 10)), ...(await createMany('stopped', 10))]
    await expectUnavailable(results)

    const readiness = await probe('/readyz')
    expectEnvelope(readiness, 503, 'service_unavailable')
    expectEnvelopeOrOk(await probe('/healthz'), 200)
    expect(server.running).toBe(true)
    expect(pid()).toBe(before)
  })

  it('started again: recovers without a restart', async () => {
    const before = pid()
    await cluster.start()
    await expectRecovered('stop')
    expect(server.running).toBe(true)
    expect(pid()).toBe(before)

    const rows = await readRows(databaseUrl)
    const stoppedRows = rows.filter((row) => row.auth0OrganizationId.startsWith('org_stopped_'))
    expect(stoppedRows, 'rows written for creates that got 503').toEqual([])
  })

  it('frozen database: 503 within the deadline', async () => {
    await cluster.pause()
    try {
      const results = await createMany('frozen', 10)
      await expectUnavailable(results)
      const readiness = await probe('/readyz')
      expectEnvelope(readiness, 503, 'service_unavailable')
      expectEnvelopeOrOk(await probe('/healthz'), 200)
      expect(server.running).toBe(true)
    } finally {
      await cluster.resume()
    }
    await expectRecovered('freeze')
  })

  afterAll(async () => {
    const rows = await readRows(databaseUrl)
    const successes = withStatus(outcomes, 200)
    const lostWrites = countLostWrites(successes, rows)

    // One row per organisation at most, and only for organisations this scenario sent.
    const sent = new Set(rows.map((row) => row.auth0OrganizationId))
    expect(sent.size).toBe(rows.length)
    for (const row of rows) {
      expect(row.auth0OrganizationId).toMatch(
        /^org_(before|stopped|frozen|recovery_\w+|after_\w+)_\d+$/,
      )
    }
    // A create that timed out while the database was frozen may still commit once it thaws,
    // so the outcome of such a 503 is unknown. Every other row belongs to a 200.
    const unconfirmed = rows.filter((row) => row.auth0OrganizationId.startsWith('org_frozen_'))
    expect(rows.length - unconfirmed.length).toBeLessThanOrEqual(successes.length)
    expect(lostWrites).toBe(0)

    recordFigures(inject('reportDir'), {
      scenario: 'database stopped, then frozen',
      requestsSent: outcomes.length,
      outcomes: countOutcomes(outcomes),
      rowsExpected: successes.length,
      rowsFound: rows.length,
      lostWrites,
      note: `${unconfirmed.length} of the rows come from creates that got 503 at the deadline while the database was frozen and committed when it resumed (their outcome is unknown to the client)`,
    })
  })
})

describe('server output', () => {
  it('has no token, key or password', () => {
    expectNoSecrets(allOutput, [...issuer.secrets, cluster.password])
  })
})
