/** Typed failures of bearer-token verification. */

/** Stable reasons a token is rejected; each maps to a 401 `invalid_token`. */
export type TokenRejectionReason =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'signature_invalid'
  | 'key_not_found'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'claim_missing'
  | 'claim_invalid'

/** The token was presented but cannot be trusted. `message` is safe to send to the caller. */
export class TokenRejectedError extends Error {
  readonly reason: TokenRejectionReason

  constructor(reason: TokenRejectionReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TokenRejectedError'
    this.reason = reason
  }
}

/** The issuer's key set could not be fetched for a key that is not cached; the token is not judged. */
export class KeySetUnavailableError extends Error {
  /** Seconds until the next fetch may be attempted, when known. */
  readonly retryAfterSeconds: number | undefined

  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, { cause: options?.cause })
    this.name = 'KeySetUnavailableError'
    this.retryAfterSeconds = options?.retryAfterSeconds
  }
}
