/** Turns an `Authorization` header into an operator identity, or a 401, 403 or 503 error. */
import { AuthenticationError, ForbiddenError, ServiceUnavailableError } from '../errors.js'
import { KeySetUnavailableError, TokenRejectedError } from './errors.js'
import type { CallerIdentity } from './identity.js'
import type { TokenVerifier } from './verifier.js'

/** A caller who may act for an Auth0 organisation. */
export interface OperatorIdentity extends CallerIdentity {
  readonly organizationId: string
}

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

// Bound on the header before any parsing; real Auth0 access tokens are a few kilobytes.
const MAX_TOKEN_LENGTH = 16_384

/** Reads the bearer token from an `Authorization` header value. */
export function readBearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new AuthenticationError(
      'missing bearer token; send Authorization: Bearer <access token>',
      {
        tokenPresented: false,
      },
    )
  }

  const [scheme = '', ...rest] = header.trim().split(/ +/)
  if (scheme.toLowerCase() !== 'bearer') {
    throw new AuthenticationError(
      'the Authorization scheme is not supported; send Authorization: Bearer <access token>',
      { tokenPresented: false },
    )
  }

  const token = rest.join(' ')
  if (rest.length !== 1 || token.length > MAX_TOKEN_LENGTH || !BEARER_TOKEN.test(token)) {
    throw new AuthenticationError(
      'malformed Authorization header; send Authorization: Bearer <access token>',
      {
        tokenPresented: true,
      },
    )
  }
  return token
}

/** Verifies the header's token and returns the caller. */
export async function authenticate(
  verifier: TokenVerifier,
  header: string | undefined,
): Promise<CallerIdentity> {
  const token = readBearerToken(header)
  try {
    return await verifier.verify(token)
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      throw new AuthenticationError(error.message, { tokenPresented: true, cause: error })
    }
    if (error instanceof KeySetUnavailableError) {
      throw new ServiceUnavailableError(`${error.message}; retry shortly`, {
        cause: error,
        retryAfterSeconds: error.retryAfterSeconds,
      })
    }
    throw error
  }
}

/**
 * Checks that the caller acts for an Auth0 organisation and has been granted `requiredPermission`
 * (skipped when it is null).
 */
export function requireOperator(
  caller: CallerIdentity,
  requiredPermission: string | null,
): OperatorIdentity {
  const organizationId = caller.organizationId
  if (organizationId === undefined) {
    throw new ForbiddenError(
      'missing_organization_context',
      'token has no org_id claim; sign in through an Auth0 organisation to create its CAIL organisation',
    )
  }

  if (requiredPermission !== null && !caller.permissions.has(requiredPermission)) {
    throw new ForbiddenError(
      'insufficient_permission',
      `token does not grant the ${requiredPermission} permission; ask an administrator of the Auth0 organisation to grant it`,
      { requiredScope: requiredPermission },
    )
  }
  return { ...caller, organizationId }
}
