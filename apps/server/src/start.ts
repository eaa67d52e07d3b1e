/** Opens the database, runs migrations, chooses the token verifier and starts listening. */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type ApiDependencies,
  createCachingVerifier,
  createTokenVerifier,
  type DatabaseHandle,
  type DatabaseOptions,
  migrate,
  openDatabase,
  type TokenVerifier,
} from '@cail/api'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApp } from './app.js'
import type { ServerConfig } from './config.js'
import { LocalIssuer } from './local-issuer/local-issuer.js'

// Same relative path from `src/` (tsx) and from the compiled `dist/`.
const WEB_CLIENT_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))

export interface RunningServer {
  readonly app: FastifyInstance
  /** `http://host:port` the server listens on. */
  readonly url: string
  readonly database: DatabaseHandle
  /** Stops accepting, waits for in-flight requests, then closes the database. */
  close(): Promise<void>
}

export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const database = await openDatabase(databaseOptions(config))
  try {
    await migrate(database)
    logger.info({ database: database.kind }, 'database migrated')
    return await listen(config, logger, database)
  } catch (error) {
    await database.close().catch(() => {})
    throw error
  }
}

function databaseOptions(config: ServerConfig): DatabaseOptions {
  if (config.databaseUrl) {
    return {
      kind: 'postgres',
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectTimeoutSeconds: config.databaseConnectTimeoutMs / 1000,
    }
  }
  return { kind: 'pglite', dataDir: resolve(config.dataDir, 'pglite') }
}

async function listen(
  config: ServerConfig,
  logger: Logger,
  database: DatabaseHandle,
): Promise<RunningServer> {
  const verifierTuning = {
    clockToleranceSeconds: config.clockToleranceSeconds,
    jwksTimeoutMs: config.jwksTimeoutMs,
    jwksCooldownMs: config.jwksCooldownMs,
    jwksCacheMaxAgeMs: config.jwksCacheMaxAgeMs,
    onJwksFetchFailed: (error: unknown, cachedKeys: boolean) => {
      logger.warn(
        { err: error, cachedKeys },
        cachedKeys
          ? "fetching the issuer's JWKS failed; verifying with the cached keys"
          : "fetching the issuer's JWKS failed; tokens cannot be verified until a fetch succeeds",
      )
    },
    organizationNameClaim: config.organizationNameClaim,
    jurisdictionClaim: config.jurisdictionClaim,
  }

  let verifier: TokenVerifier
  let localIssuer: LocalIssuer | undefined
  if (config.auth0) {
    verifier = createTokenVerifier({
      ...config.auth0,
      algorithms: config.algorithms,
      ...verifierTuning,
    })
  } else {
    localIssuer = await LocalIssuer.load(resolve(config.dataDir), verifierTuning)
    verifier = localIssuer
  }

  const dependencies: ApiDependencies = {
    db: database.db,
    verifier: cacheVerifiedTokens(verifier, config),
    logger,
    requiredPermission: config.requiredPermission,
    claims: {
      organizationName: config.organizationNameClaim,
      jurisdiction: config.jurisdictionClaim,
    },
    databaseTimeoutMs: config.databaseRequestTimeoutMs,
  }
  const webRoot = existsSync(join(WEB_CLIENT_ROOT, 'index.html')) ? WEB_CLIENT_ROOT : undefined
  const app = await buildApp({
    dependencies,
    database,
    logger,
    localIssuer,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    webRoot,
  })
  logger.info(
    { webRoot: WEB_CLIENT_ROOT, served: webRoot !== undefined },
    webRoot
      ? 'serving the web client at /'
      : 'no web client build found; build apps/web to serve it at /',
  )

  await app.listen({ port: config.port, host: config.host })
  const url = listeningUrl(app)
  if (localIssuer) {
    await localIssuer.bind(loopbackOrigin(app, config.host))
    logger.warn(
      {
        issuer: localIssuer.issuer,
        keyFile: join(resolve(config.dataDir), 'local-issuer', 'signing-key.json'),
      },
      'LOCAL ISSUER ACTIVE: tokens are minted by this server for development only; set AUTH0_DOMAIN and AUTH0_AUDIENCE to use Auth0',
    )
  } else {
    logger.info(
      { issuer: config.auth0?.issuer, audience: config.auth0?.audience },
      'verifying Auth0 tokens',
    )
  }

  return {
    app,
    url,
    database,
    async close() {
      await app.close()
      logger.info('HTTP server closed; closing the database pool')
      await database.close()
      logger.info('database pool closed')
    },
  }
}

function cacheVerifiedTokens(verifier: TokenVerifier, config: ServerConfig): TokenVerifier {
  if (config.tokenCacheMaxEntries === 0) {
    return verifier
  }
  return createCachingVerifier(verifier, {
    maxEntries: config.tokenCacheMaxEntries,
    maxAgeMs: config.tokenCacheMaxAgeMs,
  })
}

function listeningUrl(app: FastifyInstance): string {
  const address = app.server.address()
  if (address === null || typeof address === 'string') {
    throw new Error(`unexpected listening address ${String(address)}`)
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

/** Returns the origin on which the server reaches itself; a wildcard host becomes the loopback address. */
function loopbackOrigin(app: FastifyInstance, configuredHost: string): string {
  const address = app.server.address()
  if (address === null || typeof address === 'string') {
    throw new Error(`unexpected listening address ${String(address)}`)
  }
  if (configuredHost === '0.0.0.0' || configuredHost === '::' || configuredHost === 'localhost') {
    return `http://127.0.0.1:${address.port}`
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}
