/**
 * The issuer's JWKS endpoint stops, fails, hangs and rotates keys under a running server.
 * Cached keys keep verifying and new keys are picked up without a restart. A hanging fetch
 * costs only the requests that need it, and unknown kids cause at most one fetch per cooldown.
 */
import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type HttpOutcome, send } from './support/http.js'
import { FaultIssuer } from './support/issuer.js'
import { expectNoSecrets, expectOneFaultLine } from './support/logs.js'
import { countOutcomes, recordFigures } from './support/report.js'
import {
  countLostWrites,
  createScenarioDatabase,
  expectEnvelope,
  readRows,
  serverEnvironment,
  sleep,
  waitFor,
  withStatus,
} from './support/scenario.js'
import {
  allOutput,
  killAllServers,
  type ServerProcess,
  startServerProcess,
} from './support/server-process.js'

const JWKS_TIMEOUT_MS = 1_000
const JWKS_COOLDOWN_MS = 1_000
const JWKS_CACHE_MAX_AGE_MS = 1_000
const BURST_MS = 2_500

let issuer: FaultIssuer
let databaseUrl: string
let server: ServerProcess
let firstKid: string
const agent = new Agent({ keepAlive: true, maxSockets: 20 })
const outcomes: HttpOutcome[] = []

beforeAll(async () => {
  issuer = await FaultIssuer.start()
  databaseUrl = await createScenarioDatabase('issuer')
  server = await startServerProcess(
    'issuer',
    serverEnvironment(issuer, databaseUrl, {
      JWKS_TIMEOUT_MS: String(JWKS_TIMEOUT_MS),
      JWKS_COOLDOWN_MS: String(JWKS_COOLDOWN_MS),
      JWKS_CACHE_MAX_AGE_MS: String(JWKS_CACHE_MAX_AGE_MS),
    }),
  )
})

afterAll(async () => {
  agent.destroy()
  await killAllServers()
  await issuer?.stop()
})

async function create(token: string): Promise<HttpOutcome> {
  const outcome = await send(`${server.url}/v1/organizations`, {
    token,
    body: {},
    agent,
    timeoutMs: JWKS_TIMEOUT_MS + 5_000,
  })
  outcomes.push(outcome)
  return outcome
}

async function createWithKey(kid?: string): Promise<HttpOutcome> {
  return create(await issuer.mint({}, kid === undefined ? {} : { kid }))
}

/**
 * Sends creates signed under random unknown kids from 4 clients for BURST_MS, and returns the
 * outcomes with the number of JWKS fetches the issuer saw meanwhile and the bound on them.
 */
async function unknownKidBurst(): Promise<{
  results: HttpOutcome[]
  fetches: number
  bound: number
}> {
  const results: HttpOutcome[] = []
  const started = Date.now()
  const client = async () => {
    while (Date.now() - started < BURST_MS) {
      results.push(await create(await issuer.mintWithUnknownKey()))
    }
  }
  await Promise.all([client(), client(), client(), client()])
  const elapsed = Date.now() - started
  return {
    results,
    fetches: issuer.fetchesSince(started),
    // Fetch attempts are at least a cooldown apart, so a window this long contains at most this many.
    bound: Math.floor(elapsed / JWKS_COOLDOWN_MS) + 1,
  }
}

describe('issuer outages and key rotation', () => {
  it('cached keys verify while the issuer is down', async () => {
    firstKid = await issuer.publishNewKey()
    expectStatus(await createWithKey(firstKid), 200)
    expect(issuer.fetches.length).toBeGreaterThan(0)

    await issuer.stop()
    for (let index = 0; index < 5; index += 1) {
      expectStatus(await createWithKey(firstKid), 200)
    }

    // Past the cache's max age: the background refresh fails, the cached key still verifies.
    await sleep(JWKS_CACHE_MAX_AGE_MS + 500)
    for (let index = 0; index < 5; index += 1) {
      expectStatus(await createWithKey(firstKid), 200)
    }
    await waitFor('the failed refresh is logged', () =>
      server.logs.some(
        (line) => line.msg === "fetching the issuer's JWKS failed; verifying with the cached keys",
      ),
    )
  })

  it('unknown kids: one fetch per cooldown while failing', async () => {
    await issuer.restart()
    issuer.mode = 'failing'
    await sleep(JWKS_COOLDOWN_MS + 200)

    const burst = unknownKidBurst()
    // Requests with the cached key keep succeeding throughout.
    const cached: HttpOutcome[] = []
    for (let index = 0; index < 5; index += 1) {
      cached.push(await createWithKey(firstKid))
      await sleep(300)
    }
    const { results, fetches, bound } = await burst

    expect(results.length).toBeGreaterThan(20)
    expect(fetches).toBeGreaterThan(0)
    expect(fetches).toBeLessThanOrEqual(bound)
    for (const result of results) {
      expectEnvelope(result, 503, 'service_unavailable')
      expect(result.kind === 'response' && Number(result.headers['retry-after'])).toBeGreaterThan(0)
    }
    await expectOneFaultLine(server, results[0]?.requestId ?? '', 'service_unavailable')
    for (const result of cached) {
      expectStatus(result, 200)
    }
  })

  it('unknown kids: one fetch per cooldown while up', async () => {
    issuer.mode = 'up'
    await sleep(JWKS_COOLDOWN_MS + 200)

    const { results, fetches, bound } = await unknownKidBurst()

    expect(results.length).toBeGreaterThan(20)
    expect(fetches).toBeLessThanOrEqual(bound)
    for (const result of results) {
      expectEnvelope(result, 401, 'invalid_token')
    }
    await expectOneFaultLine(server, results[0]?.requestId ?? '', 'invalid_token')
  })

  it('new key accepted without a restart', async () => {
    const newKid = await issuer.publishNewKey()
    await sleep(JWKS_COOLDOWN_MS + 200)

    expectStatus(await createWithKey(newKid), 200)
    expectStatus(await createWithKey(firstKid), 200)
  })

  it('hanging JWKS: 503 in time, cached keys unaffected', async () => {
    issuer.mode = 'hanging'
    const hiddenKid = await issuer.publishNewKey()
    await sleep(JWKS_COOLDOWN_MS + 200)

    const needsFetch = createWithKey(hiddenKid).then((outcome) => ({
      outcome,
      endedAt: Date.now(),
    }))
    await sleep(100)
    const cached = await Promise.all(
      Array.from({ length: 10 }, () =>
        createWithKey(firstKid).then((outcome) => ({ outcome, endedAt: Date.now() })),
      ),
    )
    const blocked = await needsFetch

    expectEnvelope(blocked.outcome, 503, 'service_unavailable')
    expect(blocked.outcome.elapsedMs).toBeLessThan(JWKS_TIMEOUT_MS + 2_000)
    await expectOneFaultLine(server, blocked.outcome.requestId, 'service_unavailable')
    for (const result of cached) {
      expectStatus(result.outcome, 200)
      // Served while the fetch was still hanging, not after it gave up.
      expect(result.endedAt).toBeLessThan(blocked.endedAt)
    }
    issuer.mode = 'up'
  })

  afterAll(async () => {
    const rows = await readRows(databaseUrl)
    const successes = withStatus(outcomes, 200)
    const lostWrites = countLostWrites(successes, rows)
    expect(lostWrites).toBe(0)
    expect(rows).toHaveLength(successes.length)
    recordFigures(inject('reportDir'), {
      scenario: 'issuer down, failing, hanging, rotated',
      requestsSent: outcomes.length,
      outcomes: countOutcomes(outcomes),
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

function expectStatus(outcome: HttpOutcome, status: number): void {
  expect(
    outcome.kind === 'response' ? outcome.status : outcome.code,
    outcome.kind === 'response' ? outcome.text.slice(0, 300) : '',
  ).toBe(status)
}
