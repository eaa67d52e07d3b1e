import { randomUUID } from 'node:crypto'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDocumentedResponse } from './support/openapi.js'
import { startTestServer, type TestServer } from './support/server.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await startTestIssuer()
})
afterAll(async () => {
  await issuer.stop()
})

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`REST create on ${target.name}`, () => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({ target, issuer })
    })
    afterAll(async () => {
      await server?.close()
    })

    it('creates then conflicts', async () => {
      const token = await issuer.mintToken({
        claims: { org_id: `org_${randomUUID().slice(0, 8)}` },
      })
      const request = () =>
        fetch(`${server.url}/v1/organizations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        })

      const first = await request()
      expect(first.status).toBe(200)
      await readDocumentedResponse(first, 'POST')
      const second = await request()
      expect(second.status).toBe(409)
      const conflict = (await readDocumentedResponse(second, 'POST')) as { code: string }
      expect(conflict.code).toBe('organization_exists')
    })
  })
}
