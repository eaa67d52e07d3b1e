/**
 * A token verifier that remembers successful verifications, so that a client which sends the
 * same access token again and again pays for the signature check once.
 */
import { createHash } from 'node:crypto'
import type { CallerIdentity } from './identity.js'
import type { TokenVerifier } from './verifier.js'

export interface VerifiedTokenCacheOptions {
  /** Maximum number of cached tokens; the least recently used is evicted first. Default 10000. */
  maxEntries?: number
  /**
   * Longest time one verification is reused, in milliseconds, even when the token's `exp` is
   * later. It bounds how long a token signed with a key the issuer has since withdrawn stays
   * accepted, like the JWKS cache's own maximum age. Default 600000 (10 minutes).
   */
  maxAgeMs?: number
  /** Current time in milliseconds since the Unix epoch. Default `Date.now`. */
  now?: () => number
}

export interface CachingTokenVerifier extends TokenVerifier {
  /** Number of tokens cached now, expired entries not yet evicted included. */
  readonly size: number
}

interface CacheEntry {
  identity: CallerIdentity
  /** The earlier of the token's `exp` and verification time plus `maxAgeMs`, in milliseconds. */
  reuseUntilMs: number
}

/** Returns a token's cache key: its SHA-256 in base64url, so the cache stores no credential. */
export function tokenCacheKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/**
 * Wraps `verifier` with a cache of its successes. An entry is reused only while the clock is
 * before the token's `exp` (without the verifier's clock tolerance) and within `maxAgeMs` of
 * the verification. Rejections are never cached, so every retry of a bad token is verified
 * again. Concurrent verifications of one token share a single call to `verifier`.
 */
export function createCachingVerifier(
  verifier: TokenVerifier,
  options: VerifiedTokenCacheOptions = {},
): CachingTokenVerifier {
  const maxEntries = options.maxEntries ?? 10_000
  const maxAgeMs = options.maxAgeMs ?? 600_000
  const now = options.now ?? Date.now
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a whole number from 1 up, not ${maxEntries}`)
  }

  // A Map iterates in insertion order, so re-inserting on every hit keeps the least recently
  // used entry first.
  const entries = new Map<string, CacheEntry>()
  const pending = new Map<string, Promise<CallerIdentity>>()

  const remember = (key: string, identity: CallerIdentity, verifiedAtMs: number) => {
    const reuseUntilMs = Math.min(identity.expiresAt * 1000, verifiedAtMs + maxAgeMs)
    if (reuseUntilMs <= now()) {
      return
    }
    entries.set(key, { identity: Object.freeze(identity), reuseUntilMs })
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) {
        break
      }
      entries.delete(oldest)
    }
  }

  return {
    get size() {
      return entries.size
    },

    async verify(token) {
      const key = tokenCacheKey(token)
      const cached = entries.get(key)
      if (cached) {
        entries.delete(key)
        if (now() < cached.reuseUntilMs) {
          entries.set(key, cached)
          return cached.identity
        }
      }

      const running = pending.get(key)
      if (running) {
        return running
      }
      const verifiedAtMs = now()
      const verification = verifier.verify(token).then((identity) => {
        remember(key, identity, verifiedAtMs)
        return identity
      })
      pending.set(key, verification)
      try {
        return await verification
      } finally {
        pending.delete(key)
      }
    },
  }
}
