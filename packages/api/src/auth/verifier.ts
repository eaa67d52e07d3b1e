/** Verifies Auth0 access tokens with jose against the issuer's remote JWKS. */
import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { KeySetUnavailableError, TokenRejectedError } from './errors.js'
import type { CallerIdentity } from './identity.js'
import { createCachingKeySet } from './key-set.js'

export interface TokenVerifierOptions {
  /** Expected `iss`, compared exactly; for Auth0, `https://<AUTH0_DOMAIN>/`. */
  issuer: string
  /** A value the `aud` claim must contain: the Auth0 API identifier. */
  audience: string
  /** The issuer's key set; for Auth0, `https://<AUTH0_DOMAIN>/.well-known/jwks.json`. */
  jwksUri: string | URL
  /** Allowed `alg` values. Default `['RS256']`. `none` and `HS*` are rejected here at construction. */
  algorithms?: readonly string[]
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default 5. */
  clockToleranceSeconds?: number
  /** Time limit for one JWKS request, in milliseconds. Default 5000. */
  jwksTimeoutMs?: number
  /** Minimum time between two JWKS fetches, whatever caused them, in milliseconds. Default 30000. */
  jwksCooldownMs?: number
  /**
   * Age after which cached keys are refreshed in the background, in milliseconds. Default 600000
   * (10 minutes). Cached keys keep verifying while a refresh fails.
   */
  jwksCacheMaxAgeMs?: number
  /** Called once per failed JWKS fetch, for logging; `cachedKeys` is true when old keys remain in use. */
  onJwksFetchFailed?: (error: unknown, cachedKeys: boolean) => void
  /** Claim with the organisation's display name. Default `org_name`. */
  organizationNameClaim?: string
  /** Claim with the caller's jurisdiction id. Default `https://cail.health/jurisdiction_id`. */
  jurisdictionClaim?: string
}

export interface TokenVerifier {
  /** Resolves to the caller's identity or rejects with TokenRejectedError or KeySetUnavailableError. */
  verify(token: string): Promise<CallerIdentity>
}

export const DEFAULT_JURISDICTION_CLAIM = 'https://cail.health/jurisdiction_id'

// Auth0 organisation ids (`org_…`) are visible ASCII. This bound and isStorableSubject keep
// NUL and unpaired surrogates, which PostgreSQL text cannot store, out of the row.
const STORABLE_IDENTIFIER = /^[\x21-\x7e]{1,255}$/

// Symmetric algorithms would let anyone holding the public key forge tokens.
const FORBIDDEN_ALGORITHM = /^(none|HS\d+)$/i

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const algorithms = [...(options.algorithms ?? ['RS256'])]
  const forbidden = algorithms.filter((algorithm) => FORBIDDEN_ALGORITHM.test(algorithm))
  if (algorithms.length === 0 || forbidden.length > 0) {
    throw new TypeError(
      `Token algorithms must be a non-empty list of asymmetric algorithms such as RS256; remove ${forbidden.join(', ') || '(empty list)'}`,
    )
  }

  const keySet = createCachingKeySet(new URL(options.jwksUri), {
    timeoutMs: options.jwksTimeoutMs ?? 5_000,
    cooldownMs: options.jwksCooldownMs ?? 30_000,
    maxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
    onFetchFailed: options.onJwksFetchFailed,
  })
  const claims = {
    organizationName: options.organizationNameClaim ?? 'org_name',
    jurisdiction: options.jurisdictionClaim ?? DEFAULT_JURISDICTION_CLAIM,
  }

  return {
    async verify(token) {
      const payload = await verifySignatureAndClaims(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance: options.clockToleranceSeconds ?? 5,
      })
      return readIdentity(payload, claims)
    },
  }
}

async function verifySignatureAndClaims(
  token: string,
  keySet: JWTVerifyGetKey,
  options: { issuer: string; audience: string; algorithms: string[]; clockTolerance: number },
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keySet, {
      ...options,
      requiredClaims: ['exp', 'sub'],
    })
    return payload
  } catch (error) {
    throw translateJoseError(error)
  }
}

function translateJoseError(error: unknown): Error {
  if (error instanceof KeySetUnavailableError) {
    return error
  }
  if (error instanceof errors.JWTExpired) {
    return new TokenRejectedError('expired', 'token has expired; request a new access token', {
      cause: error,
    })
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return translateClaimFailure(error)
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new TokenRejectedError(
      'algorithm_not_allowed',
      'token signing algorithm is not allowed',
      { cause: error },
    )
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejectedError('signature_invalid', 'token signature is invalid', {
      cause: error,
    })
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new TokenRejectedError(
      'key_not_found',
      "no key in the issuer's key set matches the token's kid",
      {
        cause: error,
      },
    )
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JWKInvalid
  ) {
    return new TokenRejectedError('malformed', 'token is not a well-formed signed JWT', {
      cause: error,
    })
  }
  // JWKSTimeout, JWKSInvalid, a non-200 response or a network failure while fetching keys.
  return new KeySetUnavailableError("the issuer's key set could not be fetched", { cause: error })
}

function translateClaimFailure(
  error: InstanceType<typeof errors.JWTClaimValidationFailed>,
): TokenRejectedError {
  const claim = error.claim
  if (error.reason === 'missing') {
    return new TokenRejectedError('claim_missing', `token is missing the required ${claim} claim`, {
      cause: error,
    })
  }
  switch (claim) {
    case 'iss':
      return new TokenRejectedError('issuer_mismatch', 'token was issued by an untrusted issuer', {
        cause: error,
      })
    case 'aud':
      return new TokenRejectedError(
        'audience_mismatch',
        'token was not issued for this API (audience mismatch)',
        {
          cause: error,
        },
      )
    case 'nbf':
      return new TokenRejectedError(
        'not_yet_valid',
        'token is not valid yet (nbf is in the future)',
        { cause: error },
      )
    case 'iat':
      return new TokenRejectedError('not_yet_valid', 'token was issued in the future (iat)', {
        cause: error,
      })
    default:
      return new TokenRejectedError('claim_invalid', `token claim ${claim} is invalid`, {
        cause: error,
      })
  }
}

function readIdentity(
  payload: JWTPayload,
  claims: { organizationName: string; jurisdiction: string },
): CallerIdentity {
  if (!isStorableSubject(payload.sub)) {
    throw new TokenRejectedError(
      'claim_invalid',
      'token claim sub must be 1 to 255 printable characters',
    )
  }
  if (typeof payload.exp !== 'number') {
    throw new TokenRejectedError('claim_invalid', 'token claim exp must be a number')
  }

  return {
    subject: payload.sub,
    organizationId: readOrganizationId(payload),
    organizationName: readOptionalString(payload, claims.organizationName),
    permissions: readPermissions(payload),
    jurisdictionId: readOptionalString(payload, claims.jurisdiction),
    expiresAt: payload.exp,
  }
}

function isStorableSubject(subject: unknown): subject is string {
  return (
    typeof subject === 'string' &&
    subject.length > 0 &&
    subject.length <= 255 &&
    subject.isWellFormed() &&
    !/\p{Cc}/u.test(subject)
  )
}

function readOrganizationId(payload: JWTPayload): string | undefined {
  const organizationId = readOptionalString(payload, 'org_id')
  if (organizationId !== undefined && !STORABLE_IDENTIFIER.test(organizationId)) {
    throw new TokenRejectedError(
      'claim_invalid',
      'token claim org_id must be 1 to 255 visible ASCII characters',
    )
  }
  return organizationId
}

function readOptionalString(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim]
  if (value === undefined || value === null) {
    return undefined
  }
  if (typeof value !== 'string') {
    throw new TokenRejectedError('claim_invalid', `token claim ${claim} must be a string`)
  }
  return value === '' ? undefined : value
}

function readPermissions(payload: JWTPayload): ReadonlySet<string> {
  const granted = new Set<string>()

  const permissions = payload.permissions
  if (Array.isArray(permissions)) {
    for (const permission of permissions) {
      if (typeof permission === 'string') {
        granted.add(permission)
      }
    }
  }

  const scope = payload.scope
  if (typeof scope === 'string') {
    for (const entry of scope.split(' ')) {
      if (entry) {
        granted.add(entry)
      }
    }
  }
  return granted
}
