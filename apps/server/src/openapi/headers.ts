/** Zod schemas of the request and response headers that the OpenAPI document lists. */
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_REPLAYED_HEADER,
  idempotencyKeySchema,
} from '@cail/api'
import { z } from 'zod'
import { SANE_REQUEST_ID } from '../request-id.js'

export const requestHeaders = z.object({
  [IDEMPOTENCY_KEY_HEADER]: idempotencyKeySchema.optional().meta({
    description:
      'Makes retries safe: a retry with the same key and body returns the first response again, with `Idempotency-Replayed: true`, and writes nothing. Keys are scoped to the Auth0 organisation and kept for at least 24 hours. Use a new UUID for each new request.',
    examples: ['5f0c8a2e-3c0b-4a57-9d51-2f3e6f1b7c11'],
  }),
  'X-Request-Id': z
    .string()
    .optional()
    .meta({
      description: `Correlation id, echoed in the \`X-Request-Id\` response header and in error bodies. Used when it matches \`${SANE_REQUEST_ID.source}\`; otherwise the server generates a UUID.`,
    }),
})

export const requestIdResponseHeader = {
  'X-Request-Id': z
    .string()
    .meta({ description: "The request's id: the caller's `X-Request-Id` or a generated UUID." }),
}

export const replayedResponseHeader = {
  [IDEMPOTENCY_REPLAYED_HEADER]: z
    .literal('true')
    .optional()
    .meta({ description: 'Present when this is the stored response to an `Idempotency-Key`.' }),
}

const retryAfterSchema = z.string().regex(/^[0-9]+$/)

export const retryAfterHeader = {
  'Retry-After': retryAfterSchema.meta({ description: 'Seconds to wait before retrying.' }),
}

export const inProgressRetryAfterHeader = {
  'Retry-After': retryAfterSchema.optional().meta({
    description:
      'Seconds to wait before retrying; sent when the first request with this `Idempotency-Key` is still in progress.',
  }),
}

export const bearerChallengeHeader = {
  'WWW-Authenticate': z.string().meta({
    description:
      'Bearer challenge (RFC 6750) with `error="invalid_token"` and `error_description`, or only the realm when no token was sent.',
    examples: [
      'Bearer realm="cail", error="invalid_token", error_description="token has expired; request a new access token"',
    ],
  }),
}

export const scopeChallengeHeader = {
  'WWW-Authenticate': z.string().optional().meta({
    description:
      'Sent for `insufficient_permission`: a Bearer challenge with `error="insufficient_scope"` and the required `scope`.',
  }),
}

export const allowHeader = {
  Allow: z.literal('POST').meta({ description: 'Methods the path supports.' }),
}
