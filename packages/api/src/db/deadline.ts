/** A per-request bound on database work, for the failures that no driver timeout catches. */
import { ServiceUnavailableError } from '../errors.js'

/** Default bound on the database work of one request, in milliseconds. */
export const DEFAULT_DATABASE_TIMEOUT_MS = 12_000

/** A driver query that can be withdrawn; postgres.js queries have this method. */
export interface CancellableQuery {
  cancel(): unknown
}

// The scope whose track() callback is running. Setting and resetting it around a synchronous
// call carries the scope to the driver without AsyncLocalStorage. On Node 20 AsyncLocalStorage
// turns on promise hooks for every promise in the process, which cost about a tenth of the
// server's CPU per request (docs/benchmarks.md).
let recordingScope: QueryScope | undefined

/** Records `query` in the scope whose track() callback is running, if any. */
export function trackQuery(query: CancellableQuery): void {
  recordingScope?.record(query)
}

/** The queries that one request sent, so that its deadline can withdraw them. */
export class QueryScope {
  readonly #queries = new Set<CancellableQuery>()

  /**
   * Calls `send` and records the queries it hands to the driver before it first awaits.
   * Drizzle's `execute()` hands its query over synchronously, so `send` must call `execute()`
   * itself: awaiting a query builder hands the query over a microtask later, unrecorded.
   */
  track<T>(send: () => T): T {
    const outer = recordingScope
    recordingScope = this
    try {
      return send()
    } finally {
      recordingScope = outer
    }
  }

  record(query: CancellableQuery): void {
    this.#queries.add(query)
  }

  /** Withdraws every recorded query; errors of the cancel requests are ignored. */
  cancelAll(): void {
    for (const query of this.#queries) {
      Promise.resolve(query.cancel()).catch(() => {})
    }
  }
}

// NOTE: postgres.js pipelines statements onto a busy connection (up to 100 by default), so a
// statement that waits behind another one has already been sent and may still commit after
// the 503. Turning pipelining off (max_pipeline: 0) would close that gap, but cost 14 to 27 %
// more CPU per request at concurrency 64 (docs/benchmarks.md).
/**
 * Runs `work` and rejects with a 503 when it has not settled within `timeoutMs`, then cancels
 * the queries that `work` recorded in its scope. postgres.js bounds connecting
 * (connect_timeout) and PostgreSQL bounds running statements (statement_timeout), but a
 * database that accepted a query and stopped responding would hold the request forever
 * without this.
 *
 * Cancelling withdraws a query that still waits for a connection, so it never runs later. A
 * statement already sent gets a cancel request, which a frozen database may only act on after
 * the statement committed: a 503 from here means the outcome is unknown.
 */
export async function withDatabaseDeadline<T>(
  work: (queries: QueryScope) => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const queries = new QueryScope()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      queries.cancelAll()
      reject(
        new ServiceUnavailableError(
          `the database did not respond within ${timeoutMs} ms; retry shortly`,
        ),
      )
    }, timeoutMs)
  })
  try {
    return await Promise.race([work(queries), deadline])
  } finally {
    clearTimeout(timer)
  }
}
