/**
 * Reads a failed tRPC call into what the page shows. Decisions use the structured error data
 * (`code`, `httpStatus`, `issues`), never the message text.
 */
import { TRPCClientError } from '@trpc/client'
import type { ApiClientError, CreateOrganizationInput } from './types'

export type FailureKind =
  | 'network'
  | 'unauthenticated'
  | 'invalid'
  | 'forbidden'
  | 'conflict'
  | 'unavailable'
  | 'unexpected'

export type FormField = keyof CreateOrganizationInput

export interface FailureIssue {
  /** The create form's field the problem concerns; undefined when it concerns no single field. */
  field: FormField | undefined
  message: string
}

export interface ApiFailure {
  kind: FailureKind
  /** The server's stable error code, such as `validation_failed`; undefined for network failures. */
  code: string | undefined
  /** One sentence for the whole failure. */
  summary: string
  issues: FailureIssue[]
  requestId: string | undefined
}

const FORM_FIELDS: readonly FormField[] = ['name', 'typeCode', 'jurisdictionId']

const NETWORK_SUMMARY =
  'The server could not be reached. Check your connection and try again; what you entered is kept.'

/** Classifies anything a tRPC call rejected with. */
export function readApiFailure(error: unknown): ApiFailure {
  const data = error instanceof TRPCClientError ? (error as ApiClientError).data : undefined
  if (!data) {
    // No error data means no tRPC error response arrived: the browser is offline, the connection
    // was refused, or a proxy returned something other than JSON.
    return {
      kind: 'network',
      code: undefined,
      summary: NETWORK_SUMMARY,
      issues: [],
      requestId: undefined,
    }
  }

  const issues = data.issues.map((issue) => ({
    field: toFormField(issue.path[0]),
    message: issue.message,
  }))
  const kind = kindForStatus(data.httpStatus, data.code)
  return {
    kind,
    code: data.code,
    summary: summaryFor(kind, data.messages, data.requestId),
    issues,
    requestId: data.requestId,
  }
}

function kindForStatus(status: number, code: string): FailureKind {
  if (status === 401) {
    return 'unauthenticated'
  }
  if (status === 409 && code === 'organization_exists') {
    return 'conflict'
  }
  if (status === 400) {
    return 'invalid'
  }
  if (status === 403) {
    return 'forbidden'
  }
  if (status === 503) {
    return 'unavailable'
  }
  return 'unexpected'
}

function summaryFor(kind: FailureKind, messages: string[], requestId: string | undefined): string {
  switch (kind) {
    case 'invalid':
      return messages.length === 1
        ? 'There is a problem with what you entered.'
        : `There are ${messages.length} problems with what you entered.`
    case 'unavailable':
      return 'The service is unavailable right now. Try again in a few seconds.'
    case 'unexpected':
      return `Something went wrong on the server${requestId ? ` (request id ${requestId})` : ''}. Try again later.`
    default:
      return messages[0] ?? 'The request failed.'
  }
}

function toFormField(segment: string | undefined): FormField | undefined {
  return FORM_FIELDS.find((field) => field === segment)
}
