/**
 * The databases the suites run against: embedded PGlite always, PostgreSQL when DATABASE_URL
 * is set. Under CI=true a missing DATABASE_URL is an error, so PostgreSQL tests never skip there.
 */
import { type DatabaseHandle, migrate, openDatabase } from '../src/index.js'

export interface DatabaseTarget {
  readonly name: 'pglite' | 'postgres'
  /** Set when this target is unavailable on this machine; the suite should skip it. */
  readonly skipReason: string | undefined
  /** Opens the database and applies the migrations. */
  open(): Promise<DatabaseHandle>
}

export function postgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL
  if (!url && process.env.CI === 'true') {
    throw new Error(
      'DATABASE_URL is required when CI=true; .ci/run exports it for the test database',
    )
  }
  return url || undefined
}

export function databaseTargets(): DatabaseTarget[] {
  const url = postgresUrl()
  return [
    {
      name: 'pglite',
      skipReason: undefined,
      open: () => openMigrated({ kind: 'pglite' }),
    },
    {
      name: 'postgres',
      skipReason: url ? undefined : 'DATABASE_URL is not set',
      open: () => openMigrated({ kind: 'postgres', url: url ?? '' }),
    },
  ]
}

async function openMigrated(options: Parameters<typeof openDatabase>[0]): Promise<DatabaseHandle> {
  const handle = await openDatabase(options)
  await migrate(handle)
  return handle
}
