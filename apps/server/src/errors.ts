/** Converts anything thrown while serving a request into the REST error envelope. */
import { STATUS_CODES } from 'node:http'
import {
  readDatabaseFailure,
  ServiceError,
  ServiceUnavailableError,
  toServiceError,
  ValidationError,
} from '@cail/api'
import { TRPCError } from '@trpc/server'
import type { FastifyReply, FastifyRequest } from 'fastify'

export interface ErrorEnvelope {
  statusCode: number
  message: string | string[]
  error?: string
  code?: string
  meta: { requestId: string; timestamp: string }
}

interface FastifyErrorLike {
  code?: string
  statusCode?: number
  message: string
}

/**
 * Returns the ServiceError that `error` stands for, or undefined for an unexpected failure
 * that must be reported as a bare 500 and logged in full.
 */
export function describeFailure(error: unknown, request: FastifyRequest): ServiceError | undefined {
  if (error instanceof ServiceError) {
    return error
  }
  if (error instanceof TRPCError) {
    return toServiceError(error)
  }
  if (readDatabaseFailure(error)?.unavailable) {
    return new ServiceUnavailableError('the database is unavailable; retry shortly', {
      cause: error,
    })
  }
  if (error instanceof Error) {
    return describeFastifyError(error as FastifyErrorLike, request)
  }
  return undefined
}

function describeFastifyError(
  error: FastifyErrorLike,
  request: FastifyRequest,
): ServiceError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const contentType = request.headers['content-type']
      const problem =
        contentType === undefined
          ? 'request body has no Content-Type'
          : `Content-Type ${JSON.stringify(contentType)} is not supported`
      return new ServiceError(
        415,
        'unsupported_media_type',
        `${problem}; send the body as application/json`,
      )
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServiceError(
        413,
        'payload_too_large',
        'request body is too large; the limit is set by BODY_LIMIT_BYTES',
      )
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ValidationError(
        [
          'request body is not valid JSON or contains a __proto__ or constructor.prototype key; send a JSON object such as {}',
        ],
        'invalid_json',
      )
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ValidationError(['Content-Length does not match the request body'])
  }

  if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_ASYNC_CONSTRAINT') {
    return new ServiceError(
      400,
      'malformed_request',
      'the request URL is not valid; percent-encode reserved characters in the path',
    )
  }

  const status = error.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    return new ServiceError(
      status,
      status === 404 ? 'not_found' : 'validation_failed',
      error.message,
    )
  }
  return undefined
}

/** Builds the envelope; validation failures carry a message array, other failures a string. */
export function buildEnvelope(failure: ServiceError | undefined, requestId: string): ErrorEnvelope {
  const meta = { requestId, timestamp: new Date().toISOString() }
  if (!failure) {
    return { statusCode: 500, message: 'Internal server error', meta }
  }
  return {
    statusCode: failure.status,
    message: failure.code === 'validation_failed' ? [...failure.messages] : failure.message,
    error: STATUS_CODES[failure.status] ?? 'Error',
    code: failure.code,
    meta,
  }
}

/** Sends the envelope with the failure's headers and logs the failure once, at a level by severity. */
export function sendFailure(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  // The body stopped arriving because the connection closed: the client went away, or the
  // server already rejected the connection (a 408 from the request timeout), which logged it.
  // Node reports that as ECONNRESET, which must not read as a database failure.
  if (request.raw.readableAborted) {
    request.log.debug({ errorCode: (error as FastifyErrorLike).code }, 'request body aborted')
    return reply.code(400).send()
  }

  const failure = describeFailure(error, request)
  logFailure(error, failure, request)

  const envelope = buildEnvelope(failure, request.id)
  if (failure) {
    reply.headers(failure.headers)
  }
  if (failure?.code === 'payload_too_large') {
    discardRestOfBody(request, reply)
  }
  return reply.code(envelope.statusCode).type('application/json; charset=utf-8').send(envelope)
}

/**
 * Reads and discards the rest of an oversized body instead of closing the connection. Fastify
 * 5 responds to a body parser error with `Connection: close` without reading the rest, and a socket
 * closed with unread data is reset by the kernel, so a client still uploading would often lose
 * the 413. REQUEST_TIMEOUT_MS bounds the reading: if the rest never arrives, the connection is
 * closed then, without a second response.
 */
function discardRestOfBody(request: FastifyRequest, reply: FastifyReply): void {
  reply.removeHeader('connection')
  request.raw.resume()
}

function logFailure(
  error: unknown,
  failure: ServiceError | undefined,
  request: FastifyRequest,
): void {
  if (!failure) {
    request.log.error({ err: error }, 'request failed with an unexpected error')
    return
  }
  const details = { code: failure.code, statusCode: failure.status, reason: failure.message }
  if (failure.status >= 500) {
    request.log.warn(
      { ...details, err: failure.cause ?? failure },
      'request failed: dependency unavailable',
    )
  } else {
    request.log.info(details, 'request rejected')
  }
}
