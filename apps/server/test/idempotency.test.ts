import { randomUUID } from 'node:crypto'
import { type AppRouter, schema } from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDocumentedResponse } from './support/openapi.js'
import { startTestServer, type TestServer } from './support/server.js'

interface Organization {
  id: string
  name: string
}

interface ErrorEnvelope {
  code: string
  message: string | string[]
}

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

function newOrgId(): string {
  return `org_${randomUUID().replaceAll('-', '').slice(0, 16)}`
}

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`Idempotency-Key over HTTP on ${target.name}`, () => {
    let first: TestServer
    let second: TestServer

    // Two application instances on one database, as two server processes would run. On
    // PostgreSQL each has its own connection pool; PGlite allows one connection, so there
    // the two instances share it.
    beforeAll(async () => {
      first = await startTestServer({ target, issuer })
      second =
        target.name === 'pglite'
          ? await startTestServer({ target, issuer, database: first.database })
          : await startTestServer({ target, issuer })
    })

    afterAll(async () => {
      await second?.close()
      await first?.close()
    })

    async function postOrganization(
      server: TestServer,
      token: string,
      options: { key?: string; body?: string } = {},
    ): Promise<{ response: Response; body: unknown }> {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      }
      if (options.key !== undefined) {
        headers['idempotency-key'] = options.key
      }
      const response = await fetch(`${server.url}/v1/organizations`, {
        method: 'POST',
        headers,
        body: options.body ?? '{}',
      })
      return { response, body: await readDocumentedResponse(response, 'POST') }
    }

    async function organizationCount(orgId: string): Promise<number> {
      const rows = await first.database.db
        .select({ id: schema.organizations.id })
        .from(schema.organizations)
        .where(eq(schema.organizations.auth0OrganizationId, orgId))
      return rows.length
    }

    it('replays a REST create with the header', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()

      const created = await postOrganization(first, token, { key, body: '{"name":"Fife HSCP"}' })
      const replayed = await postOrganization(second, token, {
        key,
        body: '{ "name": "Fife HSCP" }',
      })

      expect(created.response.status).toBe(200)
      expect(created.response.headers.get('idempotency-replayed')).toBeNull()
      expect(replayed.response.status).toBe(200)
      expect(replayed.response.headers.get('idempotency-replayed')).toBe('true')
      expect(replayed.body).toEqual(created.body)
      expect(await organizationCount(orgId)).toBe(1)
    })

    it('rejects a reused key with 409 conflict', async () => {
      const token = await issuer.mintToken()
      const key = randomUUID()
      await postOrganization(first, token, { key })

      const reused = await postOrganization(second, token, {
        key,
        body: '{"typeCode":"provider"}',
      })

      expect(reused.response.status).toBe(409)
      expect(reused.body).toMatchObject({
        code: 'conflict',
        message: 'Idempotency key reused with a different body.',
      })
    })

    it('replays a stored 400 with the header', async () => {
      const token = await issuer.mintToken({
        claims: { 'https://cail.health/jurisdiction_id': undefined },
      })
      const key = randomUUID()
      const body = '{"jurisdictionId":"jur_xx"}'

      const rejected = await postOrganization(first, token, { key, body })
      const replayed = await postOrganization(second, token, { key, body })

      expect(rejected.response.status).toBe(400)
      expect(replayed.response.status).toBe(400)
      expect(replayed.response.headers.get('idempotency-replayed')).toBe('true')
      expect((replayed.body as ErrorEnvelope).code).toBe('unknown_jurisdiction')
      expect((replayed.body as ErrorEnvelope).message).toBe(
        (rejected.body as ErrorEnvelope).message,
      )
    })

    it('rejects malformed keys with 400', async () => {
      const token = await issuer.mintToken()

      for (const key of ['', 'k'.repeat(256), 'no spaces']) {
        const { response, body } = await postOrganization(first, token, { key })
        expect(response.status, JSON.stringify(key)).toBe(400)
        expect((body as ErrorEnvelope).code).toBe('validation_failed')
      }
    })

    it('shares keys between tRPC and REST', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()
      const client = createTRPCClient<AppRouter>({
        links: [
          httpLink({
            url: `${first.url}/trpc`,
            headers: () => ({ authorization: `Bearer ${token}`, 'idempotency-key': key }),
          }),
        ],
      })

      const created = await client.organizations.create.mutate({ typeCode: 'provider' })
      const viaRest = await postOrganization(second, token, {
        key,
        body: '{"typeCode":"provider"}',
      })
      const retry = await fetch(`${second.url}/trpc/organizations.create`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: '{"typeCode":"provider"}',
      })
      const conflict = await client.organizations.create.mutate({ typeCode: 'commissioner' }).then(
        () => undefined,
        (error: unknown) => error,
      )

      expect(viaRest.response.headers.get('idempotency-replayed')).toBe('true')
      expect(viaRest.body).toEqual(created)
      expect(retry.status).toBe(200)
      expect(retry.headers.get('idempotency-replayed')).toBe('true')
      expect(((await retry.json()) as { result: { data: Organization } }).result.data).toEqual(
        created,
      )
      expect(conflict).toBeInstanceOf(TRPCClientError)
      const data = (conflict as TRPCClientError<AppRouter>).data
      expect(data?.code).toBe('conflict')
      expect(data?.httpStatus).toBe(409)
      expect(await organizationCount(orgId)).toBe(1)
    })

    it('writes once for one key on two instances', async () => {
      const orgId = newOrgId()
      const token = await issuer.mintToken({ claims: { org_id: orgId } })
      const key = randomUUID()
      const servers = [first, second]

      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          postOrganization(servers[index % 2] as TestServer, token, { key }),
        ),
      )

      const fresh = results.filter(
        ({ response }) =>
          response.status === 200 && response.headers.get('idempotency-replayed') === null,
      )
      expect(fresh).toHaveLength(1)
      const created = fresh[0]?.body as Organization
      for (const { response, body } of results) {
        if (response.status === 200) {
          expect(body).toEqual(created)
        } else {
          expect(response.status).toBe(409)
          expect((body as ErrorEnvelope).code).toBe('conflict')
          expect((body as ErrorEnvelope).message).toMatch(/retry/)
          expect(response.headers.get('retry-after')).toBe('1')
        }
      }
      expect(await organizationCount(orgId)).toBe(1)

      const later = await Promise.all(
        servers.map((server) => postOrganization(server, token, { key })),
      )
      for (const { response, body } of later) {
        expect(response.status).toBe(200)
        expect(response.headers.get('idempotency-replayed')).toBe('true')
        expect(body).toEqual(created)
      }
    })
  })
}
