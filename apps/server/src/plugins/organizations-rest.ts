/** REST adapter: `POST /v1/organizations` calls the tRPC procedure in-process through createCaller. */
import {
  type ApiDependencies,
  createCaller,
  createContext,
  type RouterInputs,
  type RouterOutputs,
  ServiceError,
} from '@cail/api'
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import { decodeJsonText, rejectAmbiguousJson } from '../json-body.js'

export interface OrganizationsRestOptions {
  dependencies: ApiDependencies
}

type CreateInput = RouterInputs['organizations']['create']

const PATH = '/v1/organizations'
const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

const organizationsRest: FastifyPluginAsync<OrganizationsRestOptions> = async (
  app,
  { dependencies },
) => {
  acceptJsonOrEmptyBody(app)

  app.post(PATH, async (request, reply) => {
    const context = createContext(dependencies, {
      authorization: request.headers.authorization,
      requestId: request.id,
      logger: request.log,
      idempotencyKey: request.headers['idempotency-key'],
    })
    const caller = createCaller(context)

    let organization: RouterOutputs['organizations']['create']
    try {
      // An empty body arrives as undefined and means {}; zod validates everything else, so a
      // JSON `null` body is rejected as not an object.
      const body = request.body === undefined ? {} : request.body
      organization = await caller.organizations.create(body as CreateInput)
    } finally {
      // Set before the error handler runs too, so that a replayed failure carries
      // Idempotency-Replayed.
      reply.headers(Object.fromEntries(context.responseHeaders))
    }
    return reply.code(200).send(organization)
  })

  app.route({
    method: [...OTHER_METHODS],
    url: PATH,
    handler: async (request, reply) => {
      reply.header('Allow', 'POST')
      throw methodNotAllowed(request)
    },
  })
}

/**
 * Accepts only JSON bodies in this plugin's scope (anything else is a 415). An empty body
 * becomes undefined instead of a 400. Bodies that are not UTF-8, nest too deep, repeat a key or
 * have a `__proto__` or `constructor.prototype` key are rejected as invalid JSON.
 */
function acceptJsonOrEmptyBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined)
      return
    }

    let text: string
    try {
      text = decodeJsonText(body as Buffer)
    } catch (error) {
      done(error as Error)
      return
    }

    parseJson(request, text, (error, value) => {
      if (error) {
        done(error)
        return
      }
      try {
        rejectAmbiguousJson(text, value)
      } catch (rejection) {
        done(rejection as Error)
        return
      }
      done(null, value)
    })
  })
}

function methodNotAllowed(request: FastifyRequest): ServiceError {
  return new ServiceError(
    405,
    'method_not_allowed',
    `${request.method} is not allowed on ${PATH}; use POST`,
  )
}

export default organizationsRest
