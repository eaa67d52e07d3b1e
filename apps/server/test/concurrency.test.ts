import type { AppRouter } from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { TRPCClientError } from '@trpc/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ErrorEnvelope, sendRest, UUID } from './support/http.js'
import { startTestServer, type TestServer } from './support/server.js'
import { newOrganizationId } from './support/tokens.js'
import { createTestTrpcClient } from './support/trpc.js'

const PARALLEL_REQUESTS = 20

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`concurrent creates on ${target.name}`, () => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer({ target, issuer })
    })

    afterAll(async () => {
      await server?.close()
    })

    it('REST yields one row', async () => {
      const organizationId = newOrganizationId()
      const token = await issuer.mintToken({ claims: { org_id: organizationId } })

      const results = await Promise.all(
        Array.from({ length: PARALLEL_REQUESTS }, (_, index) =>
          sendRest(server.url, { token, json: { name: `Parallel Trust ${index}` } }),
        ),
      )

      const created = results.filter((result) => result.status === 200)
      const conflicts = results.filter((result) => result.status === 409)
      expect(created).toHaveLength(1)
      expect(conflicts).toHaveLength(PARALLEL_REQUESTS - 1)

      const winnerId = (created[0]?.json as { id?: string } | undefined)?.id ?? ''
      expect(winnerId).toMatch(UUID)
      for (const conflict of conflicts) {
        const envelope = conflict.json as ErrorEnvelope
        expect(envelope.code).toBe('organization_exists')
        expect(envelope.message).toContain(winnerId)
      }
      expect(await server.countOrganizations(organizationId)).toBe(1)
    })

    it('tRPC yields one row', async () => {
      const organizationId = newOrganizationId()
      const token = await issuer.mintToken({ claims: { org_id: organizationId } })
      const { client } = createTestTrpcClient(server.url, token)

      const results = await Promise.allSettled(
        Array.from({ length: PARALLEL_REQUESTS }, (_, index) =>
          client.organizations.create.mutate({ name: `Parallel Trust ${index}` }),
        ),
      )

      const created = results.flatMap((result) =>
        result.status === 'fulfilled' ? [result.value] : [],
      )
      const failures = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason as unknown] : [],
      )
      expect(created).toHaveLength(1)
      expect(failures).toHaveLength(PARALLEL_REQUESTS - 1)

      const winnerId = created[0]?.id ?? ''
      expect(winnerId).toMatch(UUID)
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(TRPCClientError)
        const data = (failure as TRPCClientError<AppRouter>).data
        expect(data?.code).toBe('organization_exists')
        expect(data?.httpStatus).toBe(409)
        expect(data?.messages[0]).toContain(winnerId)
      }
      expect(await server.countOrganizations(organizationId)).toBe(1)
    })
  })
}
