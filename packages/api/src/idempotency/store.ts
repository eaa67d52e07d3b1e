/**
 * SQL statements on `idempotency_keys`. Each is one statement, so the database arbitrates
 * between processes: the primary key on (auth0_organization_id, key) lets one claim win.
 */
import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import type { Database } from '../db/client.js'
import { idempotencyKeys } from '../db/schema.js'
import type { StoredOutcome } from './outcome.js'

/** One key of one Auth0 organisation. */
export interface KeyScope {
  organizationId: string
  key: string
}

export interface StoredKey {
  requestFingerprint: string
  /** Undefined while the first request is in progress. */
  outcome: StoredOutcome | undefined
  /** True when an in-progress claim is past `claim_expires_at` and may be taken over. */
  claimExpired: boolean
}

function matchesScope(scope: KeyScope) {
  return and(
    eq(idempotencyKeys.auth0OrganizationId, scope.organizationId),
    eq(idempotencyKeys.key, scope.key),
  )
}

// Database time, so that every process measures the lease on one clock.
function leaseEnd(leaseSeconds: number) {
  return sql`now() + make_interval(secs => ${leaseSeconds})`
}

/** Inserts an in-progress record; returns false when the key already has one. */
export async function insertClaim(
  db: Database,
  scope: KeyScope,
  claim: { requestFingerprint: string; claimId: string; leaseSeconds: number },
): Promise<boolean> {
  const rows = await db
    .insert(idempotencyKeys)
    .values({
      auth0OrganizationId: scope.organizationId,
      key: scope.key,
      requestFingerprint: claim.requestFingerprint,
      claimId: claim.claimId,
      claimExpiresAt: leaseEnd(claim.leaseSeconds),
    })
    .onConflictDoNothing({ target: [idempotencyKeys.auth0OrganizationId, idempotencyKeys.key] })
    .returning({ claimId: idempotencyKeys.claimId })
    .execute()
  return rows.length === 1
}

export async function findKey(db: Database, scope: KeyScope): Promise<StoredKey | undefined> {
  const [row] = await db
    .select({
      requestFingerprint: idempotencyKeys.requestFingerprint,
      responseStatus: idempotencyKeys.responseStatus,
      responseBody: idempotencyKeys.responseBody,
      claimExpired: sql<boolean>`${idempotencyKeys.claimExpiresAt} < now()`,
    })
    .from(idempotencyKeys)
    .where(matchesScope(scope))
    .execute()
  if (!row) {
    return undefined
  }

  const outcome =
    row.responseStatus === null ? undefined : { status: row.responseStatus, body: row.responseBody }
  return { requestFingerprint: row.requestFingerprint, outcome, claimExpired: row.claimExpired }
}

/**
 * Moves an in-progress record whose lease has expired to a new claim. Returns false when the
 * record has completed or disappeared, or another attempt took it over first.
 */
export async function takeOverExpiredClaim(
  db: Database,
  scope: KeyScope,
  claim: { claimId: string; leaseSeconds: number },
): Promise<boolean> {
  const rows = await db
    .update(idempotencyKeys)
    .set({ claimId: claim.claimId, claimExpiresAt: leaseEnd(claim.leaseSeconds) })
    .where(
      and(
        matchesScope(scope),
        isNull(idempotencyKeys.responseStatus),
        lt(idempotencyKeys.claimExpiresAt, sql`now()`),
      ),
    )
    .returning({ claimId: idempotencyKeys.claimId })
    .execute()
  return rows.length === 1
}

/** Stores the outcome; returns false when this attempt no longer owns the claim. */
export async function completeClaim(
  db: Database,
  scope: KeyScope,
  claimId: string,
  outcome: StoredOutcome,
): Promise<boolean> {
  const rows = await db
    .update(idempotencyKeys)
    .set({
      responseStatus: outcome.status,
      responseBody: outcome.body,
      completedAt: sql`now()`,
    })
    .where(
      and(
        matchesScope(scope),
        eq(idempotencyKeys.claimId, claimId),
        isNull(idempotencyKeys.responseStatus),
      ),
    )
    .returning({ claimId: idempotencyKeys.claimId })
    .execute()
  return rows.length === 1
}

/** Deletes the in-progress record this attempt owns, so that a retry runs the request again. */
export async function releaseClaim(db: Database, scope: KeyScope, claimId: string): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        matchesScope(scope),
        eq(idempotencyKeys.claimId, claimId),
        isNull(idempotencyKeys.responseStatus),
      ),
    )
    .execute()
}

/**
 * Deletes up to `batchSize` records created more than `retentionSeconds` ago and returns how
 * many it deleted. SKIP LOCKED lets cleanups in several processes run without waiting on
 * each other.
 */
export async function deleteExpiredKeys(
  db: Database,
  options: { retentionSeconds: number; batchSize: number },
): Promise<number> {
  const expired = db
    .select({
      auth0OrganizationId: idempotencyKeys.auth0OrganizationId,
      key: idempotencyKeys.key,
    })
    .from(idempotencyKeys)
    .where(
      lt(
        idempotencyKeys.createdAt,
        sql`now() - make_interval(secs => ${options.retentionSeconds})`,
      ),
    )
    .limit(options.batchSize)
    .for('update', { skipLocked: true })

  const rows = await db
    .delete(idempotencyKeys)
    .where(sql`(${idempotencyKeys.auth0OrganizationId}, ${idempotencyKeys.key}) in (${expired})`)
    .returning({ key: idempotencyKeys.key })
  return rows.length
}
