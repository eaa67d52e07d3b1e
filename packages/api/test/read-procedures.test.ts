import { randomUUID } from 'node:crypto'
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiDependencies,
  createCaller,
  createContext,
  type DatabaseHandle,
  toServiceError,
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

async function captureError(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(TRPCError)
  return error as TRPCError
}

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`read procedures in-process on ${target.name}`, () => {
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

    it('jurisdictions.list returns the four UK nations', async () => {
      const token = await issuer.mintToken()

      const jurisdictions = await callerFor(token).jurisdictions.list()

      expect(jurisdictions).toEqual([
        { id: 'jur_uk_eng', name: 'England' },
        { id: 'jur_uk_nir', name: 'Northern Ireland' },
        { id: 'jur_uk_sct', name: 'Scotland' },
        { id: 'jur_uk_wls', name: 'Wales' },
      ])
    })

    it('jurisdictions.list needs no organisation or permission', async () => {
      const token = await issuer.mintToken({ claims: { org_id: undefined, permissions: [] } })

      const jurisdictions = await callerFor(token).jurisdictions.list()

      expect(jurisdictions).toHaveLength(4)
    })

    it('jurisdictions.list rejects a missing token', async () => {
      const error = await captureError(callerFor(undefined).jurisdictions.list())

      expect(error.code).toBe('UNAUTHORIZED')
    })

    it('organizations.mine is null before create', async () => {
      const token = await issuer.mintToken()

      expect(await callerFor(token).organizations.mine()).toBeNull()
    })

    it('organizations.mine returns the created organisation', async () => {
      const token = await issuer.mintToken()
      const created = await callerFor(token).organizations.create({ typeCode: 'provider' })

      const mine = await callerFor(token).organizations.mine()

      expect(mine).toEqual(created)
      expect(mine?.typeCode).toBe('provider')
    })

    it('organizations.mine sees only its own Auth0 organisation', async () => {
      const owner = await issuer.mintToken()
      await callerFor(owner).organizations.create({})
      const other = await issuer.mintToken()

      expect(await callerFor(other).organizations.mine()).toBeNull()
    })

    it('organizations.mine needs no create permission', async () => {
      const orgId = `org_${randomUUID().slice(0, 8)}`
      const creator = await issuer.mintToken({ claims: { org_id: orgId } })
      const created = await callerFor(creator).organizations.create({})
      const reader = await issuer.mintToken({ claims: { org_id: orgId, permissions: [] } })

      expect(await callerFor(reader).organizations.mine()).toEqual(created)
    })

    it('organizations.mine rejects a token without org_id', async () => {
      const token = await issuer.mintToken({ claims: { org_id: undefined } })

      const error = await captureError(callerFor(token).organizations.mine())

      expect(error.code).toBe('FORBIDDEN')
      expect(toServiceError(error)?.code).toBe('missing_organization_context')
    })

    it('organizations.mine rejects a missing token', async () => {
      const error = await captureError(callerFor(undefined).organizations.mine())

      expect(error.code).toBe('UNAUTHORIZED')
      expect(toServiceError(error)?.code).toBe('invalid_token')
    })
  })
}
