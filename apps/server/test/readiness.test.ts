/** `/readyz` on PostgreSQL when every pooled connection is busy: 503 naming the timeout. */
import { type DatabaseHandle, openDatabase } from '@cail/api'
import { databaseTargets, postgresUrl } from '@cail/api/testing'
import { sql } from 'drizzle-orm'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import errorEnvelope from '../src/plugins/error-envelope.js'
import health from '../src/plugins/health.js'

const postgres = databaseTargets().find((target) => target.name === 'postgres')

const READINESS_TIMEOUT_MS = 200

describe.skipIf(postgres?.skipReason)('readiness on postgres', () => {
  let database: DatabaseHandle
  let app: FastifyInstance

  beforeAll(async () => {
    const migrated = await postgres?.open()
    await migrated?.close()
    // One connection, so that one slow statement keeps the readiness query waiting.
    database = await openDatabase({ kind: 'postgres', url: postgresUrl() ?? '', poolSize: 1 })
    app = Fastify({ logger: false })
    await app.register(errorEnvelope)
    await app.register(health, { database, readinessTimeoutMs: READINESS_TIMEOUT_MS })
  })

  afterAll(async () => {
    await app?.close()
    await database?.close()
  })

  it('is ready when the pool has a connection', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' })

    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ready', database: 'postgres' })
  })

  it('names the timeout when every connection is busy', async () => {
    const busy = database.db.execute(sql`select pg_sleep(${0.6})`).then(() => undefined)

    const response = await app.inject({ method: 'GET', url: '/readyz' })
    await busy

    expect(response.statusCode).toBe(503)
    expect(response.json().code).toBe('service_unavailable')
    expect(response.json().message).toBe(
      `the database did not answer within ${READINESS_TIMEOUT_MS} ms (unreachable, or every pooled connection busy); retry shortly`,
    )
  })
})
