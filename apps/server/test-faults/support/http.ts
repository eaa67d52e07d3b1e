/** HTTP clients for the scenarios: JSON requests over a keep-alive agent, and raw sockets. */
import { randomUUID } from 'node:crypto'
import { type Agent, type IncomingHttpHeaders, request } from 'node:http'
import { connect } from 'node:net'

export interface HttpResponse {
  kind: 'response'
  requestId: string
  status: number
  headers: IncomingHttpHeaders
  text: string
  /** The parsed body, or undefined when it is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: assertions read fields of arbitrary JSON bodies
  body: any
  elapsedMs: number
}

export interface HttpFailure {
  kind: 'failure'
  requestId: string
  /** Socket error code, such as ECONNREFUSED or ECONNRESET, or TIMEOUT from the client. */
  code: string
  elapsedMs: number
}

export type HttpOutcome = HttpResponse | HttpFailure

export interface RequestOptions {
  method?: string
  token?: string
  /** A string is sent as it is; anything else as JSON. Undefined sends no body. */
  body?: unknown
  headers?: Record<string, string>
  agent?: Agent
  /** Client-side limit; past it the outcome is a failure with code TIMEOUT. Default 30000. */
  timeoutMs?: number
}

/** Sends one request with a fresh X-Request-Id (unless given) and never throws. */
export function send(url: string, options: RequestOptions = {}): Promise<HttpOutcome> {
  const requestId = options.headers?.['x-request-id'] ?? randomUUID()
  const payload =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(
            typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
          )
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    ...(payload ? { 'content-type': 'application/json' } : {}),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  }
  if (payload) {
    headers['content-length'] = String(payload.length)
  }

  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  return new Promise((resolve) => {
    let settled = false
    const settle = (outcome: HttpOutcome) => {
      if (!settled) {
        settled = true
        resolve(outcome)
      }
    }

    const outgoing = request(url, {
      method: options.method ?? 'POST',
      headers,
      agent: options.agent ?? false,
    })
    outgoing.setTimeout(options.timeoutMs ?? 30_000, () => {
      settle({ kind: 'failure', requestId, code: 'TIMEOUT', elapsedMs: elapsed() })
      outgoing.destroy()
    })
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      settle({
        kind: 'failure',
        requestId,
        code: error.code ?? error.message,
        elapsedMs: elapsed(),
      })
    })
    outgoing.on('response', (incoming) => {
      const chunks: Buffer[] = []
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
      incoming.on('error', (error: NodeJS.ErrnoException) => {
        settle({
          kind: 'failure',
          requestId,
          code: error.code ?? 'ERESPONSE',
          elapsedMs: elapsed(),
        })
      })
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        settle({
          kind: 'response',
          requestId,
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          text,
          body: parseJson(text),
          elapsedMs: elapsed(),
        })
      })
    })
    outgoing.end(payload)
  })
}

export interface RawResponse {
  /** Undefined when the server closed the connection without a response. */
  status: number | undefined
  headers: Record<string, string>
  // biome-ignore lint/suspicious/noExplicitAny: assertions read fields of arbitrary JSON bodies
  body: any
  /** The event that ended the connection: `end` (FIN), `close`, an error code or `timeout`. */
  closedBy: string
  elapsedMs: number
}

/**
 * Writes `chunks` on a new TCP connection, `intervalMs` apart (0: all at once), and reads
 * until the server closes the connection or `timeoutMs` passes. Write errors after the server
 * has responded are expected, because a server may respond and close before the client finishes.
 */
export function sendRaw(
  url: string,
  chunks: Array<string | Buffer>,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    const received: Buffer[] = []
    let timer: NodeJS.Timeout | undefined
    let finished = false

    const finish = (closedBy: string) => {
      if (finished) {
        return
      }
      finished = true
      clearTimeout(timer)
      clearTimeout(overall)
      socket.destroy()
      resolve({
        ...parseRawResponse(Buffer.concat(received)),
        closedBy,
        elapsedMs: Math.round(performance.now() - started),
      })
    }
    const overall = setTimeout(() => finish('timeout'), options.timeoutMs ?? 30_000)

    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('end', () => finish('end'))
    socket.on('close', () => finish('close'))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after a complete response still leaves the response readable.
      finish(error.code ?? 'error')
    })

    let index = 0
    const writeNext = () => {
      if (finished || socket.destroyed || index >= chunks.length) {
        return
      }
      const chunk = chunks[index]
      index += 1
      socket.write(chunk as string | Buffer, () => {
        if (options.intervalMs) {
          timer = setTimeout(writeNext, options.intervalMs)
        } else {
          writeNext()
        }
      })
    }
    socket.on('connect', writeNext)
  })
}

function parseRawResponse(bytes: Buffer): Pick<RawResponse, 'status' | 'headers' | 'body'> {
  const text = bytes.toString('utf8')
  const headerEnd = text.indexOf('\r\n\r\n')
  if (!text.startsWith('HTTP/1.1 ') || headerEnd === -1) {
    return { status: undefined, headers: {}, body: undefined }
  }
  const [statusLine = '', ...headerLines] = text.slice(0, headerEnd).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: parseJson(text.slice(headerEnd + 4)),
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
