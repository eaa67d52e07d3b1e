/** Reads PostgreSQL failures from postgres.js, PGlite and Drizzle's wrapper in one shape. */

export interface DatabaseFailure {
  /** SQLSTATE, such as `23505` for a unique violation. */
  sqlState: string | undefined
  /** Name of the violated constraint, when the server reports one. */
  constraint: string | undefined
  /** True when the database could not be reached or is shutting down, so a retry may succeed. */
  unavailable: boolean
}

// postgres.js connection error codes and Node socket errors.
const CONNECTION_ERROR_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

// SQLSTATEs after which a retry may succeed: connection exceptions (class 08), operator
// intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now),
// too many connections (53300) and statement timeout (57014).
const RETRYABLE_SQL_STATE = /^(08...|57P0[123]|53300|57014)$/

/** Returns the database failure inside `error`, or undefined when it did not come from the database. */
export function readDatabaseFailure(error: unknown): DatabaseFailure | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') {
      return undefined
    }
    const record = current as Record<string, unknown>
    const code = typeof record.code === 'string' ? record.code : undefined

    if (code && CONNECTION_ERROR_CODES.has(code)) {
      return { sqlState: undefined, constraint: undefined, unavailable: true }
    }
    if (code && /^[0-9A-Z]{5}$/.test(code) && ('severity' in record || 'routine' in record)) {
      const constraint = record.constraint_name ?? record.constraint
      return {
        sqlState: code,
        constraint: typeof constraint === 'string' ? constraint : undefined,
        unavailable: RETRYABLE_SQL_STATE.test(code),
      }
    }
    current = record.cause
  }
  return undefined
}
