/** Deletes expired `Idempotency-Key` records in the background while the server runs. */
import { type Database, type IdempotencyKeyCleanup, startIdempotencyKeyCleanup } from '@cail/api'
import type { FastifyPluginAsync } from 'fastify'

export interface IdempotencyCleanupOptions {
  db: Database
}

const idempotencyCleanup: FastifyPluginAsync<IdempotencyCleanupOptions> = async (app, { db }) => {
  let cleanup: IdempotencyKeyCleanup | undefined

  app.addHook('onReady', async () => {
    cleanup = startIdempotencyKeyCleanup({ db, logger: app.log })
  })

  // onClose runs before start.ts closes the database, so no DELETE is cut off mid-statement.
  app.addHook('onClose', async () => {
    await cleanup?.stop()
  })
}

export default idempotencyCleanup
