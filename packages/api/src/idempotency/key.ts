/** The `Idempotency-Key` request header: its rule, and reading it from a transport's headers. */
import { z } from 'zod'
import { ValidationError } from '../errors.js'

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key'

/** Response header set to `true` when the response is a stored one, returned again. */
export const IDEMPOTENCY_REPLAYED_HEADER = 'Idempotency-Replayed'

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255

// Visible ASCII (0x21 to 0x7e): no spaces, no control characters, nothing that needs encoding.
const VISIBLE_ASCII = /^[\x21-\x7e]*$/

/** Value of the `Idempotency-Key` header: 1 to 255 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1, { error: `${IDEMPOTENCY_KEY_HEADER} must not be empty`, abort: true })
  .max(IDEMPOTENCY_KEY_MAX_LENGTH, {
    error: (issue) =>
      `${IDEMPOTENCY_KEY_HEADER} must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters (got ${String(issue.input).length})`,
  })
  .regex(VISIBLE_ASCII, {
    error: `${IDEMPOTENCY_KEY_HEADER} must contain only visible ASCII characters, without spaces`,
  })

/**
 * Returns the key from the header value, or undefined when the header is absent. Throws
 * ValidationError (400 `validation_failed`) for an empty, too long or non-ASCII value and for
 * a header sent more than once.
 */
export function readIdempotencyKey(
  header: string | readonly string[] | undefined,
): string | undefined {
  if (header === undefined) {
    return undefined
  }
  if (typeof header !== 'string') {
    throw new ValidationError([
      `${IDEMPOTENCY_KEY_HEADER} was sent ${header.length} times; send it once`,
    ])
  }

  const parsed = idempotencyKeySchema.safeParse(header)
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map(
        (issue) => `${issue.message}; send 1 to 255 visible ASCII characters, such as a UUID`,
      ),
    )
  }
  return parsed.data
}
