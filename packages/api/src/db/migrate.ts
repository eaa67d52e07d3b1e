/** Applies the committed migrations in `drizzle/` to a database. Used by the server and the tests. */
import { fileURLToPath } from 'node:url'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import type { DatabaseHandle } from './client.js'

// Same relative path from `src/db` and from the compiled `dist/db`.
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url))

// Arbitrary constant that identifies this service's migration lock in pg_advisory_lock.
const MIGRATION_LOCK_KEY = 7_316_402_115

/**
 * Brings the database up to the latest migration. On PostgreSQL, a session advisory lock
 * serialises processes that start together, so each migration runs exactly once.
 */
export async function migrate(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as Parameters<typeof migratePglite>[0], { migrationsFolder })
    return
  }

  const options = handle.options
  if (options.kind !== 'postgres') {
    throw new Error('migrate: handle kind and options disagree')
  }

  // One dedicated connection, so that the advisory lock and the migration share a session.
  const client = postgres(options.url, { max: 1, onnotice: () => {} })
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`
    await migratePostgres(drizzlePostgres({ client }), { migrationsFolder })
  } finally {
    await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {})
    await client.end({ timeout: 5 })
  }
}
