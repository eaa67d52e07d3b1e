/** Maps every tRPC failure to a ServiceError, so both transports report the same code and status. */
import { TRPCError } from '@trpc/server'
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'
import { readDatabaseFailure } from '../db/errors.js'
import { ServiceError, ServiceUnavailableError, ValidationError } from '../errors.js'

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  503: 'SERVICE_UNAVAILABLE',
}

export function trpcCodeForStatus(status: number): TRPC_ERROR_CODE_KEY {
  return TRPC_CODE_BY_STATUS[status] ?? 'INTERNAL_SERVER_ERROR'
}

// The parts of a zod issue this module reads; `path` elements are property keys.
interface IssueLike {
  message: string
  path?: readonly PropertyKey[]
}

function readIssues(cause: unknown): IssueLike[] | undefined {
  if (cause && typeof cause === 'object' && 'issues' in cause && Array.isArray(cause.issues)) {
    return cause.issues as IssueLike[]
  }
  return undefined
}

/**
 * Returns the ServiceError that `error` stands for, or undefined for an unexpected failure
 * (a bug or an unknown dependency error), which callers must report as a bare 500.
 */
export function toServiceError(error: TRPCError): ServiceError | undefined {
  const cause = error.cause
  if (cause instanceof ServiceError) {
    return cause
  }

  const issues = readIssues(cause)
  if (error.code === 'BAD_REQUEST' && issues) {
    return new ValidationError(
      issues.map((issue) => ({ path: (issue.path ?? []).map(String), message: issue.message })),
    )
  }

  // tRPC 11 reports a body that JSON.parse rejects as BAD_REQUEST with the SyntaxError as cause.
  if (error.code === 'BAD_REQUEST' && cause instanceof SyntaxError) {
    return invalidJson()
  }

  if (readDatabaseFailure(cause)?.unavailable) {
    return new ServiceUnavailableError('the database is unavailable; retry shortly', { cause })
  }

  switch (error.code) {
    case 'PARSE_ERROR':
      return invalidJson()
    case 'BAD_REQUEST':
      return new ValidationError([error.message])
    case 'NOT_FOUND':
      return new ServiceError(404, 'not_found', error.message)
    case 'METHOD_NOT_SUPPORTED':
      return new ServiceError(405, 'method_not_allowed', error.message)
    case 'PAYLOAD_TOO_LARGE':
      return new ServiceError(413, 'payload_too_large', 'request body is too large')
    case 'UNSUPPORTED_MEDIA_TYPE':
      return new ServiceError(415, 'unsupported_media_type', error.message)
    default:
      return undefined
  }
}

function invalidJson(): ValidationError {
  return new ValidationError(['request body is not valid JSON; send a JSON object'], 'invalid_json')
}

/** Rebuilds `error` as a TRPCError whose code matches its ServiceError's status. */
export function normalizeTRPCError(error: TRPCError): TRPCError {
  const serviceError = toServiceError(error)
  if (
    !serviceError ||
    (error.cause === serviceError && error.code === trpcCodeForStatus(serviceError.status))
  ) {
    return error
  }
  return new TRPCError({
    code: trpcCodeForStatus(serviceError.status),
    message: serviceError.message,
    cause: serviceError,
  })
}
