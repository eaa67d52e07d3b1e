/**
 * An OpenID issuer inside the server for offline development: it signs tokens with a key kept
 * under DATA_DIR and publishes its JWKS over HTTP, and the server verifies those tokens through
 * the same remote-JWKS path as Auth0's.
 */
import { join } from 'node:path'
import {
  createTokenVerifier,
  KeySetUnavailableError,
  type TokenVerifier,
  type TokenVerifierOptions,
} from '@cail/api'
import { SignJWT } from 'jose'
import { LOCAL_ALGORITHM, loadOrCreateSigningKey, type SigningKey } from './signing-key.js'

/** Audience of locally issued tokens. */
export const LOCAL_AUDIENCE = 'https://operator-api.cail.local'

export interface LocalTokenRequest {
  subject: string
  organizationId?: string | undefined
  organizationName?: string | undefined
  jurisdictionId?: string | undefined
  permissions: string[]
  /** Lifetime in seconds. */
  expiresIn: number
}

export type LocalVerifierOptions = Omit<
  TokenVerifierOptions,
  'issuer' | 'audience' | 'jwksUri' | 'algorithms'
>

export class LocalIssuer implements TokenVerifier {
  readonly key: SigningKey
  readonly #claims: { organizationName: string; jurisdiction: string }
  readonly #verifierOptions: LocalVerifierOptions
  #origin: string | undefined
  #verifier: TokenVerifier | undefined

  private constructor(key: SigningKey, verifierOptions: LocalVerifierOptions) {
    this.key = key
    this.#verifierOptions = verifierOptions
    this.#claims = {
      organizationName: verifierOptions.organizationNameClaim ?? 'org_name',
      jurisdiction: verifierOptions.jurisdictionClaim ?? 'https://cail.health/jurisdiction_id',
    }
  }

  static async load(dataDir: string, verifierOptions: LocalVerifierOptions): Promise<LocalIssuer> {
    const key = await loadOrCreateSigningKey(join(dataDir, 'local-issuer', 'signing-key.json'))
    return new LocalIssuer(key, verifierOptions)
  }

  /** `iss` of local tokens; known once the server listens. */
  get issuer(): string {
    if (!this.#origin) {
      throw new Error('the local issuer has no origin until the server listens')
    }
    return `${this.#origin}/`
  }

  /**
   * Sets the origin the server listens on and starts verifying against its JWKS URL. Verifies
   * one token at once, so that the key set is fetched while the server accepts connections.
   * Otherwise a request still in flight at shutdown could need the key set after the server
   * has stopped accepting connections, and fail with 503.
   */
  async bind(origin: string): Promise<void> {
    this.#origin = origin
    const verifier = createTokenVerifier({
      ...this.#verifierOptions,
      issuer: `${origin}/`,
      audience: LOCAL_AUDIENCE,
      jwksUri: `${origin}/.well-known/jwks.json`,
      algorithms: [LOCAL_ALGORITHM],
      // The key is loaded once per process, so the fetched key set never goes stale.
      jwksCacheMaxAgeMs: Number.POSITIVE_INFINITY,
    })
    await verifier.verify(
      await this.mint({ subject: 'local|start-up-check', permissions: [], expiresIn: 60 }),
    )
    this.#verifier = verifier
  }

  async verify(token: string) {
    if (!this.#verifier) {
      throw new KeySetUnavailableError('the local issuer is not listening yet')
    }
    return this.#verifier.verify(token)
  }

  async mint(request: LocalTokenRequest): Promise<string> {
    const claims: Record<string, unknown> = { permissions: request.permissions }
    if (request.organizationId) {
      claims.org_id = request.organizationId
    }
    if (request.organizationName) {
      claims[this.#claims.organizationName] = request.organizationName
    }
    if (request.jurisdictionId) {
      claims[this.#claims.jurisdiction] = request.jurisdictionId
    }

    return new SignJWT(claims)
      .setProtectedHeader({ alg: LOCAL_ALGORITHM, kid: this.key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(LOCAL_AUDIENCE)
      .setSubject(request.subject)
      .setIssuedAt()
      .setExpirationTime(`${request.expiresIn}s`)
      .sign(this.key.privateKey)
  }
}
