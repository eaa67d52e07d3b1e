/** Server configuration from environment variables, validated once at start-up. */
import { z } from 'zod'

/** Raised with one message per invalid variable, so an operator can fix them all at once. */
export class ConfigError extends Error {
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

const integer = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') {
        return fallback
      }
      const parsed = Number(value)
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        context.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(value)} is invalid; use a whole number from ${min} to ${max} (default ${fallback})`,
        })
        return z.NEVER
      }
      return parsed
    })

const text = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined ? fallback : value.trim()))

// Host names that http:// issuer and JWKS overrides may use; anything else needs https://.
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/

/** An absolute https URL, or http on a loopback host (a test issuer on this machine). */
const issuerUrl = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') {
        return undefined
      }
      const url = URL.canParse(value.trim()) ? new URL(value.trim()) : undefined
      const secure =
        url?.protocol === 'https:' ||
        (url?.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname))
      if (!url || !secure || url.username || url.password) {
        context.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(value)} is invalid; use an https:// URL without credentials (http:// only on localhost, 127.0.0.1 or [::1])`,
        })
        return z.NEVER
      }
      return url.href
    })

// A bare host name such as `cail.eu.auth0.com`: no scheme, no path, no port.
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** Suggests the host of a URL such as `https://cail.eu.auth0.com/`, else a generic example. */
function suggestHostName(value: string): string {
  const host = URL.canParse(value) ? new URL(value).hostname : ''
  return HOST_NAME.test(host) ? host : 'cail.eu.auth0.com'
}

/** Replaces the user name and password of a database URL, so that messages never show them. */
function withoutCredentials(url: string): string {
  const at = url.lastIndexOf('@')
  if (at === -1) {
    return url
  }
  const schemeEnd = url.indexOf('://')
  const userInfoStart = schemeEnd !== -1 && schemeEnd < at ? schemeEnd + 3 : 0
  return `${url.slice(0, userInfoStart)}***@${url.slice(at + 1)}`
}

const environmentSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'test', 'production'], {
        error: (issue) =>
          `NODE_ENV=${JSON.stringify(issue.input)} is invalid; use development, test or production`,
      })
      .default('development'),
    PORT: integer('PORT', 3000, 0, 65_535),
    HOST: text('127.0.0.1'),
    DATA_DIR: text('.data'),
    DATABASE_URL: z
      .string()
      .optional()
      .refine((value) => !value || /^postgres(ql)?:\/\/./.test(value), {
        error: (issue) =>
          `DATABASE_URL=${JSON.stringify(withoutCredentials(String(issue.input)))} is invalid; use postgres://user:password@host:5432/database`,
      }),
    DATABASE_POOL_SIZE: integer('DATABASE_POOL_SIZE', 10, 1, 1_000),
    DATABASE_STATEMENT_TIMEOUT_MS: integer('DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 600_000),
    DATABASE_CONNECT_TIMEOUT_MS: integer('DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    DATABASE_REQUEST_TIMEOUT_MS: integer('DATABASE_REQUEST_TIMEOUT_MS', 12_000, 100, 600_000),
    AUTH0_DOMAIN: z
      .string()
      .optional()
      .refine((value) => !value || HOST_NAME.test(value), {
        error: (issue) => {
          const value = String(issue.input)
          return `AUTH0_DOMAIN=${JSON.stringify(value)} is invalid; use the tenant host name alone, such as ${suggestHostName(value)} (no https:// and no path)`
        },
      }),
    AUTH0_AUDIENCE: z.string().optional(),
    AUTH0_ISSUER_URL: issuerUrl('AUTH0_ISSUER_URL'),
    AUTH0_JWKS_URI: issuerUrl('AUTH0_JWKS_URI'),
    AUTH0_ALGORITHMS: text('RS256').transform((value, context) => {
      const algorithms = value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean)
      const rejected = algorithms.filter((algorithm) => /^(none|HS\d+)$/i.test(algorithm))
      if (algorithms.length === 0 || rejected.length > 0) {
        context.addIssue({
          code: 'custom',
          message: `AUTH0_ALGORITHMS=${JSON.stringify(value)} is invalid; list asymmetric algorithms such as RS256 (none and HS* are never allowed)`,
        })
        return z.NEVER
      }
      return algorithms
    }),
    AUTH0_CLOCK_TOLERANCE_SECONDS: integer('AUTH0_CLOCK_TOLERANCE_SECONDS', 5, 0, 300),
    JWKS_TIMEOUT_MS: integer('JWKS_TIMEOUT_MS', 5_000, 100, 60_000),
    JWKS_COOLDOWN_MS: integer('JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
    JWKS_CACHE_MAX_AGE_MS: integer('JWKS_CACHE_MAX_AGE_MS', 600_000, 1_000, 86_400_000),
    TOKEN_CACHE_MAX_ENTRIES: integer('TOKEN_CACHE_MAX_ENTRIES', 10_000, 0, 10_000_000),
    TOKEN_CACHE_MAX_AGE_MS: integer('TOKEN_CACHE_MAX_AGE_MS', 600_000, 1_000, 86_400_000),
    REQUIRED_PERMISSION: text('create:organizations'),
    CLAIM_NAMESPACE: text('https://cail.health/'),
    ORG_NAME_CLAIM: text('org_name'),
    BODY_LIMIT_BYTES: integer('BODY_LIMIT_BYTES', 16_384, 1_024, 10_485_760),
    REQUEST_TIMEOUT_MS: integer('REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
    HEADERS_TIMEOUT_MS: integer('HEADERS_TIMEOUT_MS', 10_000, 1_000, 600_000),
    SHUTDOWN_GRACE_MS: integer('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: (issue) =>
          `LOG_LEVEL=${JSON.stringify(issue.input)} is invalid; use fatal, error, warn, info, debug, trace or silent`,
      })
      .default('info'),
  })
  .superRefine(
    (env, context) => {
      const domainSet = Boolean(env.AUTH0_DOMAIN)
      const audienceSet = Boolean(env.AUTH0_AUDIENCE)
      if (domainSet && !audienceSet) {
        context.addIssue({
          code: 'custom',
          message: `AUTH0_AUDIENCE is missing while AUTH0_DOMAIN=${JSON.stringify(env.AUTH0_DOMAIN)} is set; set AUTH0_AUDIENCE to the Auth0 API identifier, or unset AUTH0_DOMAIN to use the local issuer`,
        })
      }
      if (audienceSet && !domainSet) {
        context.addIssue({
          code: 'custom',
          message: `AUTH0_DOMAIN is missing while AUTH0_AUDIENCE=${JSON.stringify(env.AUTH0_AUDIENCE)} is set; set AUTH0_DOMAIN to the Auth0 tenant host name, or unset AUTH0_AUDIENCE to use the local issuer`,
        })
      }
      if (!domainSet && (env.AUTH0_ISSUER_URL || env.AUTH0_JWKS_URI)) {
        context.addIssue({
          code: 'custom',
          message:
            'AUTH0_ISSUER_URL and AUTH0_JWKS_URI override the Auth0 settings; set AUTH0_DOMAIN and AUTH0_AUDIENCE as well',
        })
      }
      if (
        typeof env.HEADERS_TIMEOUT_MS === 'number' &&
        typeof env.REQUEST_TIMEOUT_MS === 'number' &&
        env.HEADERS_TIMEOUT_MS > env.REQUEST_TIMEOUT_MS
      ) {
        context.addIssue({
          code: 'custom',
          message: `HEADERS_TIMEOUT_MS=${env.HEADERS_TIMEOUT_MS} is invalid; it must not exceed REQUEST_TIMEOUT_MS=${env.REQUEST_TIMEOUT_MS}`,
        })
      }
      if (!domainSet && !audienceSet && env.NODE_ENV === 'production') {
        context.addIssue({
          code: 'custom',
          message:
            'AUTH0_DOMAIN and AUTH0_AUDIENCE are required when NODE_ENV=production, because the local issuer is for development only; set them to the Auth0 tenant host name and API identifier',
        })
      }
    },
    // Run even when a single variable is invalid, so that every problem is reported at once.
    // A variable that failed its own rule is not a number here, so the comparison checks types.
    { when: () => true },
  )

export type Environment = z.output<typeof environmentSchema>

export interface Auth0Settings {
  /** `https://<AUTH0_DOMAIN>/`, or AUTH0_ISSUER_URL when set. */
  issuer: string
  /** `https://<AUTH0_DOMAIN>/.well-known/jwks.json`, or AUTH0_JWKS_URI when set. */
  jwksUri: string
  audience: string
}

export interface ServerConfig {
  production: boolean
  port: number
  host: string
  dataDir: string
  databaseUrl: string | undefined
  databasePoolSize: number
  databaseStatementTimeoutMs: number
  databaseConnectTimeoutMs: number
  /** Bound on the database work of one request; past it the request fails with 503. */
  databaseRequestTimeoutMs: number
  /** Undefined selects the local issuer. */
  auth0: Auth0Settings | undefined
  algorithms: string[]
  clockToleranceSeconds: number
  jwksTimeoutMs: number
  jwksCooldownMs: number
  jwksCacheMaxAgeMs: number
  /** Verified tokens kept in memory; 0 verifies every request's token. */
  tokenCacheMaxEntries: number
  /** Longest reuse of one verification, in milliseconds; entries also end at the token's exp. */
  tokenCacheMaxAgeMs: number
  /** Null when REQUIRED_PERMISSION is set to an empty string. */
  requiredPermission: string | null
  jurisdictionClaim: string
  organizationNameClaim: string
  bodyLimitBytes: number
  requestTimeoutMs: number
  headersTimeoutMs: number
  shutdownGraceMs: number
  logLevel: Environment['LOG_LEVEL']
}

/** Reads and validates the configuration; throws ConfigError listing every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = environmentSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message))
  }
  const values = parsed.data

  const auth0 =
    values.AUTH0_DOMAIN && values.AUTH0_AUDIENCE
      ? {
          issuer: values.AUTH0_ISSUER_URL ?? `https://${values.AUTH0_DOMAIN}/`,
          jwksUri: values.AUTH0_JWKS_URI ?? `https://${values.AUTH0_DOMAIN}/.well-known/jwks.json`,
          audience: values.AUTH0_AUDIENCE,
        }
      : undefined

  return {
    production: values.NODE_ENV === 'production',
    port: values.PORT,
    host: values.HOST,
    dataDir: values.DATA_DIR,
    databaseUrl: values.DATABASE_URL || undefined,
    databasePoolSize: values.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseConnectTimeoutMs: values.DATABASE_CONNECT_TIMEOUT_MS,
    databaseRequestTimeoutMs: values.DATABASE_REQUEST_TIMEOUT_MS,
    auth0,
    algorithms: values.AUTH0_ALGORITHMS,
    clockToleranceSeconds: values.AUTH0_CLOCK_TOLERANCE_SECONDS,
    jwksTimeoutMs: values.JWKS_TIMEOUT_MS,
    jwksCooldownMs: values.JWKS_COOLDOWN_MS,
    jwksCacheMaxAgeMs: values.JWKS_CACHE_MAX_AGE_MS,
    tokenCacheMaxEntries: values.TOKEN_CACHE_MAX_ENTRIES,
    tokenCacheMaxAgeMs: values.TOKEN_CACHE_MAX_AGE_MS,
    requiredPermission: values.REQUIRED_PERMISSION === '' ? null : values.REQUIRED_PERMISSION,
    jurisdictionClaim: `${values.CLAIM_NAMESPACE}jurisdiction_id`,
    organizationNameClaim: values.ORG_NAME_CLAIM,
    bodyLimitBytes: values.BODY_LIMIT_BYTES,
    requestTimeoutMs: values.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: values.HEADERS_TIMEOUT_MS,
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS,
    logLevel: values.LOG_LEVEL,
  }
}
