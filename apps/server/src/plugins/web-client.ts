/**
 * Serves the built web client (`apps/web/dist`) at `/` on the API's origin, with an SPA
 * fallback to `index.html` for page paths. API paths never fall back, so an unknown API path
 * still gets the JSON 404 envelope.
 */
import { extname, join, sep } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'

export interface WebClientOptions {
  /** Absolute path of the folder with `index.html` and `assets/`. */
  root: string
}

/** Path prefixes that belong to the API, its documentation or the local issuer, never to the page. */
export const API_PATH_PREFIXES = [
  '/trpc',
  '/v1',
  '/local-issuer',
  '/.well-known',
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/docs',
]

const webClient: FastifyPluginAsync<WebClientOptions> = async (app, { root }) => {
  // Vite puts a content hash in every file name under assets/, so those files never change.
  const immutableFolder = join(root, 'assets') + sep

  await app.register(fastifyStatic, {
    root,
    // One route per file found at start-up, so that the fallback below can own `/*`.
    wildcard: false,
    index: 'index.html',
    cacheControl: false,
    setHeaders(reply, path) {
      const immutable = path.startsWith(immutableFolder)
      reply.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })

  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    if (isApiPath(path) || extname(path) !== '' || !acceptsHtml(request.headers.accept)) {
      return reply.callNotFound()
    }
    reply.header('Cache-Control', 'no-cache')
    return reply.sendFile('index.html')
  })
}

function isApiPath(path: string): boolean {
  return API_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))
}

// Browsers navigating to a page send text/html; API clients and fetch() default to */* or JSON.
function acceptsHtml(accept: string | undefined): boolean {
  return accept?.includes('text/html') ?? false
}

export default webClient
