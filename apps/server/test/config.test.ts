import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

const AUTH0 = { AUTH0_DOMAIN: 'cail.eu.auth0.com', AUTH0_AUDIENCE: 'https://operator-api.cail' }

/** Returns the problems `loadConfig` reports for `env`, and fails the test if it accepts `env`. */
function problemsFor(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

describe('loadConfig defaults', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      production: false,
      port: 3000,
      host: '127.0.0.1',
      dataDir: '.data',
      databaseUrl: undefined,
      databasePoolSize: 10,
      databaseStatementTimeoutMs: 10_000,
      databaseConnectTimeoutMs: 5_000,
      databaseRequestTimeoutMs: 12_000,
      auth0: undefined,
      algorithms: ['RS256'],
      clockToleranceSeconds: 5,
      jwksTimeoutMs: 5_000,
      jwksCooldownMs: 30_000,
      jwksCacheMaxAgeMs: 600_000,
      tokenCacheMaxEntries: 10_000,
      tokenCacheMaxAgeMs: 600_000,
      requiredPermission: 'create:organizations',
      jurisdictionClaim: 'https://cail.health/jurisdiction_id',
      organizationNameClaim: 'org_name',
      bodyLimitBytes: 16_384,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      shutdownGraceMs: 10_000,
      logLevel: 'info',
    })
  })

  it('matches the defaults in the README', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
    // Defaults such as `https://<domain>/` are templates, not values.
    const rows = [...readme.matchAll(/^\| `([A-Z0-9_]+)` +\| `([^`<]*)` +\|/gm)]

    expect(rows.length).toBeGreaterThan(20)
    for (const [, name, documented] of rows) {
      // Setting a variable to its documented default must change nothing.
      expect({ [name as string]: loadConfig({ [name as string]: documented }) }).toEqual({
        [name as string]: loadConfig({}),
      })
    }
  })

  it('treats empty numbers and DATABASE_URL as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', BODY_LIMIT_BYTES: ' ' })

    expect(config.port).toBe(3000)
    expect(config.databaseUrl).toBeUndefined()
    expect(config.bodyLimitBytes).toBe(16_384)
  })

  it('derives the Auth0 issuer and JWKS URL from the domain', () => {
    const config = loadConfig({ ...AUTH0, NODE_ENV: 'production' })

    expect(config.production).toBe(true)
    expect(config.auth0).toEqual({
      issuer: 'https://cail.eu.auth0.com/',
      jwksUri: 'https://cail.eu.auth0.com/.well-known/jwks.json',
      audience: 'https://operator-api.cail',
    })
  })

  it('reads algorithms, claim names and numbers', () => {
    const config = loadConfig({
      ...AUTH0,
      AUTH0_ALGORITHMS: 'RS256, PS256,ES256',
      CLAIM_NAMESPACE: 'https://example.org/',
      ORG_NAME_CLAIM: 'https://example.org/org_name',
      PORT: '0',
      DATABASE_URL: 'postgresql://cail@127.0.0.1:5432/cail',
      SHUTDOWN_GRACE_MS: '0',
    })

    expect(config.algorithms).toEqual(['RS256', 'PS256', 'ES256'])
    expect(config.jurisdictionClaim).toBe('https://example.org/jurisdiction_id')
    expect(config.organizationNameClaim).toBe('https://example.org/org_name')
    expect(config.port).toBe(0)
    expect(config.databaseUrl).toBe('postgresql://cail@127.0.0.1:5432/cail')
    expect(config.shutdownGraceMs).toBe(0)
  })

  it('turns the token cache off with 0 entries', () => {
    const config = loadConfig({ TOKEN_CACHE_MAX_ENTRIES: '0', TOKEN_CACHE_MAX_AGE_MS: '60000' })

    expect(config.tokenCacheMaxEntries).toBe(0)
    expect(config.tokenCacheMaxAgeMs).toBe(60_000)
  })

  it('disables the permission check for an empty REQUIRED_PERMISSION', () => {
    expect(loadConfig({ REQUIRED_PERMISSION: '' }).requiredPermission).toBeNull()
    expect(loadConfig({ REQUIRED_PERMISSION: 'provision:orgs' }).requiredPermission).toBe(
      'provision:orgs',
    )
  })
})

describe('loadConfig errors', () => {
  it.each([
    ['abc', 'PORT="abc" is invalid; use a whole number from 0 to 65535 (default 3000)'],
    ['65536', 'PORT="65536" is invalid; use a whole number from 0 to 65535 (default 3000)'],
    ['80.5', 'PORT="80.5" is invalid; use a whole number from 0 to 65535 (default 3000)'],
    ['-1', 'PORT="-1" is invalid; use a whole number from 0 to 65535 (default 3000)'],
  ])('rejects PORT=%s', (port, message) => {
    expect(problemsFor({ PORT: port })).toEqual([message])
  })

  it('rejects a negative TOKEN_CACHE_MAX_ENTRIES', () => {
    expect(problemsFor({ TOKEN_CACHE_MAX_ENTRIES: '-1' })).toEqual([
      'TOKEN_CACHE_MAX_ENTRIES="-1" is invalid; use a whole number from 0 to 10000000 (default 10000)',
    ])
  })

  it('rejects a DATABASE_URL that is not postgres', () => {
    expect(problemsFor({ DATABASE_URL: 'mysql://127.0.0.1:3306/cail' })).toEqual([
      'DATABASE_URL="mysql://127.0.0.1:3306/cail" is invalid; use postgres://user:password@host:5432/database',
    ])
  })

  it('hides DATABASE_URL credentials in its message', () => {
    const [message] = problemsFor({ DATABASE_URL: 'mysql://cail:s3cret-pw@db.internal/cail' })

    expect(message).toBe(
      'DATABASE_URL="mysql://***@db.internal/cail" is invalid; use postgres://user:password@host:5432/database',
    )
    expect(message).not.toContain('s3cret-pw')
    expect(problemsFor({ DATABASE_URL: 'cail:s3cret-pw@db.internal' })[0]).not.toContain(
      's3cret-pw',
    )
  })

  it('rejects an AUTH0_DOMAIN with https://', () => {
    expect(problemsFor({ ...AUTH0, AUTH0_DOMAIN: 'https://cail.eu.auth0.com' })).toEqual([
      'AUTH0_DOMAIN="https://cail.eu.auth0.com" is invalid; use the tenant host name alone, such as cail.eu.auth0.com (no https:// and no path)',
    ])
  })

  it('rejects an AUTH0_DOMAIN with a path', () => {
    expect(problemsFor({ ...AUTH0, AUTH0_DOMAIN: 'cail.eu.auth0.com/oauth' })).toEqual([
      'AUTH0_DOMAIN="cail.eu.auth0.com/oauth" is invalid; use the tenant host name alone, such as cail.eu.auth0.com (no https:// and no path)',
    ])
  })

  it('rejects AUTH0_DOMAIN without AUTH0_AUDIENCE', () => {
    expect(problemsFor({ AUTH0_DOMAIN: 'cail.eu.auth0.com' })).toEqual([
      'AUTH0_AUDIENCE is missing while AUTH0_DOMAIN="cail.eu.auth0.com" is set; set AUTH0_AUDIENCE to the Auth0 API identifier, or unset AUTH0_DOMAIN to use the local issuer',
    ])
  })

  it('rejects AUTH0_AUDIENCE without AUTH0_DOMAIN', () => {
    expect(problemsFor({ AUTH0_AUDIENCE: 'https://operator-api.cail' })).toEqual([
      'AUTH0_DOMAIN is missing while AUTH0_AUDIENCE="https://operator-api.cail" is set; set AUTH0_DOMAIN to the Auth0 tenant host name, or unset AUTH0_AUDIENCE to use the local issuer',
    ])
  })

  it.each(['HS256', 'none', 'RS256,HS512', 'hs384', ' , '])(
    'rejects AUTH0_ALGORITHMS=%j',
    (value) => {
      expect(problemsFor({ ...AUTH0, AUTH0_ALGORITHMS: value })).toEqual([
        `AUTH0_ALGORITHMS=${JSON.stringify(value.trim())} is invalid; list asymmetric algorithms such as RS256 (none and HS* are never allowed)`,
      ])
    },
  )

  it('rejects an unknown LOG_LEVEL', () => {
    expect(problemsFor({ LOG_LEVEL: 'verbose' })).toEqual([
      'LOG_LEVEL="verbose" is invalid; use fatal, error, warn, info, debug, trace or silent',
    ])
  })

  it('rejects an unknown NODE_ENV', () => {
    expect(problemsFor({ NODE_ENV: 'staging' })).toEqual([
      'NODE_ENV="staging" is invalid; use development, test or production',
    ])
  })

  it('rejects production without Auth0 settings', () => {
    expect(problemsFor({ NODE_ENV: 'production' })).toEqual([
      'AUTH0_DOMAIN and AUTH0_AUDIENCE are required when NODE_ENV=production, because the local issuer is for development only; set them to the Auth0 tenant host name and API identifier',
    ])
  })

  it('reports every invalid variable at once', () => {
    const problems = problemsFor({
      NODE_ENV: 'production',
      PORT: 'http',
      DATABASE_URL: 'sqlite:cail.db',
      AUTH0_ALGORITHMS: 'HS256',
      LOG_LEVEL: 'loud',
    })

    expect(problems).toHaveLength(5)
    expect(problems[0]).toMatch(/^PORT="http" is invalid/)
    expect(problems[1]).toMatch(/^DATABASE_URL="sqlite:cail.db" is invalid/)
    expect(problems[2]).toMatch(/^AUTH0_ALGORITHMS="HS256" is invalid/)
    expect(problems[3]).toMatch(/^LOG_LEVEL="loud" is invalid/)
    expect(problems[4]).toMatch(
      /^AUTH0_DOMAIN and AUTH0_AUDIENCE are required when NODE_ENV=production/,
    )
  })

  it('reports a bad domain and a missing audience together', () => {
    const problems = problemsFor({ AUTH0_DOMAIN: 'https://cail.eu.auth0.com/', PORT: 'x' })

    expect(problems).toEqual([
      'PORT="x" is invalid; use a whole number from 0 to 65535 (default 3000)',
      'AUTH0_DOMAIN="https://cail.eu.auth0.com/" is invalid; use the tenant host name alone, such as cail.eu.auth0.com (no https:// and no path)',
      'AUTH0_AUDIENCE is missing while AUTH0_DOMAIN="https://cail.eu.auth0.com/" is set; set AUTH0_AUDIENCE to the Auth0 API identifier, or unset AUTH0_DOMAIN to use the local issuer',
    ])
  })

  it('lists every problem in the error message', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })
      } catch (thrown) {
        return thrown as ConfigError
      }
      throw new Error('loadConfig accepted an invalid environment')
    })()

    expect(error.message).toBe(
      'invalid configuration:\n' +
        '  - PORT="x" is invalid; use a whole number from 0 to 65535 (default 3000)\n' +
        '  - LOG_LEVEL="loud" is invalid; use fatal, error, warn, info, debug, trace or silent',
    )
  })
})
