import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type DatabaseHandle,
  MIN_IDEMPOTENCY_KEY_RETENTION_MS,
  schema,
  startIdempotencyKeyCleanup,
} from '../src/index.js'
import { databaseTargets } from '../testing/index.js'

const logger = pino({ level: 'silent' })

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`idempotency key cleanup on ${target.name}`, () => {
    let database: DatabaseHandle

    beforeAll(async () => {
      database = await target.open()
    })

    afterAll(async () => {
      await database?.close()
    })

    /** Inserts completed records created `ageHours` ago for a fresh Auth0 organisation. */
    async function insertKeys(orgId: string, count: number, ageHours: number): Promise<void> {
      const createdAt = sql`now() - make_interval(hours => ${ageHours})`
      await database.db.insert(schema.idempotencyKeys).values(
        Array.from({ length: count }, () => ({
          auth0OrganizationId: orgId,
          key: randomUUID(),
          requestFingerprint: 'f'.repeat(64),
          claimId: randomUUID(),
          claimExpiresAt: createdAt,
          responseStatus: 200,
          responseBody: { id: randomUUID() },
          createdAt,
          completedAt: createdAt,
        })),
      )
    }

    async function countKeys(orgId: string): Promise<number> {
      const rows = await database.db
        .select({ key: schema.idempotencyKeys.key })
        .from(schema.idempotencyKeys)
        .where(eq(schema.idempotencyKeys.auth0OrganizationId, orgId))
      return rows.length
    }

    it('deletes records older than 24 hours only', async () => {
      const expiredOrg = `org_${randomUUID()}`
      const freshOrg = `org_${randomUUID()}`
      await insertKeys(expiredOrg, 3, 25)
      await insertKeys(freshOrg, 2, 23)
      const cleanup = startIdempotencyKeyCleanup({ db: database.db, logger })

      try {
        await cleanup.runOnce()
      } finally {
        await cleanup.stop()
      }

      expect(await countKeys(expiredOrg)).toBe(0)
      expect(await countKeys(freshOrg)).toBe(2)
    })

    it('bounds the statements of one run', async () => {
      const expiredOrg = `org_${randomUUID()}`
      await insertKeys(expiredOrg, 7, 48)
      const cleanup = startIdempotencyKeyCleanup({
        db: database.db,
        logger,
        batchSize: 2,
        maxBatchesPerRun: 3,
      })

      try {
        await cleanup.runOnce()
        // Other suites' expired records share the table, so count only this organisation's.
        expect(await countKeys(expiredOrg)).toBeGreaterThanOrEqual(1)
        await cleanup.runOnce()
        await cleanup.runOnce()
        await cleanup.runOnce()
      } finally {
        await cleanup.stop()
      }

      expect(await countKeys(expiredOrg)).toBe(0)
    })

    it('runs on its own timer', async () => {
      const expiredOrg = `org_${randomUUID()}`
      await insertKeys(expiredOrg, 2, 25)
      const cleanup = startIdempotencyKeyCleanup({ db: database.db, logger, firstRunDelayMs: 0 })

      try {
        await vi.waitFor(async () => expect(await countKeys(expiredOrg)).toBe(0), {
          timeout: 10_000,
        })
      } finally {
        await cleanup.stop()
      }
    })

    it('runs nothing after stop', async () => {
      const expiredOrg = `org_${randomUUID()}`
      await insertKeys(expiredOrg, 1, 30)
      const cleanup = startIdempotencyKeyCleanup({ db: database.db, logger })

      await cleanup.stop()
      await cleanup.runOnce()

      expect(await countKeys(expiredOrg)).toBe(1)
    })
  })
}

describe('startIdempotencyKeyCleanup', () => {
  it('rejects a retention under 24 hours', () => {
    expect(() =>
      startIdempotencyKeyCleanup({
        db: {} as DatabaseHandle['db'],
        logger,
        retentionMs: MIN_IDEMPOTENCY_KEY_RETENTION_MS - 1,
      }),
    ).toThrow(RangeError)
  })
})
