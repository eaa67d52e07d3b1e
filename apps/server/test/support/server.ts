/**
 * Starts the real Fastify application on a loopback port, against a migrated database target
 * and the independent test issuer, for tests that speak HTTP to it.
 */
import { type ApiDependencies, type DatabaseHandle, schema } from '@cail/api'
import { type DatabaseTarget, type TestIssuer, testDependencies } from '@cail/api/testing'
import { count, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from '../../src/app.js'

export interface TestServer {
  readonly url: string
  readonly app: FastifyInstance
  readonly database: DatabaseHandle
  /** Lines the server logged, parsed from pino's JSON output. */
  readonly logs: Record<string, unknown>[]
  /** Counts the organisation rows of one Auth0 organisation (`org_id`). */
  countOrganizations(auth0OrganizationId: string): Promise<number>
  close(): Promise<void>
}

export interface TestServerOptions {
  target: DatabaseTarget
  issuer: TestIssuer
  /** Overrides of the dependencies built from the issuer and the database. */
  dependencies?: Partial<ApiDependencies>
  bodyLimitBytes?: number
  /** Time allowed for a whole request, in milliseconds; default 30000. */
  requestTimeoutMs?: number
  /** Time allowed for the request line and headers, in milliseconds. */
  headersTimeoutMs?: number
  /** An already open database; the server then leaves it open on close. */
  database?: DatabaseHandle
  /** Folder of a built web client to serve at `/`. */
  webRoot?: string
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const ownsDatabase = options.database === undefined
  const database = options.database ?? (await options.target.open())

  const logs: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as Record<string, unknown>)
      },
    },
  )

  const dependencies = testDependencies(database.db, options.issuer, {
    logger,
    ...options.dependencies,
  })

  const app = await buildApp({
    dependencies,
    database,
    logger,
    bodyLimitBytes: options.bodyLimitBytes ?? 16_384,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    headersTimeoutMs: options.headersTimeoutMs,
    webRoot: options.webRoot,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') {
    throw new Error('test server has no TCP address')
  }

  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    database,
    logs,
    async countOrganizations(auth0OrganizationId) {
      const [row] = await database.db
        .select({ rows: count() })
        .from(schema.organizations)
        .where(eq(schema.organizations.auth0OrganizationId, auth0OrganizationId))
      return row?.rows ?? 0
    },
    async close() {
      await app.close()
      if (ownsDatabase) {
        await database.close()
      }
    },
  }
}
