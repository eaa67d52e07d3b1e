/** 409 `conflict` failures of requests that carry an `Idempotency-Key`. */
import { ServiceError } from '../errors.js'

/** 409: the key was first used with a different request body. */
export class IdempotencyKeyReusedError extends ServiceError {
  constructor() {
    super(409, 'conflict', 'Idempotency key reused with a different body.')
  }
}

/** `Retry-After` seconds for a request whose key is still in progress. */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1

/** 409: the first request with this key has not finished yet. */
export class IdempotencyKeyInProgressError extends ServiceError {
  constructor() {
    super(
      409,
      'conflict',
      'A request with this Idempotency-Key is still in progress; retry after it completes.',
      { headers: { 'Retry-After': String(IN_PROGRESS_RETRY_AFTER_SECONDS) } },
    )
  }
}
