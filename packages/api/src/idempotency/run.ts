/**
 * Runs a mutation at most once per `Idempotency-Key` and Auth0 organisation, for tRPC and REST
 * alike. Without a key the mutation runs as it is, with no extra SQL statement.
 *
 * With a key, a first request costs two statements more than the mutation: the INSERT … ON
 * CONFLICT DO NOTHING that claims the key and the UPDATE that stores the outcome. A retry
 * costs that INSERT and one SELECT, and then replays or fails with 409.
 */
import { randomUUID } from 'node:crypto'
import type { Database } from '../db/client.js'
import type { QueryScope } from '../db/deadline.js'
import type { Logger } from '../trpc/init.js'
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from './errors.js'
import { fingerprintRequest } from './fingerprint.js'
import { IDEMPOTENCY_REPLAYED_HEADER, readIdempotencyKey } from './key.js'
import { failureOutcome, replayOutcome, type StoredOutcome, successOutcome } from './outcome.js'
import {
  completeClaim,
  findKey,
  insertClaim,
  type KeyScope,
  releaseClaim,
  takeOverExpiredClaim,
} from './store.js'

/** The procedure context fields that idempotent mutations use. */
export interface IdempotencyContext {
  db: Database
  /** The request's queries, which its database deadline withdraws. */
  queries: QueryScope
  logger: Logger
  caller: { organizationId: string }
  /** The raw `Idempotency-Key` header, if any. */
  idempotencyKey: string | readonly string[] | undefined
  /** Headers the transport adds to the HTTP response. */
  responseHeaders: Map<string, string>
}

/**
 * Seconds an in-progress claim is held before another attempt may take it over, so that a
 * key does not stay blocked after a process dies mid-request.
 */
// NOTE: a create runs at most two statements, each limited by DATABASE_STATEMENT_TIMEOUT_MS
// (default 10 s). With a limit above 30 s a slow create can outlast the lease, so a retry may
// run the create again. The unique Auth0 organisation id still keeps it to one row.
export const CLAIM_LEASE_SECONDS = 60

// A further attempt follows only a record that vanished between two statements or a lost
// takeover race, so three attempts are enough. After them the caller gets the 409 to retry.
const MAX_CLAIM_ATTEMPTS = 3

export interface IdempotentRequest {
  /** Operation name, part of the fingerprint; the procedure path such as `organizations.create`. */
  operation: string
  /** The parsed input. */
  input: unknown
}

export async function runIdempotent<T>(
  ctx: IdempotencyContext,
  request: IdempotentRequest,
  execute: () => Promise<T>,
): Promise<T> {
  const key = readIdempotencyKey(ctx.idempotencyKey)
  if (key === undefined) {
    return execute()
  }

  const scope: KeyScope = { organizationId: ctx.caller.organizationId, key }
  const requestFingerprint = fingerprintRequest(request.operation, request.input)
  const claimId = randomUUID()

  const stored = await claimOrReadKey(ctx, scope, requestFingerprint, claimId)
  if (stored) {
    ctx.responseHeaders.set(IDEMPOTENCY_REPLAYED_HEADER, 'true')
    ctx.logger.info(
      { auth0OrganizationId: scope.organizationId, status: stored.status },
      'idempotent request replayed',
    )
    return replayOutcome(stored) as T
  }

  let output: T
  try {
    output = await execute()
  } catch (error) {
    await settleFailure(ctx, scope, claimId, error)
    throw error
  }
  await storeOutcome(ctx, scope, claimId, successOutcome(output))
  return output
}

interface ResolverOptions<TContext, TInput> {
  ctx: TContext
  input: TInput
  path: string
}

/**
 * Wraps a mutation resolver so that it honours the context's `Idempotency-Key`. A replayed
 * output still passes through the procedure's output validator.
 */
export function idempotent<TContext extends IdempotencyContext, TInput, TOutput>(
  resolver: (options: ResolverOptions<TContext, TInput>) => Promise<TOutput>,
): (options: ResolverOptions<TContext, TInput>) => Promise<TOutput> {
  return (options) =>
    runIdempotent(options.ctx, { operation: options.path, input: options.input }, () =>
      resolver(options),
    )
}

/**
 * Claims the key for this attempt and returns undefined, or returns the stored outcome of an
 * earlier request with the same body. Throws 409 for a different body or a request still in
 * progress.
 */
async function claimOrReadKey(
  { db, queries }: IdempotencyContext,
  scope: KeyScope,
  requestFingerprint: string,
  claimId: string,
): Promise<StoredOutcome | undefined> {
  const claim = { requestFingerprint, claimId, leaseSeconds: CLAIM_LEASE_SECONDS }

  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt += 1) {
    if (await queries.track(() => insertClaim(db, scope, claim))) {
      return undefined
    }

    const existing = await queries.track(() => findKey(db, scope))
    if (existing === undefined) {
      continue
    }
    if (existing.requestFingerprint !== requestFingerprint) {
      throw new IdempotencyKeyReusedError()
    }
    if (existing.outcome) {
      return existing.outcome
    }
    if (!existing.claimExpired) {
      throw new IdempotencyKeyInProgressError()
    }
    if (await queries.track(() => takeOverExpiredClaim(db, scope, claim))) {
      return undefined
    }
  }
  throw new IdempotencyKeyInProgressError()
}

/** Stores a final failure for replay, or releases the claim so that a retry runs again. */
async function settleFailure(
  ctx: IdempotencyContext,
  scope: KeyScope,
  claimId: string,
  error: unknown,
): Promise<void> {
  const outcome = failureOutcome(error)
  if (outcome) {
    await storeOutcome(ctx, scope, claimId, outcome)
    return
  }

  try {
    await ctx.queries.track(() => releaseClaim(ctx.db, scope, claimId))
  } catch (releaseError) {
    ctx.logger.warn(
      { err: releaseError, auth0OrganizationId: scope.organizationId },
      `could not release an Idempotency-Key claim; retries get 409 until its ${CLAIM_LEASE_SECONDS} s lease expires`,
    )
  }
}

// The mutation has already taken effect, so a failure here is logged and the caller still gets
// the real outcome. A retry then finds the claim in progress, and after the lease runs the
// mutation again, which the mutation's own constraints must make safe.
async function storeOutcome(
  ctx: IdempotencyContext,
  scope: KeyScope,
  claimId: string,
  outcome: StoredOutcome,
): Promise<void> {
  try {
    const stored = await ctx.queries.track(() => completeClaim(ctx.db, scope, claimId, outcome))
    if (!stored) {
      ctx.logger.warn(
        { auth0OrganizationId: scope.organizationId, status: outcome.status },
        'Idempotency-Key outcome not stored: the claim expired and another attempt took it over',
      )
    }
  } catch (error) {
    ctx.logger.warn(
      { err: error, auth0OrganizationId: scope.organizationId, status: outcome.status },
      'could not store the outcome of an Idempotency-Key request',
    )
  }
}
