import { randomUUID } from 'node:crypto'
import { TRPCError } from '@trpc/server'
import { and, eq, sql } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QueryScope } from '../src/db/deadline.js'
import { fingerprintRequest } from '../src/idempotency/fingerprint.js'
import {
  type ApiDependencies,
  createCaller,
  createContext,
  type Database,
  type DatabaseHandle,
  runIdempotent,
  ServiceError,
  schema,
} from '../src/index.js'
import {
  databaseTargets,
  startTestIssuer,
  type TestIssuer,
  testDependencies,
} from '../testing/index.js'

const OPERATION = 'organizations.create'

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

async function captureError(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(TRPCError)
  return error as TRPCError
}

function serviceErrorOf(error: TRPCError): ServiceError {
  expect(error.cause).toBeInstanceOf(ServiceError)
  return error.cause as ServiceError
}

function newOrgId(): string {
  return `org_${randomUUID().replaceAll('-', '').slice(0, 16)}`
}

describe('fingerprintRequest', () => {
  it('ignores key order', () => {
    expect(fingerprintRequest(OPERATION, { name: 'A', typeCode: 'provider' })).toBe(
      fingerprintRequest(OPERATION, { typeCode: 'provider', name: 'A' }),
    )
  })

  it('treats an absent input as {}', () => {
    expect(fingerprintRequest(OPERATION, undefined)).toBe(fingerprintRequest(OPERATION, {}))
  })

  it('differs by value and by operation', () => {
    const base = fingerprintRequest(OPERATION, { name: 'A' })
    expect(fingerprintRequest(OPERATION, { name: 'B' })).not.toBe(base)
    expect(fingerprintRequest('organizations.update', { name: 'A' })).not.toBe(base)
  })
})

describe('runIdempotent without a key', () => {
  it('adds no database statement', async () => {
    const untouchable = new Proxy(
      {},
      {
        get(_target, property) {
          throw new Error(`the database was used (${String(property)})`)
        },
      },
    ) as Database
    const context = {
      db: untouchable,
      logger: pino({ level: 'silent' }),
      caller: { organizationId: 'org_without_key' },
      queries: new QueryScope(),
      idempotencyKey: undefined,
      responseHeaders: new Map<string, string>(),
    }

    const output = await runIdempotent(context, { operation: OPERATION, input: {} }, async () => ({
      created: true,
    }))

    expect(output).toEqual({ created: true })
    expect(context.responseHeaders.size).toBe(0)
  })
})

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`Idempotency-Key in-process on ${target.name}`, () => {
    let database: DatabaseHandle
    let dependencies: ApiDependencies

    beforeAll(async () => {
      database = await target.open()
      dependencies = testDependencies(database.db, issuer)
    })

    afterAll(async () => {
      await database?.close()
    })

    function contextFor(token: string, idempotencyKey?: string | string[]) {
      return createContext(dependencies, {
        authorization: `Bearer ${token}`,
        requestId: randomUUID(),
        idempotencyKey,
      })
    }

    async function organizationRows(orgId: string) {
      return database.db
        .select()
        .from(schema.organizations)
        .where(eq(schema.organizations.auth0OrganizationId, orgId))
    }

    async function keyRows(orgId: string, key: string) {
      return database.db
        .select()
        .from(schema.idempotencyKeys)
        .where(
          and(
            eq(schema.idempotencyKeys.auth0OrganizationId, orgId),
            eq(schema.idempotencyKeys.key, key),
          ),
        )
    }

    it('replays the first success without a new write', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()

      const firstContext = contextFor(token, key)
      const first = await createCaller(firstContext).organizations.create({ typeCode: 'provider' })
      const retryContext = contextFor(token, key)
      const retry = await createCaller(retryContext).organizations.create({ typeCode: 'provider' })

      expect(retry).toEqual(first)
      expect(firstContext.responseHeaders.get('Idempotency-Replayed')).toBeUndefined()
      expect(retryContext.responseHeaders.get('Idempotency-Replayed')).toBe('true')
      expect(await organizationRows(orgId)).toHaveLength(1)
      const [record] = await keyRows(orgId, key)
      expect(record?.responseStatus).toBe(200)
      expect(record?.responseBody).toEqual(first)
      expect(record?.completedAt).toBeInstanceOf(Date)
    })

    it('replays across equivalent bodies', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()

      const first = await createCaller(contextFor(token, key)).organizations.create({
        name: 'Cwm Taf Morgannwg',
        typeCode: 'health_board',
      })
      const retry = await createCaller(contextFor(token, key)).organizations.create({
        typeCode: 'health_board',
        name: '  Cwm Taf Morgannwg ',
      })

      expect(retry).toEqual(first)
    })

    it('rejects a reused key with a different body', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()
      await createCaller(contextFor(token, key)).organizations.create({})

      const error = await captureError(
        createCaller(contextFor(token, key)).organizations.create({ typeCode: 'provider' }),
      )

      expect(error.code).toBe('CONFLICT')
      expect(error.message).toBe('Idempotency key reused with a different body.')
      expect(serviceErrorOf(error).code).toBe('conflict')
      expect(await organizationRows(orgId)).toHaveLength(1)
    })

    it('rejects a key still in progress', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()
      await database.db.insert(schema.idempotencyKeys).values({
        auth0OrganizationId: orgId,
        key,
        requestFingerprint: fingerprintRequest(OPERATION, {}),
        claimId: randomUUID(),
        claimExpiresAt: sql`now() + interval '1 minute'`,
      })

      const error = await captureError(
        createCaller(contextFor(token, key)).organizations.create({}),
      )

      expect(error.code).toBe('CONFLICT')
      expect(error.message).toMatch(/still in progress; retry/)
      const failure = serviceErrorOf(error)
      expect(failure.code).toBe('conflict')
      expect(failure.headers['Retry-After']).toBe('1')
      expect(await organizationRows(orgId)).toHaveLength(0)
    })

    it('takes over a claim whose lease expired', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()
      const abandonedClaim = randomUUID()
      await database.db.insert(schema.idempotencyKeys).values({
        auth0OrganizationId: orgId,
        key,
        requestFingerprint: fingerprintRequest(OPERATION, {}),
        claimId: abandonedClaim,
        claimExpiresAt: sql`now() - interval '1 second'`,
      })

      const context = contextFor(token, key)
      const created = await createCaller(context).organizations.create({})

      expect(context.responseHeaders.get('Idempotency-Replayed')).toBeUndefined()
      expect(await organizationRows(orgId)).toHaveLength(1)
      const [record] = await keyRows(orgId, key)
      expect(record?.claimId).not.toBe(abandonedClaim)
      expect(record?.responseBody).toEqual(created)
    })

    it('rejects malformed keys as validation_failed', async () => {
      const token = await issuer.mintToken()
      const cases: { key: string | string[]; message: RegExp }[] = [
        { key: '', message: /must not be empty/ },
        { key: 'k'.repeat(256), message: /at most 255 characters \(got 256\)/ },
        { key: 'two words', message: /only visible ASCII/ },
        { key: 'clé', message: /only visible ASCII/ },
        { key: 'tab\there', message: /only visible ASCII/ },
        { key: ['first', 'second'], message: /sent 2 times/ },
      ]

      for (const { key, message } of cases) {
        const error = await captureError(
          createCaller(contextFor(token, key)).organizations.create({}),
        )
        expect(error.code, JSON.stringify(key)).toBe('BAD_REQUEST')
        const failure = serviceErrorOf(error)
        expect(failure.code).toBe('validation_failed')
        expect(failure.messages.join('\n')).toMatch(message)
      }
    })

    it('accepts a key of 255 visible characters', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = `!~${'k'.repeat(253)}`

      await createCaller(contextFor(token, key)).organizations.create({})

      expect(await keyRows(orgId, key)).toHaveLength(1)
    })

    it('replays a stored 400 failure', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({
        claims: { org_id: orgId, 'https://cail.health/jurisdiction_id': undefined },
      })
      const key = randomUUID()
      const body = { jurisdictionId: 'jur_fr' }

      const first = await captureError(
        createCaller(contextFor(token, key)).organizations.create(body),
      )
      const retryContext = contextFor(token, key)
      const retry = await captureError(createCaller(retryContext).organizations.create(body))

      expect(first.code).toBe('BAD_REQUEST')
      expect(retry.code).toBe('BAD_REQUEST')
      expect(retry.message).toBe(first.message)
      expect(serviceErrorOf(retry).code).toBe('unknown_jurisdiction')
      expect(retryContext.responseHeaders.get('Idempotency-Replayed')).toBe('true')
      const [record] = await keyRows(orgId, key)
      expect(record?.responseStatus).toBe(400)
    })

    it('replays a stored organization_exists', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const existing = await createCaller(contextFor(token)).organizations.create({})
      const key = randomUUID()

      const first = await captureError(
        createCaller(contextFor(token, key)).organizations.create({}),
      )
      const retry = await captureError(
        createCaller(contextFor(token, key)).organizations.create({}),
      )

      expect(first.code).toBe('CONFLICT')
      expect(serviceErrorOf(retry).code).toBe('organization_exists')
      expect(retry.message).toContain(existing.id)
      const [record] = await keyRows(orgId, key)
      expect(record?.responseStatus).toBe(409)
    })

    it('does not store a 403 failure', async () => {
      const orgId = newOrgId()
      const key = randomUUID()
      const body = { jurisdictionId: 'jur_uk_sct' }
      const englandToken = await issuer.mintToken({ claims: { org_id: orgId } })

      const denied = await captureError(
        createCaller(contextFor(englandToken, key)).organizations.create(body),
      )
      expect(denied.code).toBe('FORBIDDEN')
      expect(await keyRows(orgId, key)).toHaveLength(0)

      const scotlandToken = await issuer.mintToken({
        claims: { org_id: orgId, 'https://cail.health/jurisdiction_id': 'jur_uk_sct' },
      })
      const created = await createCaller(contextFor(scotlandToken, key)).organizations.create(body)
      expect(created.jurisdictionId).toBe('jur_uk_sct')
    })

    it('releases the key after an unexpected error', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()
      const context = {
        ...contextFor(token, key),
        caller: { organizationId: orgId },
        queries: new QueryScope(),
      }
      const request = { operation: OPERATION, input: {} }

      await expect(
        runIdempotent(context, request, async () => {
          throw new Error('connection reset')
        }),
      ).rejects.toThrow('connection reset')
      expect(await keyRows(orgId, key)).toHaveLength(0)

      const output = await runIdempotent(context, request, async () => ({ attempt: 2 }))
      expect(output).toEqual({ attempt: 2 })
      const [record] = await keyRows(orgId, key)
      expect(record?.responseBody).toEqual({ attempt: 2 })
    })

    it('scopes keys to the Auth0 organisation', async () => {
      const key = randomUUID()
      const firstOrg = newOrgId()
      const secondOrg = newOrgId()

      const first = await createCaller(
        contextFor(await issuer.mintToken({ claims: { org_id: firstOrg } }), key),
      ).organizations.create({})
      const second = await createCaller(
        contextFor(await issuer.mintToken({ claims: { org_id: secondOrg } }), key),
      ).organizations.create({})

      expect(second.id).not.toBe(first.id)
      expect(await organizationRows(firstOrg)).toHaveLength(1)
      expect(await organizationRows(secondOrg)).toHaveLength(1)
    })

    it('writes no key record without a key', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })

      await createCaller(contextFor(token)).organizations.create({})

      const records = await database.db
        .select()
        .from(schema.idempotencyKeys)
        .where(eq(schema.idempotencyKeys.auth0OrganizationId, orgId))
      expect(records).toHaveLength(0)
    })

    it('gives one write for 20 concurrent calls', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()
      const contexts = Array.from({ length: 20 }, () => contextFor(token, key))

      const results = await Promise.allSettled(
        contexts.map((context) => createCaller(context).organizations.create({})),
      )

      const created = results.flatMap((result, index) =>
        result.status === 'fulfilled' &&
        contexts[index]?.responseHeaders.get('Idempotency-Replayed') === undefined
          ? [result.value]
          : [],
      )
      expect(created).toHaveLength(1)
      for (const result of results) {
        if (result.status === 'fulfilled') {
          expect(result.value).toEqual(created[0])
        } else {
          const data = (result.reason as TRPCError & { cause: ServiceError }).cause
          expect(data.code).toBe('conflict')
          expect(data.message).toMatch(/retry/)
        }
      }
      expect(await organizationRows(orgId)).toHaveLength(1)
    })
  })
}
