/**
 * The per-request database deadline on PostgreSQL: a create whose statements still wait for a
 * connection when its deadline passes gets a 503, and its statements never run afterwards.
 */
import { randomUUID } from 'node:crypto'
import { TRPCError } from '@trpc/server'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createCaller,
  createContext,
  type DatabaseHandle,
  openDatabase,
  schema,
} from '../src/index.js'
import {
  databaseTargets,
  postgresUrl,
  startTestIssuer,
  type TestIssuer,
  testDependencies,
} from '../testing/index.js'

const postgres = databaseTargets().find((target) => target.name === 'postgres')

// Long enough for the deadline to pass while the create waits for the only connection.
const BLOCKING_SECONDS = 0.6
const DEADLINE_MS = 100

describe.skipIf(postgres?.skipReason)('database deadline on postgres', () => {
  let issuer: TestIssuer
  let database: DatabaseHandle

  beforeAll(async () => {
    issuer = await startTestIssuer()
    const migrated = await postgres?.open()
    await migrated?.close()
    // One connection, so that a statement holding it keeps the create queued in the pool.
    database = await openDatabase({ kind: 'postgres', url: postgresUrl() ?? '', poolSize: 1 })
  })

  afterAll(async () => {
    await database?.close()
    await issuer?.stop()
  })

  async function createWhileBlocked(orgId: string, idempotencyKey?: string) {
    const token = await issuer.mintToken({ claims: { org_id: orgId } })
    const caller = createCaller(
      createContext(testDependencies(database.db, issuer, { databaseTimeoutMs: DEADLINE_MS }), {
        authorization: `Bearer ${token}`,
        requestId: randomUUID(),
        idempotencyKey,
      }),
    )
    // then() sends the statement now; Drizzle sends nothing until a query is awaited. It goes
    // out unprepared with a parameter, so postgres.js describes it first and sends nothing else
    // down the connection meanwhile: the create waits for the connection instead of being
    // pipelined behind it.
    const blocker = database.db
      .execute(sql`select pg_sleep(${BLOCKING_SECONDS})`)
      .then(() => undefined)
    const outcome = await caller.organizations.create({}).then(
      () => undefined,
      (error: unknown) => error,
    )
    await blocker
    // The pool runs queued statements in order, so a create that was not withdrawn would run
    // before this one.
    await database.db.execute(sql`select 1`)
    return outcome
  }

  async function organizationRows(orgId: string) {
    return database.db
      .select()
      .from(schema.organizations)
      .where(eq(schema.organizations.auth0OrganizationId, orgId))
  }

  it('answers 503 and never runs the queued INSERT', async () => {
    const orgId = `org_${randomUUID().replaceAll('-', '').slice(0, 16)}`

    const error = await createWhileBlocked(orgId)

    expect(error).toBeInstanceOf(TRPCError)
    expect((error as TRPCError).code).toBe('SERVICE_UNAVAILABLE')
    expect(await organizationRows(orgId)).toEqual([])
  })

  it('never runs the queued Idempotency-Key claim or the create', async () => {
    const orgId = `org_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    const key = randomUUID()

    const error = await createWhileBlocked(orgId, key)

    expect((error as TRPCError).code).toBe('SERVICE_UNAVAILABLE')
    expect(await organizationRows(orgId)).toEqual([])
    const claims = await database.db
      .select()
      .from(schema.idempotencyKeys)
      .where(
        and(
          eq(schema.idempotencyKeys.auth0OrganizationId, orgId),
          eq(schema.idempotencyKeys.key, key),
        ),
      )
    expect(claims).toEqual([])
  })
})
