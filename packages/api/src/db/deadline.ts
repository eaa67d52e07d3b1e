/** A per-request bound on database work, for the failures that no driver timeout catches. */
import { AsyncLocalStorage } from 'node:async_hooks'
import { ServiceUnavailableError } from '../errors.js'

/** Default bound on the database work of one request, in milliseconds. */
export const DEFAULT_DATABASE_TIMEOUT_MS = 12_000

/** A driver query that can be withdrawn; postgres.js queries have this method. */
export interface CancellableQuery {
  cancel(): unknown
}

// The queries started inside each withDatabaseDeadline call, so that they can be withdrawn.
const currentQueries = new AsyncLocalStorage<Set<CancellableQuery>>()

/** Records `query` as part of the surrounding withDatabaseDeadline call, if any. */
export function trackQuery(query: CancellableQuery): void {
  currentQueries.getStore()?.add(query)
}

/**
 * Runs `work` and rejects with a 503 when it has not settled within `timeoutMs`, then cancels
 * the queries it started. postgres.js bounds connecting (connect_timeout) and PostgreSQL bounds
 * running statements (statement_timeout), but a database that accepted a query and stopped
 * responding would hold the request forever without this.
 *
 * Cancelling withdraws a query that is still queued in the pool, so it never runs later. A
 * statement already sent gets a cancel request, which a frozen database may only act on after
 * the statement committed: a 503 from here means the outcome is unknown.
 */
export async function withDatabaseDeadline<T>(
  work: () => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const queries = new Set<CancellableQuery>()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const query of queries) {
        Promise.resolve(query.cancel()).catch(() => {})
      }
      reject(
        new ServiceUnavailableError(
          `the database did not respond within ${timeoutMs} ms; retry shortly`,
        ),
      )
    }, timeoutMs)
  })
  try {
    return await Promise.race([currentQueries.run(queries, work), deadline])
  } finally {
    clearTimeout(timer)
  }
}
