import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

// Accept a caller's id only when it is short and cannot break a log line or a header.
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Uses the request's `X-Request-Id` when it is sane, else a new UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id']
  if (typeof header === 'string' && SANE_REQUEST_ID.test(header)) {
    return header
  }
  return randomUUID()
}
