/**
 * SIGTERM while a load generator sends creates: the server stops accepting, finishes what it
 * accepted, closes the pool and exits 0, and no create that succeeded or was accepted is lost.
 */
import { Agent } from 'node:http'
import postgres from 'postgres'
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
  withStatus,
} from './support/scenario.js'
import {
  allOutput,
  killAllServers,
  type ServerProcess,
  startServerProcess,
} from './support/server-process.js'

const GRACE_MS = 10_000
// Each insert sleeps this long in a trigger, so that requests are in flight at SIGTERM.
const INSERT_DELAY_MS = 200
const WORKERS = 16
const MAX_REQUESTS = 600

let issuer: FaultIssuer
let databaseUrl: string
let server: ServerProcess

beforeAll(async () => {
  issuer = await FaultIssuer.start()
  databaseUrl = await createScenarioDatabase('shutdown')
  server = await startServerProcess(
    'shutdown',
    serverEnvironment(issuer, databaseUrl, { SHUTDOWN_GRACE_MS: String(GRACE_MS) }),
  )
  await slowDownInserts(databaseUrl)
})

afterAll(async () => {
  await killAllServers()
  await issuer?.stop()
})

interface TimedOutcome {
  outcome: HttpOutcome
  startedAt: number
  endedAt: number
}

describe('shutdown under load', () => {
  it('drains in-flight creates and exits 0', async () => {
    const tokens = await Promise.all(
      Array.from({ length: MAX_REQUESTS }, (_, index) =>
        issuer.mint({ org_id: `org_load_${index}` }),
      ),
    )
    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS })
    const timed: TimedOutcome[] = []
    let next = 0

    const worker = async () => {
      while (next < tokens.length) {
        const token = tokens[next] as string
        next += 1
        const startedAt = Date.now()
        const outcome = await send(`${server.url}/v1/organizations`, { token, body: {}, agent })
        timed.push({ outcome, startedAt, endedAt: Date.now() })
        if (outcome.kind === 'failure' && outcome.code === 'ECONNREFUSED') {
          return
        }
      }
    }

    const load = Promise.all(Array.from({ length: WORKERS }, worker))
    await sleep(1_500)
    const signalledAt = Date.now()
    server.signal('SIGTERM')
    const exit = await server.exited
    await load
    agent.destroy()

    // Exit 0 is only reached when close() finished before the grace period's forced exit 1.
    expect(exit).toEqual({ code: 0, signal: null })
    const messages = server.logs.map((line) => line.msg)
    expect(messages).toContain('shutting down: no new connections, finishing in-flight requests')
    expect(messages).toContain('database pool closed')
    expect(messages).toContain('shutdown complete')

    const outcomes = timed.map((entry) => entry.outcome)
    const successes = withStatus(outcomes, 200)
    const inFlightAtSignal = timed.filter(
      (entry) =>
        entry.startedAt < signalledAt &&
        entry.endedAt > signalledAt &&
        entry.outcome.kind === 'response' &&
        entry.outcome.status === 200,
    )
    expect(inFlightAtSignal.length, 'creates in flight at SIGTERM that succeeded').toBeGreaterThan(
      0,
    )

    // Requests that met a closing server get the envelope and may retry elsewhere.
    for (const refused of withStatus(outcomes, 503)) {
      expectEnvelope(refused, 503, 'service_unavailable')
      expect(refused.headers['retry-after']).toBeDefined()
      await expectOneFaultLine(server, refused.requestId, 'service_unavailable')
    }
    const unexpected = outcomes.filter(
      (outcome) => outcome.kind === 'response' && ![200, 503].includes(outcome.status),
    )
    expect(unexpected).toEqual([])

    // A failed connection is acceptable only for a request the server never accepted.
    const accepted = new Set(
      server.logs.filter((line) => line.msg === 'incoming request').map((line) => line.reqId),
    )
    const failures = outcomes.filter((outcome) => outcome.kind === 'failure')
    for (const failure of failures) {
      expect(failure.code).not.toBe('TIMEOUT')
      expect(
        accepted.has(failure.requestId),
        `request ${failure.requestId} was accepted, then ${failure.code}`,
      ).toBe(false)
    }

    const rows = await readRows(databaseUrl)
    expect(countLostWrites(successes, rows)).toBe(0)
    // Every row belongs to a request the server accepted: nothing was written behind a reset.
    expect(rows).toHaveLength(successes.length)

    recordFigures(inject('reportDir'), {
      scenario: 'shutdown under load',
      requestsSent: outcomes.length,
      outcomes: countOutcomes(outcomes),
      rowsExpected: successes.length,
      rowsFound: rows.length,
      lostWrites: countLostWrites(successes, rows),
    })
  })
})

describe('server output', () => {
  it('has no token, key or password', () => {
    expectNoSecrets(allOutput, [...issuer.secrets, inject('sharedCluster').password])
  })
})

async function slowDownInserts(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await client.unsafe(`
      create function slow_insert() returns trigger language plpgsql as $$
      begin perform pg_sleep(${INSERT_DELAY_MS / 1000}); return new; end $$;
      create trigger slow_insert before insert on organizations
      for each row execute function slow_insert();
    `)
  } finally {
    await client.end({ timeout: 5 })
  }
}
