/** Entry point: `node dist/main.js`. Configuration comes from the environment (see config.ts). */
import { DataDirInUseError, readDatabaseFailure } from '@cail/api'
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { type RunningServer, startServer } from './start.js'

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(2)
    }
    throw error
  }

  const logger = createLogger(config.logLevel)
  const server = await startServer(config, logger)
  logger.info({ url: server.url }, 'server listening')

  closeOnSignals(server, config.shutdownGraceMs, logger)
}

function closeOnSignals(
  server: RunningServer,
  graceMs: number,
  logger: RunningServer['app']['log'],
): void {
  let closing = false
  const close = (signal: NodeJS.Signals) => {
    if (closing) {
      return
    }
    closing = true
    logger.info(
      { signal, graceMs },
      'shutting down: no new connections, finishing in-flight requests',
    )

    const deadline = setTimeout(() => {
      logger.error(
        { graceMs },
        'shutdown grace period elapsed with requests still in flight; exiting',
      )
      process.exit(1)
    }, graceMs)
    deadline.unref()

    server.close().then(
      () => {
        logger.info('shutdown complete')
        process.exit(0)
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', close)
  process.on('SIGINT', close)
}

main().catch((error: unknown) => {
  // A folder held by another server or an unreachable database is an operator's mistake, not
  // a bug: no stack trace.
  const detail =
    error instanceof DataDirInUseError
      ? error.message
      : (describeUnreachableDatabase(error) ??
        (error instanceof Error ? error.stack : String(error)))
  process.stderr.write(`server failed to start: ${detail}\n`)
  process.exit(1)
})

/** Describes a failure to reach DATABASE_URL's server, without the URL's password. */
function describeUnreachableDatabase(error: unknown): string | undefined {
  const url = process.env.DATABASE_URL
  if (!url || !readDatabaseFailure(error)?.unavailable) {
    return undefined
  }
  let target = 'DATABASE_URL'
  try {
    const parsed = new URL(url)
    parsed.password = ''
    target = parsed.href
  } catch {
    // loadConfig has validated the URL; keep the variable's name if it still does not parse.
  }
  return `could not connect to the database at ${target} (${errorCode(error) ?? 'no error code'}); check DATABASE_URL and that PostgreSQL is running and accepts connections`
}

/** Returns the first string `code` on `error` or its causes, such as ECONNREFUSED. */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') {
      return code
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
