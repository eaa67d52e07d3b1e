/** Liveness (`/healthz`: the process serves HTTP) and readiness (`/readyz`: the database responds to a query). */
import { type DatabaseHandle, ServiceUnavailableError } from '@cail/api'
import type { FastifyPluginAsync } from 'fastify'

export interface HealthOptions {
  database: DatabaseHandle
  /** Time allowed for the readiness query, in milliseconds. */
  readinessTimeoutMs?: number
}

const health: FastifyPluginAsync<HealthOptions> = async (
  app,
  { database, readinessTimeoutMs = 2_000 },
) => {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async () => {
    try {
      await withTimeout(database.ping(), readinessTimeoutMs)
    } catch (error) {
      // The ping waits for a pooled connection like any query, so a timeout can also mean
      // that every connection is busy.
      const problem =
        error instanceof ReadinessTimeoutError
          ? `the database did not answer within ${readinessTimeoutMs} ms (unreachable, or every pooled connection busy)`
          : 'the database is not reachable'
      throw new ServiceUnavailableError(`${problem}; retry shortly`, { cause: error })
    }
    return { status: 'ready', database: database.kind }
  })
}

class ReadinessTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`)
    this.name = 'ReadinessTimeoutError'
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadinessTimeoutError(timeoutMs)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export default health
