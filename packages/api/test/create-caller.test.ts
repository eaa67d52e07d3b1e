import { randomUUID } from 'node:crypto'
import { TRPCError } from '@trpc/server'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiDependencies,
  createCaller,
  createContext,
  type DatabaseHandle,
  schema,
} from '../src/index.js'
import {
  databaseTargets,
  startTestIssuer,
  type TestIssuer,
  testDependencies,
} from '../testing/index.js'

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

/** Runs `call` and returns the TRPCError it throws, with the formatted data the client would see. */
async function captureError(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(TRPCError)
  return error as TRPCError
}

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`organizations.create in-process on ${target.name}`, () => {
    let database: DatabaseHandle
    let dependencies: ApiDependencies

    beforeAll(async () => {
      database = await target.open()
      dependencies = testDependencies(database.db, issuer)
    })

    afterAll(async () => {
      await database?.close()
    })

    function callerFor(token: string | undefined) {
      return createCaller(
        createContext(dependencies, {
          authorization: token === undefined ? undefined : `Bearer ${token}`,
          requestId: randomUUID(),
        }),
      )
    }

    it('creates from token claims with an empty input', async () => {
      const orgId = `org_${randomUUID().slice(0, 8)}`
      const token = await issuer.mintToken({ claims: { org_id: orgId } })

      const created = await callerFor(token).organizations.create({})

      expect(created.name).toBe('Lambeth Primary Care Network')
      expect(created.typeCode).toBe('commissioner')
      expect(created.jurisdictionId).toBe('jur_uk_eng')
      expect(created.active).toBe(true)
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/)

      const rows = await database.db
        .select()
        .from(schema.organizations)
        .where(eq(schema.organizations.auth0OrganizationId, orgId))
      expect(rows).toHaveLength(1)
      expect(rows[0]?.createdBy).toMatch(/^auth0\|/)
    })

    it('rejects a second create with CONFLICT', async () => {
      const token = await issuer.mintToken()
      const first = await callerFor(token).organizations.create()

      const error = await captureError(callerFor(token).organizations.create({ name: 'Other' }))

      expect(error.code).toBe('CONFLICT')
      expect(error.message).toContain(first.id)
    })

    it('maps an unknown jurisdiction to BAD_REQUEST', async () => {
      const token = await issuer.mintToken({
        claims: { 'https://cail.health/jurisdiction_id': undefined },
      })

      const error = await captureError(
        callerFor(token).organizations.create({ jurisdictionId: 'jur_fr' }),
      )

      expect(error.code).toBe('BAD_REQUEST')
      expect(error.message).toContain('"jur_fr"')
      expect(error.message).toContain('jur_uk_sct')
    })

    it('treats an empty jurisdictionId as a mismatch', async () => {
      const token = await issuer.mintToken()

      const error = await captureError(
        callerFor(token).organizations.create({ jurisdictionId: '' }),
      )

      expect(error.code).toBe('FORBIDDEN')
      expect((error.cause as { code?: string }).code).toBe('jurisdiction_mismatch')
    })

    it('rejects a missing token with UNAUTHORIZED', async () => {
      const error = await captureError(callerFor(undefined).organizations.create({}))

      expect(error.code).toBe('UNAUTHORIZED')
    })

    it('reports field messages for invalid input', async () => {
      const token = await issuer.mintToken()

      const error = await captureError(
        callerFor(token).organizations.create({
          name: 'x'.repeat(201),
          typeCode: 'hospital' as 'provider',
        }),
      )

      expect(error.code).toBe('BAD_REQUEST')
      const messages = (error.cause as { messages?: string[] }).messages
      expect(messages).toEqual([
        'name must be at most 200 characters (got 201)',
        'typeCode "hospital" is not supported; use one of commissioner, provider, health_board',
      ])
    })

    it('gives one row for 20 concurrent creates', async () => {
      const orgId = `org_${randomUUID().slice(0, 8)}`
      const token = await issuer.mintToken({ claims: { org_id: orgId } })

      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => callerFor(token).organizations.create({})),
      )

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
      const codes = results.flatMap((result) =>
        result.status === 'rejected' ? [(result.reason as TRPCError).code] : [],
      )
      expect(codes).toEqual(Array(19).fill('CONFLICT'))
      const rows = await database.db
        .select()
        .from(schema.organizations)
        .where(eq(schema.organizations.auth0OrganizationId, orgId))
      expect(rows).toHaveLength(1)
    })
  })
}
