/** Assembles the Fastify application from its plugins; start.ts opens what it needs and listens. */
import type { ApiDependencies, DatabaseHandle } from '@cail/api'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { LocalIssuer } from './local-issuer/local-issuer.js'
import errorEnvelope from './plugins/error-envelope.js'
import health from './plugins/health.js'
import idempotencyCleanup from './plugins/idempotency-cleanup.js'
import localIssuerRoutes from './plugins/local-issuer.js'
import openapi from './plugins/openapi.js'
import organizationsRest from './plugins/organizations-rest.js'
import trpc from './plugins/trpc.js'
import { requestIdFor } from './request-id.js'

export interface AppOptions {
  dependencies: ApiDependencies
  database: DatabaseHandle
  logger: Logger
  /** Present when the server runs its own issuer instead of Auth0. */
  localIssuer?: LocalIssuer | undefined
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number
  /** Time allowed for a whole request, headers and body included, in milliseconds. */
  requestTimeoutMs: number
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs,
    return503OnClosing: true,
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id)
  })

  await app.register(errorEnvelope)
  await app.register(health, { database: options.database })
  await app.register(organizationsRest, { dependencies: options.dependencies })
  await app.register(trpc, { prefix: '/trpc', dependencies: options.dependencies })
  await app.register(idempotencyCleanup, { db: options.dependencies.db })
  await app.register(openapi)
  if (options.localIssuer) {
    await app.register(localIssuerRoutes, { issuer: options.localIssuer })
  }
  return app
}
