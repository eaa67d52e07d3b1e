/** Serves the router over tRPC's HTTP protocol at `/trpc`. */
import {
  type ApiDependencies,
  type AppRouter,
  appRouter,
  createContext,
  toServiceError,
} from '@cail/api'
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify'
import type { FastifyPluginAsync } from 'fastify'

export interface TrpcOptions {
  dependencies: ApiDependencies
}

const trpc: FastifyPluginAsync<TrpcOptions> = async (app, { dependencies }) => {
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router: appRouter,
    createContext: ({ req }) =>
      createContext(dependencies, {
        authorization: req.headers.authorization,
        requestId: req.id,
        logger: req.log,
        idempotencyKey: req.headers['idempotency-key'],
      }),
    onError({ error, path, req }) {
      const failure = toServiceError(error)
      if (!failure) {
        req.log.error({ err: error, path }, 'tRPC call failed with an unexpected error')
      } else if (failure.status >= 500) {
        req.log.warn(
          { code: failure.code, path, err: failure.cause ?? failure },
          'tRPC call failed: dependency unavailable',
        )
      } else {
        req.log.info({ code: failure.code, path, reason: failure.message }, 'tRPC call rejected')
      }
    },
    // The same WWW-Authenticate, Retry-After and Idempotency-Replayed headers as the REST
    // adapter sends.
    responseMeta({ ctx, errors }) {
      const headers = new Headers(ctx ? [...ctx.responseHeaders] : [])
      for (const error of errors) {
        for (const [name, value] of Object.entries(toServiceError(error)?.headers ?? {})) {
          headers.set(name, value)
        }
      }
      return { headers }
    },
  }

  await app.register(fastifyTRPCPlugin, { trpcOptions })
}

export default trpc
