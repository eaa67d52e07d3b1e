/** Assembles the Fastify application from its plugins; start.ts opens what it needs and listens. */
import { type ApiDependencies, type DatabaseHandle, ServiceUnavailableError } from '@cail/api'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { handleClientError, releaseRequestSocket, trackRequestSocket } from './client-errors.js'
import { sendFailure } from './errors.js'
import type { LocalIssuer } from './local-issuer/local-issuer.js'
import errorEnvelope from './plugins/error-envelope.js'
import health from './plugins/health.js'
import idempotencyCleanup from './plugins/idempotency-cleanup.js'
import localIssuerRoutes from './plugins/local-issuer.js'
import openapi from './plugins/openapi.js'
import organizationsRest from './plugins/organizations-rest.js'
import trpc from './plugins/trpc.js'
import webClient from './plugins/web-client.js'
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
  /** Time allowed for the request line and headers, in milliseconds; at most requestTimeoutMs. */
  headersTimeoutMs?: number
  /** Folder of the built web client, served at `/`; undefined serves no page. */
  webRoot?: string | undefined
}

// How often Node checks the header and request timeouts, in milliseconds (Node's default is
// 30000, which would let a slow client hold a connection for 30 s past its timeout).
const TIMEOUT_CHECK_INTERVAL_MS = 1_000

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(options.headersTimeoutMs ?? 10_000, options.requestTimeoutMs),
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    clientErrorHandler: handleClientError,
    // Fastify's own routing failures (an undecodable path) get the error envelope too.
    frameworkErrors: (error, request, reply) => {
      reply.header('X-Request-Id', request.id)
      sendFailure(error, request, reply)
    },
    // tRPC batches put every procedure name in one path segment, so 100 characters (the
    // default) is too short for a batch of six calls.
    routerOptions: { maxParamLength: 8_192 },
    // Requests that arrive while closing get the error envelope from the hook below instead.
    return503OnClosing: false,
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id)
    // API responses and minted tokens are per caller; routes that can be cached set their own header.
    reply.header('Cache-Control', 'no-store')
    trackRequestSocket(request.raw.socket, request.id)
  })
  app.addHook('onResponse', (request, _reply, done) => {
    releaseRequestSocket(request.raw)
    done()
  })
  rejectRequestsWhileClosing(app)

  await app.register(errorEnvelope)
  await app.register(health, { database: options.database })
  await app.register(organizationsRest, { dependencies: options.dependencies })
  await app.register(trpc, { prefix: '/trpc', dependencies: options.dependencies })
  await app.register(idempotencyCleanup, { db: options.dependencies.db })
  await app.register(openapi)
  if (options.localIssuer) {
    await app.register(localIssuerRoutes, { issuer: options.localIssuer })
  }
  if (options.webRoot) {
    await app.register(webClient, { root: options.webRoot })
  }
  return app
}

/**
 * After close() starts, responds to new requests on open keep-alive connections with a 503 and
 * `Connection: close`, and closes each connection after its in-flight response, so that the
 * server drains instead of waiting for idle sockets to time out.
 */
function rejectRequestsWhileClosing(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) {
      reply.header('Connection', 'close')
      throw new ServiceUnavailableError(
        'the server is shutting down; retry the request on a new connection',
        { retryAfterSeconds: 1 },
      )
    }
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) {
      reply.header('Connection', 'close')
    }
  })
}
