import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CallerIdentity,
  createCachingVerifier,
  createTokenVerifier,
  TokenRejectedError,
  type TokenVerifier,
  tokenCacheKey,
} from '../src/index.js'
import { startTestIssuer, type TestIssuer } from '../testing/index.js'

const START_MS = Date.UTC(2026, 4, 15, 10, 0, 0)

/** Creates a verifier that accepts the tokens in `expiries` (token to `exp`) and records calls. */
function countingVerifier(expiries: Record<string, number>) {
  const calls: string[] = []
  const verifier: TokenVerifier = {
    async verify(token) {
      calls.push(token)
      const expiresAt = expiries[token]
      if (expiresAt === undefined) {
        throw new TokenRejectedError('signature_invalid', 'token signature is invalid')
      }
      return identityFor(token, expiresAt)
    },
  }
  return { verifier, calls }
}

function identityFor(token: string, expiresAt: number): CallerIdentity {
  return {
    subject: `auth0|${token}`,
    organizationId: `org_${token}`,
    organizationName: undefined,
    permissions: new Set(['create:organizations']),
    jurisdictionId: 'jur_uk_eng',
    expiresAt,
  }
}

function fakeClock() {
  const clock = { ms: START_MS, now: () => clock.ms }
  return clock
}

const inOneHour = START_MS / 1000 + 3600

describe('createCachingVerifier', () => {
  it('verifies a repeated token once', async () => {
    const { verifier, calls } = countingVerifier({ a: inOneHour })
    const cache = createCachingVerifier(verifier, { now: fakeClock().now })

    const first = await cache.verify('a')
    const second = await cache.verify('a')

    expect(second).toEqual(first)
    expect(calls).toEqual(['a'])
  })

  it('stays within maxEntries', async () => {
    const { verifier, calls } = countingVerifier({ a: inOneHour, b: inOneHour, c: inOneHour })
    const cache = createCachingVerifier(verifier, { maxEntries: 2, now: fakeClock().now })

    await cache.verify('a')
    await cache.verify('b')
    await cache.verify('c')
    expect(cache.size).toBe(2)

    await cache.verify('a')
    expect(calls).toEqual(['a', 'b', 'c', 'a'])
    expect(cache.size).toBe(2)
  })

  it('evicts the least recently used token', async () => {
    const { verifier, calls } = countingVerifier({ a: inOneHour, b: inOneHour, c: inOneHour })
    const cache = createCachingVerifier(verifier, { maxEntries: 2, now: fakeClock().now })

    await cache.verify('a')
    await cache.verify('b')
    await cache.verify('a')
    await cache.verify('c')
    await cache.verify('a')
    await cache.verify('b')

    expect(calls).toEqual(['a', 'b', 'c', 'b'])
  })

  it('reuses an entry until exp and not after', async () => {
    const clock = fakeClock()
    const expiresAt = START_MS / 1000 + 60
    const { verifier, calls } = countingVerifier({ a: expiresAt })
    const cache = createCachingVerifier(verifier, { now: clock.now })

    await cache.verify('a')
    clock.ms = expiresAt * 1000 - 1
    await cache.verify('a')
    expect(calls).toHaveLength(1)

    clock.ms = expiresAt * 1000
    await cache.verify('a')
    expect(calls).toHaveLength(2)
  })

  it('passes the rejection of an expired token through', async () => {
    const clock = fakeClock()
    const expiresAt = START_MS / 1000 + 60
    const expiries: Record<string, number> = { a: expiresAt }
    const { verifier } = countingVerifier(expiries)
    const cache = createCachingVerifier(verifier, { now: clock.now })
    await cache.verify('a')

    clock.ms = expiresAt * 1000
    delete expiries.a

    await expect(cache.verify('a')).rejects.toBeInstanceOf(TokenRejectedError)
    expect(cache.size).toBe(0)
  })

  it('reuses an entry for at most maxAgeMs', async () => {
    const clock = fakeClock()
    const { verifier, calls } = countingVerifier({ a: inOneHour })
    const cache = createCachingVerifier(verifier, { maxAgeMs: 1_000, now: clock.now })

    await cache.verify('a')
    clock.ms += 999
    await cache.verify('a')
    expect(calls).toHaveLength(1)

    clock.ms += 1
    await cache.verify('a')
    expect(calls).toHaveLength(2)
  })

  it('never caches a rejection', async () => {
    const expiries: Record<string, number> = {}
    const { verifier, calls } = countingVerifier(expiries)
    const cache = createCachingVerifier(verifier, { now: fakeClock().now })

    await expect(cache.verify('a')).rejects.toBeInstanceOf(TokenRejectedError)
    expect(cache.size).toBe(0)

    expiries.a = inOneHour
    await expect(cache.verify('a')).resolves.toMatchObject({ subject: 'auth0|a' })
    expect(calls).toEqual(['a', 'a'])
  })

  it('skips a token that is already past exp', async () => {
    const { verifier, calls } = countingVerifier({ a: START_MS / 1000 - 1 })
    const cache = createCachingVerifier(verifier, { now: fakeClock().now })

    await cache.verify('a')
    await cache.verify('a')

    expect(calls).toEqual(['a', 'a'])
    expect(cache.size).toBe(0)
  })

  it('shares one verification among concurrent calls', async () => {
    const { verifier, calls } = countingVerifier({ a: inOneHour })
    const cache = createCachingVerifier(verifier, { now: fakeClock().now })

    const identities = await Promise.all([cache.verify('a'), cache.verify('a'), cache.verify('a')])

    expect(calls).toEqual(['a'])
    expect(identities[1]).toBe(identities[0])
    expect(identities[2]).toBe(identities[0])
  })

  it('rejects a maxEntries below 1', () => {
    const { verifier } = countingVerifier({})

    expect(() => createCachingVerifier(verifier, { maxEntries: 0 })).toThrow(RangeError)
  })
})

describe('tokenCacheKey', () => {
  it('is the SHA-256 of the token, not the token', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl'

    const key = tokenCacheKey(token)

    expect(key).toBe('G_XTTQpAoRgUg-ZmYWOCNPSyKylV2qe-17Avxq2Xfws')
    expect(key).not.toContain('eyJ')
  })
})

describe('createCachingVerifier with jose', () => {
  let issuer: TestIssuer
  let cache: ReturnType<typeof createCachingVerifier>

  beforeAll(async () => {
    issuer = await startTestIssuer()
    cache = createCachingVerifier(
      createTokenVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
      }),
    )
  })

  afterAll(async () => {
    await issuer.stop()
  })

  it('caches a verified token until its exp', async () => {
    const token = await issuer.mintToken({ expiresIn: 600 })

    const identity = await cache.verify(token)

    expect(cache.size).toBe(1)
    expect(identity.expiresAt).toBeGreaterThan(Date.now() / 1000)
    expect(await cache.verify(token)).toBe(identity)
  })

  it('never caches an expired token', async () => {
    const before = cache.size
    const token = await issuer.mintToken({ expiresIn: -60 })

    await expect(cache.verify(token)).rejects.toBeInstanceOf(TokenRejectedError)
    expect(cache.size).toBe(before)
  })

  it('never caches a token from another audience', async () => {
    const before = cache.size
    const token = await issuer.mintToken({ claims: { aud: 'https://other.example.org' } })

    await expect(cache.verify(token)).rejects.toBeInstanceOf(TokenRejectedError)
    expect(cache.size).toBe(before)
  })
})
