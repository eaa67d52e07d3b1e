/**
 * A JWKS issuer on loopback that a scenario controls: it can stop (port closed), fail (500),
 * hang (never respond), publish new keys, and it counts every JWKS fetch.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'

export const AUDIENCE = 'https://operator-api.faults.cail.health'
export const JURISDICTION_CLAIM = 'https://cail.health/jurisdiction_id'

export type IssuerMode = 'up' | 'failing' | 'hanging'

interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
  /** The private exponent, for the secret scan. */
  privateExponent: string
}

export interface TokenClaims {
  org_id?: string
  org_name?: string
  [claim: string]: unknown
}

export class FaultIssuer {
  /** `iss` of minted tokens, with its trailing slash. */
  readonly issuer: string
  readonly jwksUri: string
  readonly port: number
  mode: IssuerMode = 'up'
  /** Time (Date.now()) of every JWKS request received, whatever the response. */
  readonly fetches: number[] = []
  /** Every token minted, and every private exponent, for the secret scan. */
  readonly secrets: string[] = []
  readonly #published: SigningKey[] = []
  readonly #sockets = new Set<Socket>()
  #unpublished: SigningKey | undefined
  #server: Server

  private constructor(port: number, server: Server) {
    this.port = port
    this.#server = server
    this.issuer = `http://127.0.0.1:${port}/`
    this.jwksUri = `http://127.0.0.1:${port}/.well-known/jwks.json`
  }

  static async start(): Promise<FaultIssuer> {
    const placeholder = createServer()
    await listen(placeholder, 0)
    const address = placeholder.address()
    if (address === null || typeof address === 'string') {
      throw new Error('issuer has no TCP address')
    }
    await new Promise((resolve) => placeholder.close(resolve))

    const issuer = new FaultIssuer(address.port, placeholder)
    await issuer.publishNewKey()
    await issuer.restart()
    return issuer
  }

  /** Generates a key, publishes it in the JWKS and returns its kid. */
  async publishNewKey(): Promise<string> {
    const key = await createSigningKey()
    this.#published.push(key)
    this.secrets.push(key.privateExponent)
    return key.kid
  }

  /** Signs a token for a fresh Auth0 organisation with the newest published key. */
  async mint(claims: TokenClaims = {}, options: { kid?: string } = {}): Promise<string> {
    const key =
      options.kid === undefined
        ? this.#published.at(-1)
        : this.#published.find((candidate) => candidate.kid === options.kid)
    if (!key) {
      throw new Error(`no published key ${options.kid}`)
    }
    return this.#sign(key, claims)
  }

  /** Signs a token with a key that was never published, under a new random kid each call. */
  async mintWithUnknownKey(claims: TokenClaims = {}): Promise<string> {
    this.#unpublished ??= await createSigningKey()
    this.secrets.push(this.#unpublished.privateExponent)
    return this.#sign({ ...this.#unpublished, kid: randomUUID() }, claims)
  }

  /** Closes the port: JWKS fetches fail with a refused connection. */
  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.#server.close(resolve))
    for (const socket of this.#sockets) {
      socket.destroy()
    }
    await closed
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    this.#server = createServer((request, response) => this.#handle(request, response))
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    await listen(this.#server, this.port)
  }

  fetchesSince(time: number): number {
    return this.fetches.filter((fetchedAt) => fetchedAt >= time).length
  }

  async #sign(key: SigningKey, claims: TokenClaims): Promise<string> {
    const token = await new SignJWT({
      org_id: `org_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      org_name: 'Lambeth Primary Care Network',
      permissions: ['create:organizations'],
      [JURISDICTION_CLAIM]: 'jur_uk_eng',
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(AUDIENCE)
      .setSubject(`auth0|${randomUUID()}`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key.privateKey)
    this.secrets.push(token)
    return token
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end()
      return
    }
    this.fetches.push(Date.now())
    if (this.mode === 'hanging') {
      return
    }
    if (this.mode === 'failing') {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('issuer failure')
      return
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: this.#published.map((key) => key.publicJwk) }))
  }
}

async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const kid = randomUUID()
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
  const privateExponent = (await exportJWK(privateKey)).d ?? ''
  return { kid, privateKey, publicJwk, privateExponent }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
}
