import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import createClient from 'openapi-fetch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { components, paths } from './fixtures/openapi.js'
import { generateOpenApiTypes, OPENAPI_TYPES_FIXTURE } from './support/openapi-types.js'
import { startTestServer, type TestServer } from './support/server.js'

const pglite = databaseTargets().find((target) => target.name === 'pglite')

describe('client generated from /openapi.json', () => {
  let issuer: TestIssuer
  let server: TestServer

  beforeAll(async () => {
    if (!pglite) {
      throw new Error('the pglite database target is missing')
    }
    issuer = await startTestIssuer()
    server = await startTestServer({ target: pglite, issuer })
  })

  afterAll(async () => {
    await server?.close()
    await issuer?.stop()
  })

  it('has up-to-date committed types', async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json()

    const generated = await generateOpenApiTypes(document)

    expect(
      generated,
      'test/fixtures/openapi.d.ts is stale; run pnpm --filter @cail/server openapi:types',
    ).toBe(await readFile(OPENAPI_TYPES_FIXTURE, 'utf8'))
  })

  it('creates an organisation with openapi-fetch', async () => {
    const client = createClient<paths>({ baseUrl: server.url })
    const token = await issuer.mintToken({
      claims: {
        org_id: `org_${randomUUID().slice(0, 8)}`,
        'https://cail.health/jurisdiction_id': 'jur_uk_wls',
      },
    })
    const idempotencyKey = randomUUID()
    const request = () =>
      client.POST('/v1/organizations', {
        headers: { authorization: `Bearer ${token}`, 'Idempotency-Key': idempotencyKey },
        body: { name: 'Cwm Taf Morgannwg', typeCode: 'health_board', jurisdictionId: 'jur_uk_wls' },
      })

    const created = await request()
    const replayed = await request()

    expect(created.response.status).toBe(200)
    const organization: components['schemas']['Organization'] | undefined = created.data
    expect(organization).toMatchObject({
      name: 'Cwm Taf Morgannwg',
      typeCode: 'health_board',
      jurisdictionId: 'jur_uk_wls',
      active: true,
    })
    expect(replayed.data).toEqual(organization)
    expect(replayed.response.headers.get('Idempotency-Replayed')).toBe('true')
  })

  it('types the error envelope', async () => {
    const client = createClient<paths>({ baseUrl: server.url })

    const { data, error, response } = await client.POST('/v1/organizations', { body: {} })

    expect(response.status).toBe(401)
    expect(data).toBeUndefined()
    // The 500 envelope has no code, so the type makes callers check for it.
    const code = error && 'code' in error ? error.code : undefined
    expect(code).toBe('invalid_token')
    expect(error?.meta.requestId).toBe(response.headers.get('x-request-id'))
  })
})
