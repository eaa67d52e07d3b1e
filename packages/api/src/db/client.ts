/** Database factory: one Drizzle database type over PostgreSQL (postgres.js) or embedded PGlite. */
import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { lockDataDir } from './data-dir-lock.js'
import { trackQuery } from './deadline.js'
import * as schema from './schema.js'

export type Schema = typeof schema
export type Database = PgDatabase<PgQueryResultHKT, Schema>

export type DatabaseOptions =
  | {
      kind: 'postgres'
      /** `postgres://user:password@host:port/database`. */
      url: string
      /** Maximum pooled connections per process. Default 10. */
      poolSize?: number
      /** Seconds to wait for a new connection before the query fails. Default 5. */
      connectTimeoutSeconds?: number
      /** Server-side `statement_timeout` in milliseconds. Default 10000. */
      statementTimeoutMs?: number
    }
  | {
      kind: 'pglite'
      /** Folder for the embedded database, created if missing; omit for an in-memory database. */
      dataDir?: string
    }

export interface DatabaseHandle {
  readonly kind: DatabaseOptions['kind']
  readonly db: Database
  /** Runs `select 1`; rejects when the database cannot be reached. */
  ping(): Promise<void>
  /** Waits for running queries, then closes every connection. */
  close(): Promise<void>
  /** Options the handle was opened with, so that migrations can open their own session. */
  readonly options: DatabaseOptions
  /** The embedded instance, for migrations; undefined for PostgreSQL. */
  readonly pglite?: PGlite
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.kind === 'postgres') {
    return openPostgres(options)
  }
  return openPglite(options)
}

function openPostgres(options: Extract<DatabaseOptions, { kind: 'postgres' }>): DatabaseHandle {
  const client = postgres(options.url, {
    max: options.poolSize ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    // Seconds before a connection that failed is tried again. postgres.js's default grows to
    // 20 s while queries wait in the pool, so a create could run long after its request gave
    // up. With this cap, an unreachable database fails queries within about 1 s plus
    // connect_timeout.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    // Notices (for example "relation already exists, skipping") are not errors.
    onnotice: () => {},
    connection: {
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      application_name: 'cail-organisations',
    },
  })
  const db = drizzlePostgres({ client: withTrackedQueries(client), schema })

  return {
    kind: 'postgres',
    db,
    options,
    async ping() {
      await client`select 1`
    },
    async close() {
      await client.end({ timeout: 5 })
    },
  }
}

/**
 * Records every query Drizzle starts in the QueryScope whose track() call is running, so that
 * the request's deadline can cancel it.
 */
function withTrackedQueries(client: postgres.Sql): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'unsafe') {
        return Reflect.get(target, property, receiver)
      }
      return (...args: Parameters<postgres.Sql['unsafe']>) => {
        const query = target.unsafe(...args)
        trackQuery(query)
        return query
      }
    },
  })
}

async function openPglite(
  options: Extract<DatabaseOptions, { kind: 'pglite' }>,
): Promise<DatabaseHandle> {
  let unlock = async () => {}
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true })
    unlock = await lockDataDir(options.dataDir)
  }

  let pglite: PGlite
  try {
    pglite = options.dataDir ? new PGlite(options.dataDir) : new PGlite()
    await pglite.waitReady
  } catch (error) {
    await unlock()
    throw error
  }
  const db = drizzlePglite({ client: pglite, schema })

  return {
    kind: 'pglite',
    db,
    options,
    pglite,
    async ping() {
      await pglite.query('select 1')
    },
    async close() {
      try {
        await pglite.close()
      } finally {
        await unlock()
      }
    },
  }
}
