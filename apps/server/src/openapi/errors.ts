/** Zod schemas of the REST error envelope and the OpenAPI responses built from them. */
import { STATUS_CODES } from 'node:http'
import type { ErrorCode } from '@cail/api'
import { z } from 'zod'
import type { ZodOpenApiResponseObject } from 'zod-openapi'
import { requestIdResponseHeader } from './headers.js'

const errorMeta = z
  .object({
    requestId: z.string().meta({ description: 'The `X-Request-Id` response header value.' }),
    timestamp: z.iso
      .datetime()
      .meta({ description: 'When the failure was reported, ISO 8601 in UTC.' }),
  })
  .meta({ id: 'ErrorMeta' })

/** Envelope of a failure with a `code`; `id` names its schema component. */
function errorEnvelope(status: number, codes: readonly [ErrorCode, ...ErrorCode[]], id: string) {
  const message = codes.includes('validation_failed')
    ? z.union([z.string(), z.array(z.string())]).meta({
        description:
          'What failed and what to do next. An array with one entry per problem for `validation_failed`, a string otherwise.',
      })
    : z.string().meta({ description: 'What failed and what to do next.' })

  return z
    .object({
      statusCode: z.literal(status),
      message,
      error: z.string().meta({
        description: 'Reason phrase of the status.',
        examples: [STATUS_CODES[status]],
      }),
      code: z.enum(codes).meta({ description: 'Stable machine label; branch on this field.' }),
      meta: errorMeta,
    })
    .meta({ id })
}

const internalErrorEnvelope = z
  .object({
    statusCode: z.literal(500),
    message: z.literal('Internal server error'),
    meta: errorMeta,
  })
  .meta({
    id: 'InternalError',
    description: 'An unexpected failure; the details go to the server log with the request id.',
  })

interface ErrorResponseOptions {
  description: string
  codes: readonly [ErrorCode, ...ErrorCode[]]
  /** Schema component name of the envelope. */
  id: string
  /** Headers besides `X-Request-Id`. */
  headers?: Record<string, z.ZodType>
}

export function errorResponse(
  status: number,
  options: ErrorResponseOptions,
): ZodOpenApiResponseObject {
  return {
    description: options.description,
    headers: z.object({ ...requestIdResponseHeader, ...options.headers }),
    content: {
      'application/json': { schema: errorEnvelope(status, options.codes, options.id) },
    },
  }
}

export const internalErrorResponse: ZodOpenApiResponseObject = {
  description: 'Unexpected server error. The body has no `code` and no details.',
  headers: z.object(requestIdResponseHeader),
  content: { 'application/json': { schema: internalErrorEnvelope } },
}
