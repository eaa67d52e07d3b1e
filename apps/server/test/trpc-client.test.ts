import { DEFAULT_JURISDICTION_CLAIM, type ErrorData, type RouterInputs } from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendRest, UUID } from './support/http.js'
import { startTestServer, type TestServer } from './support/server.js'
import { newOrganizationId } from './support/tokens.js'
import { captureClientError, createTestTrpcClient } from './support/trpc.js'

type CreateInput = RouterInputs['organizations']['create']

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`tRPC client over HTTP on ${target.name}`, () => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer({ target, issuer })
    })

    afterAll(async () => {
      await server?.close()
    })

    /** Mints a token for a fresh Auth0 organisation; `claims` override the defaults. */
    async function mint(claims: Record<string, unknown> = {}) {
      const organizationId = newOrganizationId()
      const token = await issuer.mintToken({ claims: { org_id: organizationId, ...claims } })
      return { token, organizationId }
    }

    describe('success', () => {
      it('create returns REST output', async () => {
        const input = { name: 'Bòrd Slàinte na Gàidhealtachd', typeCode: 'health_board' } as const
        const overTrpc = await mint()
        const overRest = await mint()

        const { client } = createTestTrpcClient(server.url, overTrpc.token)
        const created = await client.organizations.create.mutate(input)
        const rest = await sendRest(server.url, { token: overRest.token, json: input })

        const { id: restId, ...restFields } = rest.json as typeof created
        const { id, ...fields } = created
        expect(id).toMatch(UUID)
        expect(restId).toMatch(UUID)
        expect(fields).toEqual(restFields)
        expect(fields).toEqual({
          name: 'Bòrd Slàinte na Gàidhealtachd',
          typeCode: 'health_board',
          jurisdictionId: 'jur_uk_eng',
          active: true,
        })
        expect(await server.countOrganizations(overTrpc.organizationId)).toBe(1)
      })

      it('create accepts absent input', async () => {
        const { token, organizationId } = await mint()
        const { client, responses } = createTestTrpcClient(server.url, token)

        const created = await client.organizations.create.mutate()

        expect(created.name).toBe('Lambeth Primary Care Network')
        expect(responses[0]?.status).toBe(200)
        expect(await server.countOrganizations(organizationId)).toBe(1)
      })
    })

    describe('failures', () => {
      it('401 without token', async () => {
        const { client, responses } = createTestTrpcClient(server.url)

        const error = await captureClientError(client.organizations.create.mutate({}))

        expect(error.message).toBe(
          'missing bearer token; send Authorization: Bearer <access token>',
        )
        expect(error.data?.code).toBe('invalid_token')
        expect(error.data?.trpcCode).toBe('UNAUTHORIZED')
        expect(error.data?.httpStatus).toBe(401)
        expect(error.data?.messages).toEqual([error.message])
        expect(error.data?.requestId).toBe(responses[0]?.headers.get('x-request-id'))
        expect(responses[0]?.status).toBe(401)
        expect(responses[0]?.headers.get('www-authenticate')).toBe('Bearer realm="cail"')
      })

      it('401 challenge matches REST', async () => {
        const organizationId = newOrganizationId()
        const expired = await issuer.mintToken({
          claims: { org_id: organizationId },
          expiresIn: -60,
        })
        const { client, responses } = createTestTrpcClient(server.url, expired)

        const error = await captureClientError(client.organizations.create.mutate({}))
        const rest = await sendRest(server.url, { token: expired, json: {} })

        expect(error.data?.code).toBe('invalid_token')
        expect(error.data?.httpStatus).toBe(401)
        expect(responses[0]?.headers.get('www-authenticate')).toBe(
          rest.headers.get('www-authenticate'),
        )
        expect(rest.headers.get('www-authenticate')).toBe(
          'Bearer realm="cail", error="invalid_token", error_description="token has expired; request a new access token"',
        )
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('raw POST without token has challenge', async () => {
        const result = await sendRest(server.url, {
          path: '/trpc/organizations.create',
          json: {},
        })

        expect(result.status).toBe(401)
        expect(result.headers.get('www-authenticate')).toBe('Bearer realm="cail"')
        expect(result.headers.get('x-request-id')).toMatch(UUID)
      })

      it('raw invalid JSON gives invalid_json', async () => {
        const { token, organizationId } = await mint()

        const result = await sendRest(server.url, {
          path: '/trpc/organizations.create',
          token,
          body: '{"name":',
          headers: { 'content-type': 'application/json' },
        })

        const data = (result.json as { error: { data: ErrorData } }).error.data
        expect(result.status).toBe(400)
        expect(data.code).toBe('invalid_json')
        expect(data.messages).toEqual(['request body is not valid JSON; send a JSON object'])
        expect(data.requestId).toBe(result.headers.get('x-request-id'))
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('403 without permission', async () => {
        const { token, organizationId } = await mint({ permissions: [] })
        const { client, responses } = createTestTrpcClient(server.url, token)

        const error = await captureClientError(client.organizations.create.mutate({}))
        const rest = await sendRest(server.url, { token, json: {} })

        expect(error.data?.code).toBe('insufficient_permission')
        expect(error.data?.trpcCode).toBe('FORBIDDEN')
        expect(error.data?.httpStatus).toBe(403)
        expect(error.data?.requestId).toBe(responses[0]?.headers.get('x-request-id'))
        expect(responses[0]?.status).toBe(403)
        expect(responses[0]?.headers.get('www-authenticate')).toBe(
          rest.headers.get('www-authenticate'),
        )
        expect(responses[0]?.headers.get('www-authenticate')).toContain(
          'error="insufficient_scope"',
        )
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('403 without organisation context', async () => {
        const { token } = await mint({ org_id: undefined })
        const { client } = createTestTrpcClient(server.url, token)

        const error = await captureClientError(client.organizations.create.mutate({}))

        expect(error.data?.code).toBe('missing_organization_context')
        expect(error.data?.httpStatus).toBe(403)
      })

      it('403 on jurisdiction mismatch', async () => {
        const { token, organizationId } = await mint({ [DEFAULT_JURISDICTION_CLAIM]: 'jur_uk_eng' })
        const { client } = createTestTrpcClient(server.url, token)

        const error = await captureClientError(
          client.organizations.create.mutate({ jurisdictionId: 'jur_uk_wls' }),
        )

        expect(error.data?.code).toBe('jurisdiction_mismatch')
        expect(error.data?.httpStatus).toBe(403)
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('400 with several messages', async () => {
        const { token, organizationId } = await mint()
        const { client, responses } = createTestTrpcClient(server.url, token)
        const input = { name: 'x'.repeat(201), typeCode: 'hospital' } as unknown as CreateInput

        const error = await captureClientError(client.organizations.create.mutate(input))

        expect(error.data?.code).toBe('validation_failed')
        expect(error.data?.trpcCode).toBe('BAD_REQUEST')
        expect(error.data?.httpStatus).toBe(400)
        expect(error.data?.messages).toEqual([
          'name must be at most 200 characters (got 201)',
          'typeCode "hospital" is not supported; use one of commissioner, provider, health_board',
        ])
        expect(error.data?.requestId).toBe(responses[0]?.headers.get('x-request-id'))
        expect(responses[0]?.status).toBe(400)
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('400 for values missing everywhere', async () => {
        const { token, organizationId } = await mint({
          org_name: undefined,
          [DEFAULT_JURISDICTION_CLAIM]: undefined,
        })
        const { client } = createTestTrpcClient(server.url, token)

        const error = await captureClientError(client.organizations.create.mutate({}))

        expect(error.data?.code).toBe('validation_failed')
        expect(error.data?.messages).toHaveLength(2)
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('400 for unknown jurisdiction', async () => {
        const { token, organizationId } = await mint({ [DEFAULT_JURISDICTION_CLAIM]: undefined })
        const { client } = createTestTrpcClient(server.url, token)

        const error = await captureClientError(
          client.organizations.create.mutate({ jurisdictionId: 'jur_fr' }),
        )

        expect(error.data?.code).toBe('unknown_jurisdiction')
        expect(error.data?.httpStatus).toBe(400)
        expect(error.data?.messages).toEqual([
          'jurisdictionId "jur_fr" is not a supported jurisdiction; use one of jur_uk_eng, jur_uk_nir, jur_uk_sct, jur_uk_wls',
        ])
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('400 for unknown field', async () => {
        const { token } = await mint()
        const { client } = createTestTrpcClient(server.url, token)
        const input = { name: 'Lambeth', region: 'London' } as unknown as CreateInput

        const error = await captureClientError(client.organizations.create.mutate(input))

        expect(error.data?.code).toBe('validation_failed')
        expect(error.data?.messages).toEqual([
          'unknown field "region"; the accepted fields are name, typeCode and jurisdictionId',
        ])
      })

      it('409 names existing organisation', async () => {
        const { token, organizationId } = await mint()
        const { client, responses } = createTestTrpcClient(server.url, token)
        const first = await client.organizations.create.mutate({})

        const error = await captureClientError(
          client.organizations.create.mutate({ name: 'Second Attempt' }),
        )

        expect(error.data?.code).toBe('organization_exists')
        expect(error.data?.trpcCode).toBe('CONFLICT')
        expect(error.data?.httpStatus).toBe(409)
        expect(error.data?.messages).toHaveLength(1)
        expect(error.data?.messages[0]).toContain(first.id)
        expect(error.data?.requestId).toBe(responses[1]?.headers.get('x-request-id'))
        expect(responses[1]?.status).toBe(409)
        expect(await server.countOrganizations(organizationId)).toBe(1)
      })

      it('error data omits stack', async () => {
        const { client } = createTestTrpcClient(server.url)

        const error = await captureClientError(client.organizations.create.mutate({}))

        expect(error.data).not.toHaveProperty('stack')
        expect(error.shape).not.toHaveProperty('data.stack')
      })
    })
  })
}
