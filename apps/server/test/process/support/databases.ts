/**
 * Databases for server processes: PGlite under the process's DATA_DIR always, and a fresh
 * PostgreSQL database per suite when DATABASE_URL is set, so that fixed Auth0 organisation ids
 * such as org_lambeth01 start unused on every run.
 */
import { randomUUID } from 'node:crypto'
import { postgresUrl } from '@cail/api/testing'
import postgres from 'postgres'

export interface ProcessDatabase {
  /** Environment variables that select this database, besides DATA_DIR. */
  readonly env: Record<string, string>
  drop(): Promise<void>
}

export interface ProcessDatabaseTarget {
  readonly name: 'pglite' | 'postgres'
  /** Set when this target is unavailable on this machine; the suite should skip it. */
  readonly skipReason: string | undefined
  create(): Promise<ProcessDatabase>
}

export function processDatabaseTargets(): ProcessDatabaseTarget[] {
  const url = postgresUrl()
  return [
    {
      name: 'pglite',
      skipReason: undefined,
      create: async () => ({ env: {}, drop: async () => {} }),
    },
    {
      name: 'postgres',
      skipReason: url ? undefined : 'DATABASE_URL is not set',
      create: () => createPostgresDatabase(url ?? ''),
    },
  ]
}

/** Creates an empty database next to the one DATABASE_URL names; needs the CREATEDB privilege. */
async function createPostgresDatabase(baseUrl: string): Promise<ProcessDatabase> {
  const name = `cail_process_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end({ timeout: 5 })
  }

  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  return {
    env: { DATABASE_URL: url.toString() },
    async drop() {
      const client = postgres(baseUrl, { max: 1, onnotice: () => {} })
      try {
        await client.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end({ timeout: 5 })
      }
    },
  }
}
