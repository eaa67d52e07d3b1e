/**
 * Responds to requests that Node's HTTP parser rejects before any route runs (malformed syntax,
 * oversized headers, requests not received in time) with the error envelope, and logs each once.
 */
import { randomUUID } from 'node:crypto'
import { type IncomingMessage, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { ServiceError } from '@cail/api'
import type { FastifyInstance } from 'fastify'
import { buildEnvelope } from './errors.js'

// The id of the request a socket is serving, so that a timeout while its body arrives is logged
// with the id the route already logged.
const requestIdBySocket = new WeakMap<Socket, string>()

// Sockets that already got a rejection. Closing one mid-request makes its parser report a
// second error (such as HPE_INVALID_EOF_STATE after a 408), which is no new failure.
const rejectedSockets = new WeakSet<Socket>()

// Sockets whose current request got its response before its body arrived in full (a 413 or 415
// sent while the client still uploads). If the rest never comes, the request timeout closes
// the socket without a second response.
const respondedBeforeBody = new WeakSet<Socket>()

/** Records that `socket` now serves the request `requestId`. */
export function trackRequestSocket(socket: Socket, requestId: string): void {
  requestIdBySocket.set(socket, requestId)
  respondedBeforeBody.delete(socket)
}

/**
 * Records that the response to `request` has gone out. Once its body has arrived too, a timeout
 * while the next request's headers arrive gets a new request id instead of this request's id.
 */
export function releaseRequestSocket(request: IncomingMessage): void {
  const socket = request.socket
  if (request.complete) {
    requestIdBySocket.delete(socket)
    return
  }
  respondedBeforeBody.add(socket)
  request.once('end', () => {
    respondedBeforeBody.delete(socket)
    requestIdBySocket.delete(socket)
  })
}

// Time the client gets to read the response before the socket is destroyed, in milliseconds.
const LINGER_MS = 1_000

interface ClientError extends Error {
  code?: string
}

/** Fastify's `clientErrorHandler`; `this` is the Fastify instance. */
export function handleClientError(this: FastifyInstance, error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    this.log.debug({ errorCode: error.code }, 'client closed the connection')
    return
  }
  if (rejectedSockets.has(socket)) {
    this.log.debug({ errorCode: error.code }, 'connection already rejected')
    return
  }
  rejectedSockets.add(socket)
  if (respondedBeforeBody.has(socket)) {
    this.log.debug(
      { reqId: requestIdBySocket.get(socket), errorCode: error.code },
      'client stopped sending a body whose request already got a response; closing the connection',
    )
    socket.destroy()
    return
  }

  const failure = describeClientError(error)
  const requestId = requestIdBySocket.get(socket) ?? randomUUID()
  this.log.info(
    {
      reqId: requestId,
      code: failure.code,
      statusCode: failure.status,
      reason: failure.message,
      errorCode: error.code,
    },
    'connection rejected',
  )

  // A response that has started cannot be replaced; the socket is closed instead.
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && !response?.headersSent) {
    const body = JSON.stringify(buildEnvelope(failure, requestId))
    socket.write(
      [
        `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    )
  }

  // Half-close and discard what the client still sends, so that it can read the response
  // before the socket goes away; destroying at once could reset the connection first.
  socket.end()
  socket.resume()
  setTimeout(() => socket.destroy(), LINGER_MS).unref()
}

function describeClientError(error: ClientError): ServiceError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ServiceError(
        408,
        'request_timeout',
        'the request was not received in time; HEADERS_TIMEOUT_MS and REQUEST_TIMEOUT_MS set the limits',
      )
    case 'HPE_HEADER_OVERFLOW':
      return new ServiceError(
        431,
        'headers_too_large',
        "the request headers exceed the server's limit (Node.js --max-http-header-size, 16 KiB by default); send smaller headers",
      )
    default:
      return new ServiceError(
        400,
        'malformed_request',
        `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`,
      )
  }
}
