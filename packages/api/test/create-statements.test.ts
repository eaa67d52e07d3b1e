import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import type { Logger as DrizzleLogger } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiDependencies,
  createCaller,
  createContext,
  type Database,
  migrationsFolder,
  schema,
} from '../src/index.js'
import {
  databaseTargets,
  startTestIssuer,
  type TestIssuer,
  testDependencies,
} from '../testing/index.js'

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

/** A migrated database whose every SQL statement is recorded in `statements`. */
interface RecordingDatabase {
  db: Database
  statements: string[]
  close(): Promise<void>
}

// postgres.js calls `debug` once per statement it sends, so this counts the wire traffic. One
// connection, opened before counting: a new connection first reads PostgreSQL's array types
// once, which is no statement of the create.
async function openRecordingPostgres(url: string): Promise<RecordingDatabase> {
  const migrated = await databaseTargets()
    .find((target) => target.name === 'postgres')
    ?.open()
  await migrated?.close()

  const statements: string[] = []
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, query) => {
      statements.push(query)
    },
  })
  await client`select 1`
  statements.length = 0
  return {
    db: drizzlePostgres({ client, schema }),
    statements,
    close: () => client.end({ timeout: 5 }),
  }
}

// PGlite has no wire; every statement the API sends goes through Drizzle's logger.
async function openRecordingPglite(): Promise<RecordingDatabase> {
  const statements: string[] = []
  const logger: DrizzleLogger = {
    logQuery(query) {
      statements.push(query)
    },
  }
  const pglite = new PGlite()
  const db = drizzlePglite({ client: pglite, schema, logger })
  await migratePglite(db, { migrationsFolder })
  statements.length = 0
  return { db, statements, close: () => pglite.close() }
}

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`organizations.create statements on ${target.name}`, () => {
    let database: RecordingDatabase
    let dependencies: ApiDependencies

    beforeAll(async () => {
      database =
        target.name === 'postgres'
          ? await openRecordingPostgres(process.env.DATABASE_URL ?? '')
          : await openRecordingPglite()
      dependencies = testDependencies(database.db, issuer)
    })

    afterAll(async () => {
      await database?.close()
    })

    function create(token: string, input: { name: string }) {
      const caller = createCaller(
        createContext(dependencies, { authorization: `Bearer ${token}`, requestId: randomUUID() }),
      )
      return caller.organizations.create(input)
    }

    it('sends one INSERT for a create', async () => {
      const token = await issuer.mintToken()
      database.statements.length = 0

      const created = await create(token, { name: 'Fife Health Board' })

      expect(created.name).toBe('Fife Health Board')
      expect(database.statements).toHaveLength(1)
      expect(database.statements[0]).toMatch(/^insert into "organizations"/i)
    })

    it('sends one INSERT once prepared', async () => {
      await create(await issuer.mintToken(), { name: 'Highland Health Board' })
      const token = await issuer.mintToken()
      database.statements.length = 0

      await create(token, { name: 'Orkney Health Board' })

      expect(database.statements).toHaveLength(1)
    })
  })
}
