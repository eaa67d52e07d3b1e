/**
 * Property-based requests (fast-check): generated bodies, headers and token claims for the REST
 * endpoint, and generated inputs for the tRPC procedure. Every response is a 200, or a 4xx with
 * the error shape, never a 5xx; the database contains exactly the rows of the 200s.
 */
import { Agent } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type HttpOutcome, type HttpResponse, send } from './support/http.js'
import { FaultIssuer, JURISDICTION_CLAIM } from './support/issuer.js'
import { expectNoSecrets } from './support/logs.js'
import { countOutcomes, recordFigures } from './support/report.js'
import {
  createScenarioDatabase,
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

const REST_RUNS = 150
const TRPC_RUNS = 100

let issuer: FaultIssuer
let databaseUrl: string
let server: ServerProcess
const agent = new Agent({ keepAlive: true, maxSockets: 4 })
const outcomes: HttpOutcome[] = []
/** Ids returned by 200 responses, from either transport. */
const createdIds = new Set<string>()

beforeAll(async () => {
  issuer = await FaultIssuer.start()
  databaseUrl = await createScenarioDatabase('fuzz')
  server = await startServerProcess('fuzz', serverEnvironment(issuer, databaseUrl))
})

afterAll(async () => {
  agent.destroy()
  await killAllServers()
  await issuer?.stop()
})

// A small pool of Auth0 organisations, so that some generated creates conflict (409).
const organizationId = fc.oneof(
  fc.constantFrom('org_fuzz_a', 'org_fuzz_b', 'org_fuzz_c'),
  fc.uuid().map((uuid) => `org_fuzz_${uuid.replaceAll('-', '')}`),
)

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'Ysgol Gynradd Aberystwyth',
    'Comhairle nan Eilean Siar',
    'a'.repeat(201),
  ),
)

const anyValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
)

const field = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anyValue })

const createFields = fc.record(
  {
    name: field(text),
    typeCode: field(fc.constantFrom('commissioner', 'provider', 'health_board', 'Provider', '')),
    jurisdictionId: field(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant('jur_uk_eng') },
        {
          weight: 1,
          arbitrary: fc.constantFrom('jur_uk_sct', 'jur_uk_wls', 'jur_uk_nir', 'jur_fr', ''),
        },
      ),
    ),
  },
  { requiredKeys: [] },
)

const createBody = fc.oneof(
  { weight: 4, arbitrary: createFields },
  {
    weight: 1,
    arbitrary: fc
      .tuple(createFields, fc.string({ maxLength: 20 }), anyValue)
      .map(([fields, key, value]) => ({ ...fields, [key]: value })),
  },
)

const claims = fc.record(
  {
    org_id: organizationId,
    org_name: fc.oneof(
      { weight: 4, arbitrary: fc.constant('Lambeth Primary Care Network') },
      { weight: 1, arbitrary: fc.option(text, { nil: undefined }) },
    ),
    [JURISDICTION_CLAIM]: fc.oneof(
      { weight: 4, arbitrary: fc.constant('jur_uk_eng') },
      { weight: 1, arbitrary: fc.constantFrom(undefined, 'jur_uk_sct', 'jur_unknown') },
    ),
    permissions: fc.oneof(
      { weight: 4, arbitrary: fc.constant(['create:organizations']) },
      { weight: 1, arbitrary: fc.constantFrom([], ['read:organizations']) },
    ),
  },
  { requiredKeys: ['org_id', 'permissions'] },
)

// Header values Node's client can send: visible ASCII and spaces.
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 80,
})

const restRequest = fc.record({
  claims,
  body: fc.oneof(
    { weight: 5, arbitrary: createBody.map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constant('') },
  ),
  contentType: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
    },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded') },
  ),
  requestId: fc.option(headerText, { nil: undefined }),
  authorization: fc.oneof(
    { weight: 6, arbitrary: fc.constant('valid') },
    { weight: 1, arbitrary: fc.constantFrom('missing', 'garbage', 'basic') },
  ),
})

async function authorizationHeader(
  kind: string,
  tokenClaims: Record<string, unknown>,
): Promise<Record<string, string>> {
  switch (kind) {
    case 'missing':
      return {}
    case 'garbage':
      return { authorization: 'Bearer not.a.token' }
    case 'basic':
      return { authorization: 'Basic dXNlcjpwYXNz' }
    default:
      return { authorization: `Bearer ${await issuer.mint(tokenClaims)}` }
  }
}

function expectRestOutcome(outcome: HttpOutcome): void {
  expect(outcome.kind).toBe('response')
  const response = outcome as HttpResponse
  expect(response.status, response.text.slice(0, 300)).toBeLessThan(500)
  if (response.status === 200) {
    expect(response.body?.id).toMatch(/^[0-9a-f-]{36}$/)
    createdIds.add(response.body.id)
    return
  }
  expect(response.status).toBeGreaterThanOrEqual(400)
  expect(response.body?.statusCode).toBe(response.status)
  expect(typeof response.body?.code).toBe('string')
  expect(response.body?.meta?.requestId).toBe(response.headers['x-request-id'])
}

function expectTrpcOutcome(outcome: HttpOutcome): void {
  expect(outcome.kind).toBe('response')
  const response = outcome as HttpResponse
  expect(response.status, response.text.slice(0, 300)).toBeLessThan(500)
  if (response.status === 200) {
    const created = response.body?.result?.data
    expect(created?.id).toMatch(/^[0-9a-f-]{36}$/)
    createdIds.add(created.id)
    return
  }
  expect(response.status).toBeGreaterThanOrEqual(400)
  const data = response.body?.error?.data
  expect(data?.httpStatus).toBe(response.status)
  expect(typeof data?.code).toBe('string')
  expect(Array.isArray(data?.messages)).toBe(true)
  expect(data?.requestId).toBe(response.headers['x-request-id'])
}

describe('fuzzing', () => {
  it('REST: generated requests never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(restRequest, async (generated) => {
        const headers: Record<string, string> = {
          'content-type': generated.contentType,
          ...(await authorizationHeader(generated.authorization, generated.claims)),
        }
        if (generated.requestId !== undefined) {
          headers['x-request-id'] = generated.requestId
        }
        const outcome = await send(`${server.url}/v1/organizations`, {
          body: generated.body,
          headers,
          agent,
        })
        outcomes.push(outcome)
        expectRestOutcome(outcome)
      }),
      { numRuns: REST_RUNS },
    )
  })

  it('tRPC: generated procedure inputs never get a 5xx', async () => {
    const input = fc.oneof(
      { weight: 4, arbitrary: createBody },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    )
    await fc.assert(
      fc.asyncProperty(input, claims, async (generated, tokenClaims) => {
        const outcome = await send(`${server.url}/trpc/organizations.create`, {
          body: JSON.stringify(generated),
          token: await issuer.mint(tokenClaims),
          agent,
        })
        outcomes.push(outcome)
        expectTrpcOutcome(outcome)
      }),
      { numRuns: TRPC_RUNS },
    )
  })

  afterAll(async () => {
    const rows = await readRows(databaseUrl)
    const rowIds = new Set(rows.map((row) => row.id))
    expect(
      [...createdIds].filter((id) => !rowIds.has(id)),
      'ids of 200s without a row',
    ).toEqual([])
    expect(
      rows.filter((row) => !createdIds.has(row.id)),
      'rows without a 200',
    ).toEqual([])

    expect(withStatus(outcomes, 200).length, 'fuzzed creates that succeeded').toBeGreaterThan(0)
    recordFigures(inject('reportDir'), {
      scenario: 'fuzzing (REST and tRPC)',
      requestsSent: outcomes.length,
      outcomes: countOutcomes(outcomes),
      rowsExpected: createdIds.size,
      rowsFound: rows.length,
      lostWrites: [...createdIds].filter((id) => !rowIds.has(id)).length,
    })
  })
})

describe('server output', () => {
  it('has no token, key or password', () => {
    expectNoSecrets(allOutput, [...issuer.secrets, inject('sharedCluster').password])
  })
})
