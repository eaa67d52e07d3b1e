import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from './router/root.js'

export { appRouter, createCaller } from './router/root.js'
export type { AppRouter }

/** Input types of every procedure, for example `RouterInputs['organizations']['create']`. */
export type RouterInputs = inferRouterInputs<AppRouter>
/** Output types of every procedure. */
export type RouterOutputs = inferRouterOutputs<AppRouter>

export {
  KeySetUnavailableError,
  TokenRejectedError,
  type TokenRejectionReason,
} from './auth/errors.js'
export type { CallerIdentity } from './auth/identity.js'
export { type OperatorIdentity, readBearerToken } from './auth/policy.js'
export {
  type CachingTokenVerifier,
  createCachingVerifier,
  tokenCacheKey,
  type VerifiedTokenCacheOptions,
} from './auth/verified-token-cache.js'
export {
  createTokenVerifier,
  DEFAULT_JURISDICTION_CLAIM,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './auth/verifier.js'
export {
  type Database,
  type DatabaseHandle,
  type DatabaseOptions,
  openDatabase,
} from './db/client.js'
export { DataDirInUseError } from './db/data-dir-lock.js'
export { readDatabaseFailure } from './db/errors.js'
export { migrate, migrationsFolder } from './db/migrate.js'
export * as schema from './db/schema.js'
export * from './errors.js'
export {
  type IdempotencyKeyCleanup,
  type IdempotencyKeyCleanupOptions,
  MIN_IDEMPOTENCY_KEY_RETENTION_MS,
  startIdempotencyKeyCleanup,
} from './idempotency/cleanup.js'
export {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
} from './idempotency/errors.js'
export {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_REPLAYED_HEADER,
  idempotencyKeySchema,
  readIdempotencyKey,
} from './idempotency/key.js'
export { CLAIM_LEASE_SECONDS, idempotent, runIdempotent } from './idempotency/run.js'
export {
  type Jurisdiction,
  jurisdictionListOutput,
  jurisdictionOutput,
  listJurisdictions,
} from './jurisdictions/list.js'
export { findOrganizationByAuth0Organization } from './organizations/find.js'
export {
  createOrganizationInput,
  DEFAULT_TYPE_CODE,
  NAME_MAX_LENGTH,
  type Organization,
  organizationOutput,
} from './organizations/schema.js'
export { normalizeTRPCError, toServiceError, trpcCodeForStatus } from './trpc/errors.js'
export {
  type ApiDependencies,
  type Context,
  createContext,
  type ErrorData,
  type Logger,
  type RequestMetadata,
} from './trpc/init.js'
