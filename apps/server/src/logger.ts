import pino, { type Logger } from 'pino'

/** Creates the JSON logger; credentials are redacted wherever a header or body could carry them. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'authorization',
          'access_token',
          'token',
        ],
        censor: '[redacted]',
      },
      serializers: {
        err: (error: unknown) => pino.stdSerializers.err(withoutQueryText(error) as Error),
      },
    },
    // Synchronous writes to stdout. pino's default destination writes asynchronously. On
    // process.exit it writes what it still buffers at once, ahead of a write in flight, so the
    // last lines of a shutdown came out of order. A crash could lose them.
    pino.destination({ dest: 1, sync: true }),
  )
}

/**
 * Returns the database's own error in place of Drizzle's wrapper, whose message and `params`
 * repeat the SQL with the caller's values (names, Auth0 ids). The SQLSTATE and the server's
 * message stay in the log.
 */
export function withoutQueryText(error: unknown): unknown {
  let current = error
  for (let depth = 0; depth < 5; depth += 1) {
    if (
      current instanceof Error &&
      'query' in current &&
      'params' in current &&
      current.cause !== undefined
    ) {
      current = current.cause
    } else {
      break
    }
  }
  return current
}
