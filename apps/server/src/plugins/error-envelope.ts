/** Renders every REST failure, including unknown paths, in the shared error envelope. */

import { ServiceError } from '@cail/api'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendFailure } from '../errors.js'

async function errorEnvelope(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error, request, reply) => sendFailure(error, request, reply))

  app.setNotFoundHandler((request, reply) =>
    sendFailure(
      new ServiceError(
        404,
        'not_found',
        `no route for ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}; the REST API serves POST /v1/organizations`,
      ),
      request,
      reply,
    ),
  )
}

export default fp(errorEnvelope, { name: 'error-envelope' })
