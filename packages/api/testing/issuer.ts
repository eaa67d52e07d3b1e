/**
 * An independent OpenID issuer on loopback (oauth2-mock-server), so that token verification is
 * tested against keys and a JWKS endpoint that this project did not write.
 */
import { randomUUID } from 'node:crypto'
import type { JWK } from 'jose'
import { OAuth2Server } from 'oauth2-mock-server'
import { DEFAULT_JURISDICTION_CLAIM } from '../src/index.js'

export const TEST_AUDIENCE = 'https://operator-api.test.cail.health'

export interface TokenOptions {
  /** Claims to set or override; a claim set to undefined is removed from the token. */
  claims?: Record<string, unknown>
  /** Lifetime in seconds; negative for an already expired token. Default 3600. */
  expiresIn?: number
  /** Signing key id; defaults to the issuer's first key. */
  kid?: string
}

export interface TestIssuer {
  /** `iss` value of minted tokens. */
  readonly issuer: string
  readonly jwksUri: string
  readonly audience: string
  /** Public half of the first signing key. */
  readonly publicJwk: JWK
  /** Signs a token with the default operator claims for a fresh Auth0 organisation. */
  mintToken(options?: TokenOptions): Promise<string>
  /** Adds a signing key and returns its kid; the JWKS publishes it at once. */
  addKey(): Promise<string>
  stop(): Promise<void>
}

/** Default operator claims; `org_id` is unique per call unless overridden. */
export function operatorClaims(audience: string): Record<string, unknown> {
  return {
    sub: `auth0|${randomUUID()}`,
    aud: audience,
    org_id: `org_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    org_name: 'Lambeth Primary Care Network',
    permissions: ['create:organizations'],
    [DEFAULT_JURISDICTION_CLAIM]: 'jur_uk_eng',
  }
}

export async function startTestIssuer(audience = TEST_AUDIENCE): Promise<TestIssuer> {
  const server = new OAuth2Server()
  const firstKey = await server.issuer.keys.generate('RS256')
  await server.start(0, '127.0.0.1')

  const url = server.issuer.url
  if (!url) {
    throw new Error('oauth2-mock-server started without an issuer URL')
  }
  const { d, p, q, dp, dq, qi, ...publicJwk } = firstKey as JWK

  return {
    issuer: url,
    jwksUri: `${url}/jwks`,
    audience,
    publicJwk,
    async mintToken(options = {}) {
      const claims = { ...operatorClaims(audience), ...options.claims }
      return server.issuer.buildToken({
        kid: options.kid ?? firstKey.kid,
        expiresIn: options.expiresIn ?? 3600,
        scopesOrTransform: (_header, payload) => {
          for (const [claim, value] of Object.entries(claims)) {
            if (value === undefined) {
              delete payload[claim]
            } else {
              payload[claim] = value
            }
          }
        },
      })
    },
    async addKey() {
      const key = await server.issuer.keys.generate('RS256')
      return key.kid
    },
    async stop() {
      await server.stop()
    },
  }
}
