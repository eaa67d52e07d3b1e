/**
 * The issuer's remote JWKS with a cache that survives issuer outages. jose's createRemoteJWKSet
 * (6.2) refetches stale keys before it verifies, and fails when that fetch fails. This key set
 * keeps verifying with the last good keys instead and refreshes stale keys in the background.
 * It starts at most one fetch per cooldown, whatever the trigger, so unknown `kid`s cannot turn
 * requests into a stream of JWKS fetches, even while the issuer is failing.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose'
import { KeySetUnavailableError } from './errors.js'

export interface CachingKeySetOptions {
  /** Time limit for one JWKS request, in milliseconds. */
  timeoutMs: number
  /** Minimum time between two fetch attempts, successful or not, in milliseconds. */
  cooldownMs: number
  /** Age after which cached keys are refreshed in the background, in milliseconds. */
  maxAgeMs: number
  /** Called once per failed fetch; the key set keeps serving its cached keys meanwhile. */
  onFetchFailed?: (error: unknown, cachedKeys: boolean) => void
}

export function createCachingKeySet(url: URL, options: CachingKeySetOptions): JWTVerifyGetKey {
  // jose fetches and parses; the infinite durations stop it from refetching on its own, so
  // every fetch goes through `fetchKeys` below and its cooldown.
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs,
    cacheMaxAge: Number.POSITIVE_INFINITY,
    cooldownDuration: Number.POSITIVE_INFINITY,
  })

  let fetchedAt: number | undefined
  let attemptedAt: number | undefined
  let lastFailure: unknown
  let pending: Promise<void> | undefined

  const coolingDown = () =>
    attemptedAt !== undefined && Date.now() < attemptedAt + options.cooldownMs

  /** Joins the running fetch, or starts one unless the cooldown forbids it (then resolves false). */
  const fetchKeys = async (): Promise<boolean> => {
    if (!pending) {
      if (coolingDown()) {
        return false
      }
      attemptedAt = Date.now()
      pending = remote.reload().then(
        () => {
          fetchedAt = Date.now()
          lastFailure = undefined
        },
        (error: unknown) => {
          lastFailure = error
          options.onFetchFailed?.(error, fetchedAt !== undefined)
          throw error
        },
      )
      pending.then(
        () => {
          pending = undefined
        },
        () => {
          pending = undefined
        },
      )
    }
    await pending
    return true
  }

  const unavailable = (): KeySetUnavailableError => {
    const retryAfterMs = (attemptedAt ?? Date.now()) + options.cooldownMs - Date.now()
    return new KeySetUnavailableError("the issuer's key set could not be fetched", {
      cause: lastFailure,
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
    })
  }

  return async (protectedHeader, token) => {
    if (fetchedAt === undefined) {
      const fetched = await fetchKeys().catch(() => false)
      if (!fetched || fetchedAt === undefined) {
        throw unavailable()
      }
    } else if (Date.now() >= fetchedAt + options.maxAgeMs) {
      // Failures are reported through onFetchFailed; the cached keys still verify this token.
      fetchKeys().catch(() => {})
    }

    try {
      return await remote(protectedHeader, token)
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) {
        throw error
      }
      // The issuer may have published a new key since the last fetch.
      const fetched = await fetchKeys().catch(() => undefined)
      if (fetched === true) {
        return remote(protectedHeader, token)
      }
      if (fetched === undefined || lastFailure !== undefined) {
        throw unavailable()
      }
      throw error
    }
  }
}
