/**
 * Builds the OpenAPI 3.1 document of the REST API from the zod schemas that the procedure
 * validates with, so the document cannot drift from the code.
 */
import { createOrganizationInput, organizationOutput } from '@cail/api'
import { z } from 'zod'
import { createDocument, type oas31, type ZodOpenApiOperationObject } from 'zod-openapi'
import { errorResponse, internalErrorResponse } from './errors.js'
import {
  allowHeader,
  bearerChallengeHeader,
  inProgressRetryAfterHeader,
  replayedResponseHeader,
  requestHeaders,
  requestIdResponseHeader,
  retryAfterHeader,
  scopeChallengeHeader,
} from './headers.js'

export const ORGANIZATIONS_PATH = '/v1/organizations'

const DESCRIPTION = `Creates the CAIL organisation of an Auth0 organisation.

Every failure has a JSON error envelope with a stable \`code\`. Besides the responses listed on
the operation, any unknown path returns the \`NotFound\` response (404 \`not_found\`), and any method
other than POST on \`${ORGANIZATIONS_PATH}\` returns the \`MethodNotAllowed\` response
(405 \`method_not_allowed\` with \`Allow: POST\`).

Retries are safe with an \`Idempotency-Key\` header: the first response to a key is stored,
unless it is a 401, 403 or 5xx, and a retry with the same key and body gets it again.`

const createOperation = {
  operationId: 'create',
  summary: 'Create an organisation',
  description:
    "Creates the CAIL organisation of the caller's Auth0 organisation (the token's `org_id`). Every body field is optional and falls back to the token's claims; an empty body is the same as `{}`. Each Auth0 organisation can create one CAIL organisation. The token must grant the `create:organizations` permission unless the server is configured otherwise.",
  tags: ['organizations'],
  security: [{ auth0Bearer: [] }],
  requestParams: { header: requestHeaders },
  requestBody: {
    required: false,
    content: {
      'application/json': {
        schema: createOrganizationInput.meta({ id: 'CreateOrganizationRequest' }),
      },
    },
  },
  responses: {
    '200': {
      description: 'The organisation was created, or this is the stored response to the key.',
      headers: z.object({ ...requestIdResponseHeader, ...replayedResponseHeader }),
      content: {
        'application/json': { schema: organizationOutput.meta({ id: 'Organization' }) },
      },
    },
    '400': errorResponse(400, {
      description:
        'Invalid JSON, a body that is not an object, an unknown field, an invalid value or `Idempotency-Key`, an unknown jurisdiction, or a value missing from both body and token.',
      codes: ['invalid_json', 'validation_failed', 'unknown_jurisdiction'],
      id: 'BadRequestError',
      headers: replayedResponseHeader,
    }),
    '401': errorResponse(401, {
      description:
        'No token, a malformed `Authorization` header, or a token that failed verification (signature, issuer, audience, expiry, algorithm).',
      codes: ['invalid_token'],
      id: 'UnauthorizedError',
      headers: bearerChallengeHeader,
    }),
    '403': errorResponse(403, {
      description:
        "The token has no Auth0 organisation (`org_id`), lacks the permission, or names another jurisdiction than the body's.",
      codes: ['missing_organization_context', 'insufficient_permission', 'jurisdiction_mismatch'],
      id: 'ForbiddenError',
      headers: scopeChallengeHeader,
    }),
    '409': errorResponse(409, {
      description:
        'The Auth0 organisation already has a CAIL organisation (`organization_exists`, with its id in the message), or the `Idempotency-Key` was used with a different body or its first request is still in progress (`conflict`).',
      codes: ['organization_exists', 'conflict'],
      id: 'ConflictError',
      headers: { ...replayedResponseHeader, ...inProgressRetryAfterHeader },
    }),
    '413': errorResponse(413, {
      description: 'The body is larger than the limit (16 KiB unless configured otherwise).',
      codes: ['payload_too_large'],
      id: 'PayloadTooLargeError',
    }),
    '415': errorResponse(415, {
      description: 'A body was sent with a content type other than `application/json`.',
      codes: ['unsupported_media_type'],
      id: 'UnsupportedMediaTypeError',
    }),
    '500': internalErrorResponse,
    '503': errorResponse(503, {
      description:
        "The database is unreachable, or the issuer's key set cannot be fetched for a key that is not cached.",
      codes: ['service_unavailable'],
      id: 'ServiceUnavailableError',
      headers: retryAfterHeader,
    }),
  },
} satisfies ZodOpenApiOperationObject

/** Builds the document served at `/openapi.json`. */
export function buildOpenApiDocument(): oas31.OpenAPIObject {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'CAIL organisations API',
      version: '1.0.0',
      description: DESCRIPTION,
    },
    tags: [{ name: 'organizations', description: 'Operator organisations.' }],
    paths: {
      [ORGANIZATIONS_PATH]: { post: createOperation },
    },
    components: {
      securitySchemes: {
        auth0Bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "An Auth0 access token for this API's audience, signed with an allowed asymmetric algorithm (RS256 by default).",
        },
      },
      responses: {
        NotFound: errorResponse(404, {
          description: 'No route for this method and path.',
          codes: ['not_found'],
          id: 'NotFoundError',
        }),
        MethodNotAllowed: errorResponse(405, {
          description: `The path exists but does not support this method; \`${ORGANIZATIONS_PATH}\` supports POST only.`,
          codes: ['method_not_allowed'],
          id: 'MethodNotAllowedError',
          headers: allowHeader,
        }),
      },
    },
  })
}
