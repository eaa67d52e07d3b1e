/** Periodic removal of `idempotency_keys` records older than their retention. */
import type { Database } from '../db/client.js'
import type { Logger } from '../trpc/init.js'
import { deleteExpiredKeys } from './store.js'

/** Shortest retention: keys are kept for at least 24 hours. */
export const MIN_IDEMPOTENCY_KEY_RETENTION_MS = 24 * 60 * 60 * 1000

export interface IdempotencyKeyCleanupOptions {
  db: Database
  logger: Logger
  /** Age after which a record is deleted, in milliseconds. Default and minimum 24 hours. */
  retentionMs?: number
  /** Time from start to the first run, in milliseconds. Default 60000 (1 minute). */
  firstRunDelayMs?: number
  /** Time between runs, in milliseconds. Default 900000 (15 minutes). */
  intervalMs?: number
  /** Records deleted per statement. Default 500. */
  batchSize?: number
  /** Statements per run; a larger backlog waits for the next run. Default 20. */
  maxBatchesPerRun?: number
}

export interface IdempotencyKeyCleanup {
  /** Deletes expired records in batches and returns how many it deleted. */
  runOnce(): Promise<number>
  /** Stops the timer and waits for a run in progress to finish. */
  stop(): Promise<void>
}

/**
 * Starts deleting expired records after `firstRunDelayMs`, then every `intervalMs`. The timers
 * do not keep the process alive, a run never overlaps the previous one, and each run stops
 * after `maxBatchesPerRun` bounded DELETE statements, so requests keep getting database
 * connections in between.
 */
export function startIdempotencyKeyCleanup(
  options: IdempotencyKeyCleanupOptions,
): IdempotencyKeyCleanup {
  const retentionMs = options.retentionMs ?? MIN_IDEMPOTENCY_KEY_RETENTION_MS
  if (retentionMs < MIN_IDEMPOTENCY_KEY_RETENTION_MS) {
    throw new RangeError(
      `idempotency key retention of ${retentionMs} ms is too short; keys are kept at least 24 hours (${MIN_IDEMPOTENCY_KEY_RETENTION_MS} ms)`,
    )
  }
  const batch = {
    retentionSeconds: Math.ceil(retentionMs / 1000),
    batchSize: options.batchSize ?? 500,
  }
  const maxBatchesPerRun = options.maxBatchesPerRun ?? 20

  let running: Promise<number> | undefined
  let stopped = false

  async function deleteBatches(): Promise<number> {
    let deleted = 0
    for (let run = 0; run < maxBatchesPerRun && !stopped; run += 1) {
      const count = await deleteExpiredKeys(options.db, batch)
      deleted += count
      if (count < batch.batchSize) {
        break
      }
    }
    if (deleted > 0) {
      options.logger.info({ deleted }, 'deleted expired idempotency keys')
    }
    return deleted
  }

  function runOnce(): Promise<number> {
    running ??= deleteBatches().finally(() => {
      running = undefined
    })
    return running
  }

  function runInBackground(): void {
    runOnce().catch((error: unknown) => {
      options.logger.warn({ err: error }, 'idempotency key cleanup failed; the next run retries')
    })
  }

  // A first run soon after start, so that processes restarted more often than the interval
  // still clean up.
  const firstRun = setTimeout(runInBackground, options.firstRunDelayMs ?? 60_000)
  firstRun.unref()
  const timer = setInterval(runInBackground, options.intervalMs ?? 900_000)
  timer.unref()

  return {
    runOnce,
    async stop() {
      stopped = true
      clearTimeout(firstRun)
      clearInterval(timer)
      await running?.catch(() => {})
    },
  }
}
