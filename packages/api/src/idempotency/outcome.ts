/**
 * Which responses are stored for replay, and how a stored response becomes a response again.
 *
 * Stored: every success, and every 4xx failure except 401, 403, 408 and 429. A stored 4xx
 * (invalid value, unknown jurisdiction, organisation already exists) is the final result of
 * that exact request, so a retry sees what the first attempt saw.
 *
 * Not stored, so a retry with the same key runs again: 401 and 403 (the caller can fix the
 * token and retry), 408 and 429 (the request was not judged), every 5xx and every unexpected
 * error (the failure is transient or a bug).
 */
import { TRPCError } from '@trpc/server'
import { ServiceError } from '../errors.js'
import { toServiceError } from '../trpc/errors.js'

const UNSTORED_CLIENT_ERRORS = new Set([401, 403, 408, 429])

/** A response as the idempotency store keeps it. */
export interface StoredOutcome {
  status: number
  body: unknown
}

/** Stored body of a failure: what ServiceError needs to be rebuilt. */
interface StoredFailure {
  code: ServiceError['code']
  message: string
  messages: string[]
  headers: Record<string, string>
}

export function successOutcome(output: unknown): StoredOutcome {
  return { status: 200, body: output }
}

/** Returns the failure's outcome, or undefined when the failure must not be stored. */
export function failureOutcome(error: unknown): StoredOutcome | undefined {
  const failure = error instanceof TRPCError ? toServiceError(error) : error
  if (!(failure instanceof ServiceError)) {
    return undefined
  }
  if (failure.status < 400 || failure.status >= 500 || UNSTORED_CLIENT_ERRORS.has(failure.status)) {
    return undefined
  }

  const body: StoredFailure = {
    code: failure.code,
    message: failure.message,
    messages: [...failure.messages],
    headers: { ...failure.headers },
  }
  return { status: failure.status, body }
}

/** Returns a stored success's output, or throws the stored failure as a ServiceError. */
export function replayOutcome(outcome: StoredOutcome): unknown {
  if (outcome.status < 400) {
    return outcome.body
  }

  const failure = outcome.body as StoredFailure
  throw new ServiceError(outcome.status, failure.code, failure.message, {
    messages: failure.messages,
    headers: failure.headers,
  })
}
