import type { AppRouter } from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './support/server.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await startTestIssuer()
})
afterAll(async () => {
  await issuer.stop()
})

async function captureClientError(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(TRPCClientError)
  return error as TRPCClientError<AppRouter>
}

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`tRPC read procedures over HTTP on ${target.name}`, () => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ target, issuer })
    })
    afterAll(async () => {
      await server?.close()
    })

    function clientFor(token: string | undefined) {
      return createTRPCClient<AppRouter>({
        links: [
          httpLink({
            url: `${server.url}/trpc`,
            headers: () => (token === undefined ? {} : { authorization: `Bearer ${token}` }),
          }),
        ],
      })
    }

    it('jurisdictions.list returns over GET', async () => {
      const token = await issuer.mintToken({ claims: { org_id: undefined } })

      const response = await fetch(`${server.url}/trpc/jurisdictions.list`, {
        headers: { authorization: `Bearer ${token}` },
      })

      expect(response.status).toBe(200)
      const body = (await response.json()) as { result: { data: { id: string }[] } }
      expect(body.result.data.map((jurisdiction) => jurisdiction.id)).toEqual([
        'jur_uk_eng',
        'jur_uk_nir',
        'jur_uk_sct',
        'jur_uk_wls',
      ])
    })

    it('jurisdictions.list without a token is 401', async () => {
      const response = await fetch(`${server.url}/trpc/jurisdictions.list`)

      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cail"')
    })

    it('organizations.mine follows create', async () => {
      const token = await issuer.mintToken()
      const client = clientFor(token)

      expect(await client.organizations.mine.query()).toBeNull()
      const created = await client.organizations.create.mutate({ name: 'Powys Teaching Board' })
      expect(await client.organizations.mine.query()).toEqual(created)
    })

    it('organizations.mine without org_id is FORBIDDEN', async () => {
      const token = await issuer.mintToken({ claims: { org_id: undefined } })

      const error = await captureClientError(clientFor(token).organizations.mine.query())

      expect(error.data?.httpStatus).toBe(403)
      expect(error.data?.code).toBe('missing_organization_context')
    })

    it('validation error data has field paths', async () => {
      const token = await issuer.mintToken()

      const error = await captureClientError(
        clientFor(token).organizations.create.mutate({ name: 'x'.repeat(201) }),
      )

      expect(error.data?.code).toBe('validation_failed')
      expect(error.data?.messages).toEqual(['name must be at most 200 characters (got 201)'])
      expect(error.data?.issues).toEqual([
        { path: ['name'], message: 'name must be at most 200 characters (got 201)' },
      ])
    })

    it('REST envelope stays without issues', async () => {
      const token = await issuer.mintToken()

      const response = await fetch(`${server.url}/v1/organizations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(201) }),
      })

      expect(response.status).toBe(400)
      const body = (await response.json()) as Record<string, unknown>
      expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'meta', 'statusCode'])
    })
  })
}
