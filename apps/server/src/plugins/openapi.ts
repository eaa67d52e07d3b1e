/**
 * Publishes the OpenAPI document at `/openapi.json` and an interactive reference at `/docs`.
 * Swagger UI's scripts and styles come from the @fastify/swagger-ui package, so the page works
 * without network access beyond this server.
 */
import fastifySwagger, { type StaticDocumentSpec } from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyPluginAsync } from 'fastify'
import { buildOpenApiDocument } from '../openapi/document.js'

export const OPENAPI_PATH = '/openapi.json'
export const DOCS_PATH = '/docs'

// Everything the page loads must come from this origin; data: covers Swagger UI's inline icons.
const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join('; ')

const openapi: FastifyPluginAsync = async (app) => {
  const document = buildOpenApiDocument()
  const body = JSON.stringify(document)

  app.get(OPENAPI_PATH, async (_request, reply) => {
    return reply.type('application/json; charset=utf-8').send(body)
  })

  // Static mode serves the given document as it is and adds nothing from the routes. Its
  // types list OpenAPI 2 and 3.0 documents only, hence the cast of this 3.1 document.
  await app.register(fastifySwagger, {
    mode: 'static',
    specification: { document: document as unknown as StaticDocumentSpec['document'] },
  })
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    staticCSP: DOCS_CONTENT_SECURITY_POLICY,
    theme: { title: 'CAIL organisations API reference' },
    uiConfig: { deepLinking: true, defaultModelsExpandDepth: 1 },
  })
}

export default openapi
