/**
 * Tokens that the test issuer would never mint: unsigned, HMAC-signed with its public key,
 * tampered with, or signed by a key outside its JWKS. Each carries otherwise valid claims,
 * so a rejection can only come from the flaw under test.
 */
import { createPublicKey, type JsonWebKey, randomUUID } from 'node:crypto'
import { operatorClaims, type TestIssuer } from '@cail/api/testing'
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose'

/** Returns a fresh Auth0 organisation id, so that suites sharing one PostgreSQL database never collide. */
export function newOrganizationId(): string {
  return `org_${randomUUID().replaceAll('-', '')}`
}

/** Builds the claims of a valid operator token from `issuer`, expiring one hour from now. */
export function validClaims(issuer: TestIssuer, organizationId: string): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  return {
    ...operatorClaims(issuer.audience),
    org_id: organizationId,
    iss: issuer.issuer,
    iat: now,
    exp: now + 3600,
  }
}

/** Encodes `payload` with `alg: none` and an empty signature. */
export function encodeUnsecuredToken(payload: JWTPayload): string {
  return new UnsecuredJWT(payload).encode()
}

/** Signs `payload` with HS256, using `secret` as the HMAC key and the issuer's `kid`. */
export async function signWithHmac(
  payload: JWTPayload,
  secret: Uint8Array,
  kid: string | undefined,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).sign(secret)
}

/** Encodes the issuer's public RSA key as the bytes of its JWK (JSON) and of its SPKI PEM. */
export function publicKeyEncodings(issuer: TestIssuer): { jwk: Uint8Array; pem: Uint8Array } {
  const pem = createPublicKey({ key: issuer.publicJwk as JsonWebKey, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  })
  const encoder = new TextEncoder()
  return {
    jwk: encoder.encode(JSON.stringify(issuer.publicJwk)),
    pem: encoder.encode(String(pem)),
  }
}

/** Signs `payload` with RS256 and a new RSA key whose `kid` no JWKS publishes. */
export async function signWithUnknownKey(payload: JWTPayload): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256')
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: `unknown-${randomUUID()}` })
    .sign(privateKey)
}

/** Re-encodes the payload of a signed token with `changes` applied and keeps its signature. */
export function tamperPayload(token: string, changes: JWTPayload): string {
  const [header, , signature] = token.split('.')
  const payload = { ...decodeJwt(token), ...changes }
  return `${header}.${base64url.encode(JSON.stringify(payload))}.${signature}`
}

/** Reads the `kid` of a signed token's protected header. */
export function readKid(token: string): string | undefined {
  return decodeProtectedHeader(token).kid
}
