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

const JURISDICTION_CLAIM = 'https://cail.health/jurisdiction_id'

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

describe('error issues name the request field', () => {
  let database: DatabaseHandle
  let dependencies: ApiDependencies

  beforeAll(async () => {
    const pglite = databaseTargets().find((target) => target.name === 'pglite')
    if (!pglite) {
      throw new Error('the pglite database target is missing')
    }
    database = await pglite.open()
    dependencies = testDependencies(database.db, issuer)
  })

  afterAll(async () => {
    await database?.close()
  })

  async function createFailure(claims: Record<string, unknown>, input: object) {
    const token = await issuer.mintToken({ claims })
    const caller = createCaller(
      createContext(dependencies, { authorization: `Bearer ${token}`, requestId: randomUUID() }),
    )
    const error = await captureError(caller.organizations.create(input))
    const failure = toServiceError(error)
    expect(failure).toBeDefined()
    return failure as NonNullable<typeof failure>
  }

  it('input issues carry their zod path', async () => {
    const failure = await createFailure({}, { name: 'x'.repeat(201), typeCode: 'hospital' })

    expect(failure.issues.map((issue) => issue.path)).toEqual([['name'], ['typeCode']])
    expect(failure.issues.map((issue) => issue.message)).toEqual(failure.messages)
  })

  it('unknown field issue names no field', async () => {
    const failure = await createFailure({}, { colour: 'blue' })

    expect(failure.issues).toHaveLength(1)
    expect(failure.issues[0]?.path).toEqual([])
  })

  it('values missing from body and token name their fields', async () => {
    const failure = await createFailure(
      { org_name: undefined, [JURISDICTION_CLAIM]: undefined },
      {},
    )

    expect(failure.code).toBe('validation_failed')
    expect(failure.issues.map((issue) => issue.path)).toEqual([['name'], ['jurisdictionId']])
  })

  it('unknown jurisdiction names jurisdictionId', async () => {
    const failure = await createFailure(
      { [JURISDICTION_CLAIM]: undefined },
      { jurisdictionId: 'jur_fr' },
    )

    expect(failure.code).toBe('unknown_jurisdiction')
    expect(failure.issues[0]?.path).toEqual(['jurisdictionId'])
  })

  it('jurisdiction mismatch names jurisdictionId', async () => {
    const failure = await createFailure(
      { [JURISDICTION_CLAIM]: 'jur_uk_eng' },
      { jurisdictionId: 'jur_uk_wls' },
    )

    expect(failure.code).toBe('jurisdiction_mismatch')
    expect(failure.issues[0]?.path).toEqual(['jurisdictionId'])
  })
})
