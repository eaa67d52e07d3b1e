/**
 * A stand-in for the Auth0 tenant on loopback: it publishes a JWKS over HTTP and signs RS256
 * access tokens shaped like Auth0's, one Auth0 organisation per token.
 */
import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { benchOrganizationId } from './database.js'

export const BENCH_AUDIENCE = 'https://operator-api.bench.cail.health'
export const JURISDICTION_CLAIM = 'https://cail.health/jurisdiction_id'

// Tokens outlive any bench run; the server still checks exp on every verification.
const TOKEN_LIFETIME_SECONDS = 4 * 3600

// Signatures are computed on libuv's thread pool, so a batch keeps both cores busy.
const MINT_BATCH = 256

export interface BenchIssuer {
  /** `iss` of the tokens, with the trailing slash Auth0 uses. */
  readonly issuer: string
  readonly jwksUri: string
  /** Signs `count` tokens, token `i` for organisation `benchOrganizationId(i)`, into `file`. */
  mintPool(count: number, file: string): Promise<void>
  stop(): Promise<void>
}

export async function startIssuer(): Promise<BenchIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  const jwks = JSON.stringify({ keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] })

  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
      return
    }
    response.writeHead(404).end()
  })
  await listen(server)
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}/`

  return {
    issuer,
    jwksUri: `${issuer}.well-known/jwks.json`,
    async mintPool(count, file) {
      const tokens: string[] = []
      for (let start = 0; start < count; start += MINT_BATCH) {
        const end = Math.min(start + MINT_BATCH, count)
        const batch = Array.from({ length: end - start }, (_, offset) =>
          mint(privateKey, kid, issuer, start + offset),
        )
        tokens.push(...(await Promise.all(batch)))
      }
      await writeFile(file, tokens.join('\n'))
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function mint(privateKey: CryptoKey, kid: string, issuer: string, index: number): Promise<string> {
  return new SignJWT({
    org_id: benchOrganizationId(index),
    org_name: 'Lambeth Primary Care Network',
    permissions: ['create:organizations'],
    scope: 'openid profile',
    [JURISDICTION_CLAIM]: 'jur_uk_eng',
  })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience([BENCH_AUDIENCE, `${issuer}userinfo`])
    .setSubject(`auth0|bench${index}`)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SECONDS)
    .sign(privateKey)
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
}
