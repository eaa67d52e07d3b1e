import { decodeJwt, type JWTPayload } from 'jose'
import { claimConfig } from '../config'

/** Claims the page reads from the access token. The server verifies the token, and the page does not. */
export interface TokenClaims {
  subject: string | undefined
  /** `org_id`: the Auth0 organisation the caller signed in to. */
  organizationId: string | undefined
  organizationName: string | undefined
  jurisdictionId: string | undefined
  permissions: string[]
  /** `exp`, in seconds since the Unix epoch. */
  expiresAt: number | undefined
}

/** Decodes the token's payload without verifying it; throws when it is not a JWT. */
export function readTokenClaims(token: string): TokenClaims {
  const payload = decodeJwt(token)
  return {
    subject: readString(payload, 'sub'),
    organizationId: readString(payload, 'org_id'),
    organizationName: readString(payload, claimConfig.organizationName),
    jurisdictionId: readString(payload, claimConfig.jurisdiction),
    permissions: readPermissions(payload),
    expiresAt: typeof payload.exp === 'number' ? payload.exp : undefined,
  }
}

/** True when the token has expired, or expires within `marginSeconds`. */
export function isExpired(claims: TokenClaims, marginSeconds = 30): boolean {
  return claims.expiresAt !== undefined && claims.expiresAt - marginSeconds <= Date.now() / 1000
}

function readString(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim]
  return typeof value === 'string' && value !== '' ? value : undefined
}

function readPermissions(payload: JWTPayload): string[] {
  const permissions = Array.isArray(payload.permissions)
    ? payload.permissions.filter((entry): entry is string => typeof entry === 'string')
    : []
  const scope = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []
  return [...new Set([...permissions, ...scope])]
}
