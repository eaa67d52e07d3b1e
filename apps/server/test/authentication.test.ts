import { databaseTargets, startTestIssuer, TEST_AUDIENCE, type TestIssuer } from '@cail/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ErrorEnvelope,
  expectErrorEnvelope,
  type RestRequest,
  sendRawHttp,
  sendRest,
  UUID,
} from './support/http.js'
import { startTestServer, type TestServer } from './support/server.js'
import {
  encodeUnsecuredToken,
  newOrganizationId,
  publicKeyEncodings,
  readKid,
  signWithHmac,
  signWithUnknownKey,
  tamperPayload,
  validClaims,
} from './support/tokens.js'

const NO_TOKEN_CHALLENGE = 'Bearer realm="cail"'
const MALFORMED_HEADER = 'malformed Authorization header; send Authorization: Bearer <access token>'

function invalidTokenChallenge(description: string): string {
  return `Bearer realm="cail", error="invalid_token", error_description="${description}"`
}

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`REST create over HTTP on ${target.name}`, () => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer({ target, issuer })
    })

    afterAll(async () => {
      await server?.close()
    })

    describe('authentication', () => {
      /** POSTs a valid `{}` body, so that only the credentials can fail. */
      function create(request: RestRequest) {
        return sendRest(server.url, { json: {}, ...request })
      }

      /** Checks a 401 envelope, its exact challenge, and that no row exists for `organizationId`. */
      async function expectUnauthorized(
        request: RestRequest,
        challenge: string,
        organizationId?: string,
      ): Promise<ErrorEnvelope> {
        const result = await create(request)

        const envelope = expectErrorEnvelope(result, { status: 401, code: 'invalid_token' })
        expect(result.headers.get('www-authenticate')).toBe(challenge)
        if (organizationId !== undefined) {
          expect(await server.countOrganizations(organizationId)).toBe(0)
        }
        return envelope
      }

      it('rejects missing Authorization header', async () => {
        const envelope = await expectUnauthorized({}, NO_TOKEN_CHALLENGE)

        expect(envelope.message).toBe(
          'missing bearer token; send Authorization: Bearer <access token>',
        )
      })

      it('rejects Basic scheme without error attributes', async () => {
        const envelope = await expectUnauthorized(
          { authorization: `Basic ${btoa('operator:secret')}` },
          NO_TOKEN_CHALLENGE,
        )

        expect(envelope.message).toBe(
          'the Authorization scheme is not supported; send Authorization: Bearer <access token>',
        )
      })

      it('rejects bearer scheme with trailing space', async () => {
        // fetch trims header values, so the trailing space goes out over a raw socket. Node's
        // HTTP parser still trims it, and the server reads `Bearer`.
        const result = await sendRawHttp(
          server.url,
          'POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ',
        )

        expectErrorEnvelope(result, { status: 401, code: 'invalid_token' })
        expect(result.headers.get('www-authenticate')).toBe(invalidTokenChallenge(MALFORMED_HEADER))
      })

      it('rejects bearer scheme without token', async () => {
        await expectUnauthorized(
          { authorization: 'Bearer' },
          invalidTokenChallenge(MALFORMED_HEADER),
        )
      })

      it('rejects bearer with two tokens', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({ claims: { org_id: organizationId } })

        await expectUnauthorized(
          { authorization: `Bearer ${token} ${token}` },
          invalidTokenChallenge(MALFORMED_HEADER),
          organizationId,
        )
      })

      it('rejects garbage token', async () => {
        await expectUnauthorized(
          { token: 'not-a-jwt' },
          invalidTokenChallenge('token is not a well-formed signed JWT'),
        )
      })

      it('rejects token outside b64token syntax', async () => {
        await expectUnauthorized(
          { token: 'eyJ{}.<script>' },
          invalidTokenChallenge(MALFORMED_HEADER),
        )
      })

      it('rejects alg none token', async () => {
        const organizationId = newOrganizationId()
        const token = encodeUnsecuredToken(validClaims(issuer, organizationId))

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token signing algorithm is not allowed'),
          organizationId,
        )
      })

      it('rejects HS256 keyed with public JWK', async () => {
        const organizationId = newOrganizationId()
        const token = await signWithHmac(
          validClaims(issuer, organizationId),
          publicKeyEncodings(issuer).jwk,
          issuer.publicJwk.kid,
        )

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token signing algorithm is not allowed'),
          organizationId,
        )
      })

      it('rejects HS256 keyed with public PEM', async () => {
        const organizationId = newOrganizationId()
        const token = await signWithHmac(
          validClaims(issuer, organizationId),
          publicKeyEncodings(issuer).pem,
          issuer.publicJwk.kid,
        )

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token signing algorithm is not allowed'),
          organizationId,
        )
      })

      it('rejects expired token', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({ claims: { org_id: organizationId }, expiresIn: -60 })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token has expired; request a new access token'),
          organizationId,
        )
      })

      it('rejects nbf beyond clock tolerance', async () => {
        const organizationId = newOrganizationId()
        const notBefore = Math.floor(Date.now() / 1000) + 60
        const token = await issuer.mintToken({
          claims: { org_id: organizationId, nbf: notBefore },
        })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token is not valid yet (nbf is in the future)'),
          organizationId,
        )
      })

      it('accepts nbf within clock tolerance', async () => {
        const notBefore = Math.floor(Date.now() / 1000) + 2
        const token = await issuer.mintToken({ claims: { nbf: notBefore } })

        const result = await create({ token })

        expect(result.status).toBe(200)
      })

      it('rejects wrong issuer', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({
          claims: { org_id: organizationId, iss: 'https://attacker.example/' },
        })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token was issued by an untrusted issuer'),
          organizationId,
        )
      })

      it('rejects issuer with extra trailing slash', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({
          claims: { org_id: organizationId, iss: `${issuer.issuer}/` },
        })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token was issued by an untrusted issuer'),
          organizationId,
        )
      })

      it('rejects wrong audience', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({
          claims: { org_id: organizationId, aud: 'https://other-api.example' },
        })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token was not issued for this API (audience mismatch)'),
          organizationId,
        )
      })

      it('accepts audience list containing ours', async () => {
        const token = await issuer.mintToken({
          claims: { aud: ['https://other-api.example', TEST_AUDIENCE] },
        })

        const result = await create({ token })

        expect(result.status).toBe(200)
      })

      it('rejects token without exp', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({ claims: { org_id: organizationId, exp: undefined } })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token is missing the required exp claim'),
          organizationId,
        )
      })

      it('rejects token without sub', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({ claims: { org_id: organizationId, sub: undefined } })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token is missing the required sub claim'),
          organizationId,
        )
      })

      it('rejects org_id with spaces', async () => {
        const organizationId = 'org with spaces'
        const token = await issuer.mintToken({ claims: { org_id: organizationId } })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token claim org_id must be 1 to 255 visible ASCII characters'),
          organizationId,
        )
      })

      it('rejects sub with control character', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({
          claims: { org_id: organizationId, sub: 'auth0|abc\u0000def' },
        })

        await expectUnauthorized(
          { token },
          invalidTokenChallenge('token claim sub must be 1 to 255 printable characters'),
          organizationId,
        )
      })

      it('rejects tampered payload', async () => {
        const signedFor = newOrganizationId()
        const tamperedTo = newOrganizationId()
        const token = await issuer.mintToken({
          claims: { org_id: signedFor, permissions: ['read:organizations'] },
        })

        await expectUnauthorized(
          {
            token: tamperPayload(token, {
              org_id: tamperedTo,
              permissions: ['create:organizations'],
            }),
          },
          invalidTokenChallenge('token signature is invalid'),
          tamperedTo,
        )
        expect(await server.countOrganizations(signedFor)).toBe(0)
      })

      it('rejects unknown kid', async () => {
        const organizationId = newOrganizationId()
        const token = await signWithUnknownKey(validClaims(issuer, organizationId))

        await expectUnauthorized(
          { token },
          invalidTokenChallenge("no key in the issuer's key set matches the token's kid"),
          organizationId,
        )
      })

      it('rejects token from another issuer', async () => {
        const otherIssuer = await startTestIssuer()
        try {
          const organizationId = newOrganizationId()
          const token = await otherIssuer.mintToken({ claims: { org_id: organizationId } })
          expect(readKid(token)).not.toBe(issuer.publicJwk.kid)

          await expectUnauthorized(
            { token },
            invalidTokenChallenge("no key in the issuer's key set matches the token's kid"),
            organizationId,
          )
        } finally {
          await otherIssuer.stop()
        }
      })

      it('rejects token without org_id', async () => {
        const token = await issuer.mintToken({ claims: { org_id: undefined } })

        const result = await create({ token })

        const envelope = expectErrorEnvelope(result, {
          status: 403,
          code: 'missing_organization_context',
        })
        expect(envelope.message).toBe(
          'token has no org_id claim; sign in through an Auth0 organisation to create its CAIL organisation',
        )
        expect(result.headers.get('www-authenticate')).toBeNull()
      })

      it('rejects token without permission', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({
          claims: { org_id: organizationId, permissions: ['read:organizations'] },
        })

        const result = await create({ token })

        const description =
          'token does not grant the create:organizations permission; ask an administrator of the Auth0 organisation to grant it'
        const envelope = expectErrorEnvelope(result, {
          status: 403,
          code: 'insufficient_permission',
        })
        expect(envelope.message).toBe(description)
        expect(result.headers.get('www-authenticate')).toBe(
          `Bearer realm="cail", error="insufficient_scope", error_description="${description}", scope="create:organizations"`,
        )
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('rejects scope with similar permission', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({
          claims: {
            org_id: organizationId,
            permissions: undefined,
            scope: 'create:organizations:all create:organization',
          },
        })

        const result = await create({ token })

        expectErrorEnvelope(result, { status: 403, code: 'insufficient_permission' })
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })

      it('accepts permission from scope claim', async () => {
        const organizationId = newOrganizationId()
        const token = await issuer.mintToken({
          claims: {
            org_id: organizationId,
            permissions: undefined,
            scope: 'openid create:organizations profile',
          },
        })

        const result = await create({ token })

        expect(result.status).toBe(200)
        expect(await server.countOrganizations(organizationId)).toBe(1)
      })

      it('accepts lowercase bearer scheme', async () => {
        const token = await issuer.mintToken()

        const result = await create({ authorization: `bearer ${token}` })

        expect(result.status).toBe(200)
      })
    })

    describe('envelope and request id', () => {
      it('envelope has every contract field', async () => {
        const result = await sendRest(server.url, { json: {} })

        const envelope = expectErrorEnvelope(result, { status: 401, code: 'invalid_token' })
        expect(Object.keys(envelope).sort()).toEqual([
          'code',
          'error',
          'message',
          'meta',
          'statusCode',
        ])
        expect(Object.keys(envelope.meta).sort()).toEqual(['requestId', 'timestamp'])
        expect(envelope.error).toBe('Unauthorized')
        expect(envelope.meta.requestId).toMatch(UUID)
      })

      it('echoes sane X-Request-Id on failure', async () => {
        const requestId = 'client-42.retry_1:abc'

        const result = await sendRest(server.url, {
          json: {},
          headers: { 'x-request-id': requestId },
        })

        expect(result.headers.get('x-request-id')).toBe(requestId)
        expect((result.json as ErrorEnvelope).meta.requestId).toBe(requestId)
      })

      it('echoes sane X-Request-Id on success', async () => {
        const token = await issuer.mintToken()
        const requestId = 'a'.repeat(128)

        const result = await sendRest(server.url, {
          token,
          json: {},
          headers: { 'x-request-id': requestId },
        })

        expect(result.status).toBe(200)
        expect(result.headers.get('x-request-id')).toBe(requestId)
      })

      const insaneRequestIds: [string, string][] = [
        ['over 128 characters', 'a'.repeat(129)],
        ['with spaces', 'abc def'],
        ['with a tab', 'abc\tdef'],
        ['with a quote', 'abc"def'],
        ['with a slash', '../../etc'],
      ]

      for (const [description, requestId] of insaneRequestIds) {
        it(`replaces X-Request-Id ${description}`, async () => {
          const result = await sendRest(server.url, {
            json: {},
            headers: { 'x-request-id': requestId },
          })

          const envelope = expectErrorEnvelope(result, { status: 401, code: 'invalid_token' })
          expect(envelope.meta.requestId).toMatch(UUID)
        })
      }

      it('rejects X-Request-Id with CR LF', async () => {
        // Node's HTTP parser rejects a bare CR or LF in a header value before the app reads it,
        // so the value can neither be echoed nor split the response headers.
        const response = await sendRawHttp(
          server.url,
          'POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: abc\rSet-Cookie: injected=1',
        )

        expect(response.status).toBe(400)
        expect(response.headers.get('set-cookie')).toBeNull()
        expect(response.raw).not.toContain('injected')
      })

      it('generates UUID without X-Request-Id', async () => {
        const result = await sendRest(server.url, { json: {} })

        expect(result.headers.get('x-request-id')).toMatch(UUID)
      })
    })
  })
}
