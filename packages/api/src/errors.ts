/**
 * Typed failures of the organisations API. Each has a stable `code` and HTTP `status`, and
 * both transports (tRPC and REST) render them from these fields, never from the message text.
 */

/** Stable machine labels sent to callers as `code`. Adding a label is a compatible change. */
export type ErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'unknown_jurisdiction'
  | 'invalid_token'
  | 'missing_organization_context'
  | 'insufficient_permission'
  | 'jurisdiction_mismatch'
  | 'not_found'
  | 'method_not_allowed'
  | 'organization_exists'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'malformed_request'
  | 'request_timeout'
  | 'headers_too_large'
  | 'service_unavailable'
  | 'local_issuer_loopback_only'
  | 'internal_error'

/** One problem with a request, with the request field it concerns. */
export interface ErrorIssue {
  /** Path of the field in the request body, such as `['name']`; empty when no single field is at fault. */
  readonly path: readonly string[]
  readonly message: string
}

export interface ServiceErrorOptions {
  /** One entry per problem; validation failures may have several. A plain string names no field. */
  messages?: readonly (string | ErrorIssue)[]
  /** Response headers the failure requires, such as `WWW-Authenticate` or `Retry-After`. */
  headers?: Readonly<Record<string, string>>
  cause?: unknown
}

/** Base class of every failure that is reported to the caller as it is. */
export class ServiceError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly messages: readonly string[]
  /** The same problems as `messages`, in the same order, each with its field path. */
  readonly issues: readonly ErrorIssue[]
  readonly headers: Readonly<Record<string, string>>

  constructor(status: number, code: ErrorCode, message: string, options: ServiceErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.status = status
    this.code = code
    this.issues = (options.messages ?? [message]).map(toIssue)
    this.messages = this.issues.map((issue) => issue.message)
    this.headers = options.headers ?? {}
  }
}

function toIssue(entry: string | ErrorIssue): ErrorIssue {
  return typeof entry === 'string' ? { path: [], message: entry } : entry
}

/** 400: the request is malformed or a value breaks a rule. `messages` has one entry per problem. */
export class ValidationError extends ServiceError {
  constructor(
    messages: readonly (string | ErrorIssue)[],
    code: 'validation_failed' | 'invalid_json' = 'validation_failed',
  ) {
    super(400, code, messages.map((entry) => toIssue(entry).message).join('; '), { messages })
  }
}

/** 400: the jurisdiction id is not one of the supported ones. */
export class UnknownJurisdictionError extends ServiceError {
  readonly jurisdictionId: string

  constructor(jurisdictionId: string, supportedIds: readonly string[]) {
    const message = `jurisdictionId ${JSON.stringify(jurisdictionId)} is not a supported jurisdiction; use one of ${supportedIds.join(', ')}`
    super(400, 'unknown_jurisdiction', message, {
      messages: [{ path: ['jurisdictionId'], message }],
    })
    this.jurisdictionId = jurisdictionId
  }
}

const REALM = 'cail'

/** 401: no usable bearer token. `description` is safe to send; it never contains the token. */
export class AuthenticationError extends ServiceError {
  /** Whether a bearer token was presented; RFC 6750 omits the `error` attribute when none was. */
  readonly tokenPresented: boolean

  constructor(description: string, options: { tokenPresented: boolean; cause?: unknown }) {
    const challenge = options.tokenPresented
      ? `Bearer realm="${REALM}", error="invalid_token", error_description="${quote(description)}"`
      : `Bearer realm="${REALM}"`
    super(401, 'invalid_token', description, {
      headers: { 'WWW-Authenticate': challenge },
      cause: options.cause,
    })
    this.tokenPresented = options.tokenPresented
  }
}

/** 403: the caller is authenticated but may not perform the operation. */
export class ForbiddenError extends ServiceError {
  constructor(
    code: 'missing_organization_context' | 'insufficient_permission' | 'jurisdiction_mismatch',
    message: string,
    options: { requiredScope?: string; field?: string } = {},
  ) {
    const headers: Record<string, string> = {}
    if (options.requiredScope !== undefined) {
      headers['WWW-Authenticate'] =
        `Bearer realm="${REALM}", error="insufficient_scope", error_description="${quote(message)}", scope="${quote(options.requiredScope)}"`
    }
    const path = options.field === undefined ? [] : [options.field]
    super(403, code, message, { headers, messages: [{ path, message }] })
  }
}

/** 409: the Auth0 organisation already has a CAIL organisation. */
export class OrganizationExistsError extends ServiceError {
  readonly existingId: string | undefined

  constructor(auth0OrganizationId: string, existingId: string | undefined) {
    const which = existingId ? ` (id ${existingId})` : ''
    super(
      409,
      'organization_exists',
      `Auth0 organisation ${auth0OrganizationId} already has a CAIL organisation${which}; each Auth0 organisation can create one`,
    )
    this.existingId = existingId
  }
}

/** 503: a dependency (database, issuer key set) cannot be reached; retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends ServiceError {
  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(503, 'service_unavailable', message, {
      headers: { 'Retry-After': String(options.retryAfterSeconds ?? 5) },
      cause: options.cause,
    })
  }
}

// Header parameter values are quoted strings (RFC 9110 section 5.6.4); drop what would end them.
function quote(value: string): string {
  return value.replace(/[\\"\r\n]/g, ' ')
}
