/**
 * REST helpers for the HTTP suites: send one request with fetch, check the response against the
 * OpenAPI document, read its body, and check the error envelope that every REST failure carries.
 */
import { STATUS_CODES } from 'node:http'
import { connect } from 'node:net'
import { expect } from 'vitest'
import { readDocumentedResponse } from './openapi.js'

export const ORGANIZATIONS_PATH = '/v1/organizations'

/** Shape of every REST failure body. */
export interface ErrorEnvelope {
  statusCode: number
  message: string | string[]
  error: string
  code: string
  meta: { requestId: string; timestamp: string }
}

export interface HttpResult {
  status: number
  headers: Headers
  /** The raw response body. */
  text: string
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown
}

export interface RestRequest {
  method?: string
  /** Path and query. Default `/v1/organizations`. */
  path?: string
  /** Sent as `Authorization: Bearer <token>` unless `authorization` is given. */
  token?: string
  /** Raw `Authorization` value, for malformed headers. */
  authorization?: string
  /** Serialised with JSON.stringify and sent as application/json. */
  json?: unknown
  /** Sent as it is. No Content-Type is added for a Uint8Array. */
  body?: string | Uint8Array | ReadableStream<Uint8Array>
  headers?: Record<string, string>
}

/**
 * Sends one request to the test server and reads the whole response. A REST response (any path
 * outside `/trpc/`, any method but HEAD) must also match the server's OpenAPI document.
 */
export async function sendRest(baseUrl: string, request: RestRequest): Promise<HttpResult> {
  const headers = new Headers(request.headers)
  const authorization =
    request.authorization ?? (request.token === undefined ? undefined : `Bearer ${request.token}`)
  if (authorization !== undefined) {
    headers.set('authorization', authorization)
  }

  let body = request.body
  if (request.json !== undefined) {
    body = JSON.stringify(request.json)
    if (!headers.has('content-type')) {
      headers.set('content-type', 'application/json')
    }
  }

  const init: RequestInit & { duplex?: 'half' } = {
    method: request.method ?? 'POST',
    headers,
    body,
  }
  if (body instanceof ReadableStream) {
    // Node's fetch streams a request body only in half-duplex mode, with chunked encoding.
    init.duplex = 'half'
  }

  const path = request.path ?? ORGANIZATIONS_PATH
  const response = await fetch(`${baseUrl}${path}`, init)
  if (isRestPath(path) && init.method !== 'HEAD') {
    await readDocumentedResponse(response.clone(), init.method ?? 'POST')
  }
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: parseJson(text) }
}

// tRPC responses follow tRPC's protocol, which the OpenAPI document does not describe.
function isRestPath(path: string): boolean {
  return !path.startsWith('/trpc/')
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Checks the status and the full error envelope of a failed response and returns the envelope:
 * the reason phrase, the stable code, the request id that matches `X-Request-Id`, and a UTC
 * ISO 8601 timestamp.
 */
export function expectErrorEnvelope(
  result: HttpResult,
  expected: { status: number; code: string },
): ErrorEnvelope {
  expect(result.status).toBe(expected.status)
  expect(result.headers.get('content-type')).toMatch(/^application\/json\b/)

  const envelope = result.json as ErrorEnvelope
  expect(envelope.statusCode).toBe(expected.status)
  expect(envelope.error).toBe(STATUS_CODES[expected.status])
  expect(envelope.code).toBe(expected.code)
  expect(typeof envelope.message === 'string' || Array.isArray(envelope.message)).toBe(true)
  expect(envelope.meta.requestId).toBe(result.headers.get('x-request-id'))
  expect(envelope.meta.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  expect(new Date(envelope.meta.timestamp).toISOString()).toBe(envelope.meta.timestamp)
  return envelope
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Writes `head` (request line and headers, without the blank line) and an empty body over a raw
 * TCP socket, for header values that fetch would change or refuse. Returns the parsed response
 * and its raw text. The server must send the body with Content-Length, not chunked.
 */
export async function sendRawHttp(
  baseUrl: string,
  head: string,
): Promise<HttpResult & { raw: string }> {
  const { hostname, port } = new URL(baseUrl)
  const raw = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`${head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
    })
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw HTTP request timed out')))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })

  const headerEnd = raw.indexOf('\r\n\r\n')
  const [statusLine = '', ...headerLines] = raw.slice(0, headerEnd).split('\r\n')
  const headers = new Headers()
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  const text = raw.slice(headerEnd + 4)
  const status = Number(statusLine.split(' ')[1])
  return { status, headers, text, json: parseJson(text), raw }
}
