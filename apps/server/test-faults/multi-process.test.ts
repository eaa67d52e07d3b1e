/**
 * Two server processes share one PostgreSQL database: the unique Auth0 organisation id in the
 * database, not process memory, decides which create wins.
 */
import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type HttpOutcome, send } from './support/http.js'
import { FaultIssuer } from './support/issuer.js'
import { expectNoSecrets, expectOneFaultLine } from './support/logs.js'
import { countOutcomes, mergeCounts, recordFigures } from './support/report.js'
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

let issuer: FaultIssuer
let databaseUrl: string
let servers: ServerProcess[]
const agent = new Agent({ keepAlive: true, maxSockets: 100 })

beforeAll(async () => {
  issuer = await FaultIssuer.start()
  databaseUrl = await createScenarioDatabase('multi_process')
  const environment = serverEnvironment(issuer, databaseUrl)
  // Started together, so that both run the migrations at once under the advisory lock.
  servers = await Promise.all([
    startServerProcess('a', environment),
    startServerProcess('b', environment),
  ])
})

afterAll(async () => {
  agent.destroy()
  await killAllServers()
  await issuer?.stop()
})

describe('several processes, one database', () => {
  const outcomes: HttpOutcome[] = []

  it('same organisation: one row, one 200', async () => {
    const orgId = 'org_concurrent_same'
    const tokens = await Promise.all(
      Array.from({ length: 50 }, () => issuer.mint({ org_id: orgId })),
    )

    const results = await Promise.all(
      tokens.map((token, index) =>
        send(`${servers[index % 2]?.url}/v1/organizations`, { token, body: {}, agent }),
      ),
    )
    outcomes.push(...results)

    const successes = withStatus(results, 200)
    const conflicts = withStatus(results, 409)
    expect(successes).toHaveLength(1)
    expect(conflicts).toHaveLength(49)

    const rows = (await readRows(databaseUrl)).filter((row) => row.auth0OrganizationId === orgId)
    expect(rows).toHaveLength(1)
    expect(rows[0]?.id).toBe(successes[0]?.body.id)

    for (const conflict of conflicts) {
      expectEnvelope(conflict, 409, 'organization_exists')
      expect(conflict.body.message).toContain(rows[0]?.id)
      await expectOneFaultLine(servers, conflict.requestId, 'organization_exists')
    }
  })

  it('200 organisations: 200 rows matching the responses', async () => {
    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        issuer.mint({ org_id: `org_spread_${index}`, org_name: `Practice ${index}` }),
      ),
    )

    const results = await Promise.all(
      tokens.map((token, index) =>
        send(`${servers[index % 2]?.url}/v1/organizations`, { token, body: {}, agent }),
      ),
    )
    outcomes.push(...results)

    const successes = withStatus(results, 200)
    expect(successes).toHaveLength(200)

    const rows = (await readRows(databaseUrl)).filter((row) =>
      row.auth0OrganizationId.startsWith('org_spread_'),
    )
    expect(rows).toHaveLength(200)
    const rowsById = new Map(rows.map((row) => [row.id, row]))
    for (const [index, success] of results.entries()) {
      const row = rowsById.get((success as { body?: { id?: string } }).body?.id ?? '')
      expect(row?.auth0OrganizationId).toBe(`org_spread_${index}`)
      expect(row?.name).toBe(`Practice ${index}`)
    }
    for (const server of servers) {
      expect(
        server.logs.filter((line) => line.msg === 'organisation created').length,
      ).toBeGreaterThan(0)
    }
  })

  afterAll(async () => {
    const rows = await readRows(databaseUrl)
    const successes = withStatus(outcomes, 200)
    recordFigures(inject('reportDir'), {
      scenario: 'several processes, one database',
      requestsSent: outcomes.length,
      outcomes: mergeCounts(countOutcomes(outcomes)),
      rowsExpected: successes.length,
      rowsFound: rows.length,
      lostWrites: countLostWrites(successes, rows),
    })
    expect(countLostWrites(successes, rows)).toBe(0)
    expect(rows).toHaveLength(successes.length)
  })
})

describe('server output', () => {
  it('has no token, key or password', () => {
    expectNoSecrets(allOutput, [...issuer.secrets, inject('sharedCluster').password])
  })
})
