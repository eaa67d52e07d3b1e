import { DEFAULT_JURISDICTION_CLAIM } from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ErrorEnvelope,
  expectErrorEnvelope,
  type HttpResult,
  type RestRequest,
  sendRest,
  UUID,
} from './support/http.js'
import { startTestServer, type TestServer } from './support/server.js'
import { newOrganizationId } from './support/tokens.js'

const BODY_LIMIT_BYTES = 16_384
const SUPPORTED_JURISDICTIONS = ['jur_uk_eng', 'jur_uk_nir', 'jur_uk_sct', 'jur_uk_wls']
const CONTROL_CHARACTER_MESSAGE =
  'name must not contain control characters such as line breaks, tabs or NUL'

interface CreatedOrganization {
  id: string
  name: string
  typeCode: string
  jurisdictionId: string
  active: boolean
}

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer()
})

afterAll(async () => {
  await issuer.stop()
})

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`REST create validation on ${target.name}`, () => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer({ target, issuer })
    })

    afterAll(async () => {
      await server?.close()
    })

    /**
     * Sends `request` with a valid operator token for a fresh Auth0 organisation. `claims`
     * override the token's default claims; undefined removes one.
     */
    async function create(request: RestRequest, claims: Record<string, unknown> = {}) {
      const organizationId = newOrganizationId()
      const token = await issuer.mintToken({ claims: { org_id: organizationId, ...claims } })
      const result = await sendRest(server.url, { token, ...request })
      return { result, organizationId }
    }

    async function expectCreated(
      request: RestRequest,
      claims: Record<string, unknown> = {},
    ): Promise<CreatedOrganization> {
      const { result, organizationId } = await create(request, claims)

      expect(result.status).toBe(200)
      expect(await server.countOrganizations(organizationId)).toBe(1)
      return result.json as CreatedOrganization
    }

    /** Checks the failure envelope and that the failed request left no row. */
    async function expectRejected(
      request: RestRequest,
      expected: { status: number; code: string },
      claims: Record<string, unknown> = {},
    ): Promise<{ envelope: ErrorEnvelope; result: HttpResult }> {
      const { result, organizationId } = await create(request, claims)

      const envelope = expectErrorEnvelope(result, expected)
      expect(await server.countOrganizations(organizationId)).toBe(0)
      return { envelope, result }
    }

    async function expectInvalid(json: unknown, messages: string[]): Promise<void> {
      const { envelope } = await expectRejected(
        { json },
        { status: 400, code: 'validation_failed' },
      )

      expect(envelope.message).toEqual(messages)
    }

    describe('success', () => {
      it('creates from token claims with {}', async () => {
        const created = await expectCreated({ json: {} })

        expect(Object.keys(created).sort()).toEqual([
          'active',
          'id',
          'jurisdictionId',
          'name',
          'typeCode',
        ])
        expect(created.id).toMatch(UUID)
        expect(created.name).toBe('Lambeth Primary Care Network')
        expect(created.typeCode).toBe('commissioner')
        expect(created.jurisdictionId).toBe('jur_uk_eng')
        expect(created.active).toBe(true)
      })

      it('responds with JSON content type', async () => {
        const { result } = await create({ json: {} })

        expect(result.headers.get('content-type')).toMatch(/^application\/json\b/)
      })

      it('prefers body values over claims', async () => {
        const created = await expectCreated(
          { json: { name: 'Body Name', typeCode: 'provider', jurisdictionId: 'jur_uk_sct' } },
          { org_name: 'Claim Name', [DEFAULT_JURISDICTION_CLAIM]: undefined },
        )

        expect(created.name).toBe('Body Name')
        expect(created.typeCode).toBe('provider')
        expect(created.jurisdictionId).toBe('jur_uk_sct')
      })

      it('treats empty JSON body as {}', async () => {
        const created = await expectCreated({
          body: '',
          headers: { 'content-type': 'application/json' },
        })

        expect(created.name).toBe('Lambeth Primary Care Network')
      })

      it('treats missing body as {}', async () => {
        const created = await expectCreated({})

        expect(created.jurisdictionId).toBe('jur_uk_eng')
      })

      it('accepts JSON with charset parameter', async () => {
        await expectCreated({
          body: '{"name":"Charset Trust"}',
          headers: { 'content-type': 'application/json; charset=utf-8' },
        })
      })
    })

    describe('name', () => {
      const acceptedNames: [string, string, string][] = [
        [
          'Welsh circumflex',
          'Gwasanaeth Ambiwlans Cymru – Tŷ Elai',
          'Gwasanaeth Ambiwlans Cymru – Tŷ Elai',
        ],
        ['Scottish Gaelic grave', 'Bòrd Slàinte na Gàidhealtachd', 'Bòrd Slàinte na Gàidhealtachd'],
        [
          'Irish acute',
          'Feidhmeannacht na Seirbhíse Sláinte',
          'Feidhmeannacht na Seirbhíse Sláinte',
        ],
        ['accented Latin', 'Clínica São José – Zoë Ærø', 'Clínica São José – Zoë Ærø'],
        ['surrounding spaces', '  Lambeth PCN \u00a0', 'Lambeth PCN'],
        ['decomposed NFD', 'Ty\u0302 Elai Cafe\u0301', 'Tŷ Elai Café'],
        ['200 ASCII characters', 'a'.repeat(200), 'a'.repeat(200)],
        ['200 astral characters', '𝔸'.repeat(200), '𝔸'.repeat(200)],
        ['200 after trimming', ` ${'b'.repeat(200)} `, 'b'.repeat(200)],
        ['400 NFD as 200 NFC', 'y\u0302'.repeat(200), 'ŷ'.repeat(200)],
        ['zero-width non-joiner inside a word', 'درمانگاه\u200cها', 'درمانگاه\u200cها'],
        [
          'emoji joined sequence',
          'Clinic \u{1F469}\u200d\u2695\ufe0f',
          'Clinic \u{1F469}\u200d\u2695\ufe0f',
        ],
      ]

      for (const [description, sent, stored] of acceptedNames) {
        it(`accepts ${description}`, async () => {
          const created = await expectCreated({ json: { name: sent } })

          expect(created.name).toBe(stored)
        })
      }

      it('returns names in NFC', async () => {
        const created = await expectCreated({ json: { name: 'Cafe\u0301 Ysbyty' } })

        expect(created.name.normalize('NFC')).toBe(created.name)
      })

      const rejectedNames: [string, unknown, string[]][] = [
        ['empty name', '', ['name must not be empty']],
        ['whitespace-only name', ' \t\n ', ['name must not be empty']],
        [
          '201 ASCII characters',
          'a'.repeat(201),
          ['name must be at most 200 characters (got 201)'],
        ],
        [
          '201 astral characters',
          '𝔸'.repeat(201),
          ['name must be at most 200 characters (got 201)'],
        ],
        ['NUL character', 'Lambeth\u0000PCN', [CONTROL_CHARACTER_MESSAGE]],
        ['inner tab', 'Lambeth\tPCN', [CONTROL_CHARACTER_MESSAGE]],
        ['inner line feed', 'Lambeth\nPCN', [CONTROL_CHARACTER_MESSAGE]],
        ['inner carriage return', 'Lambeth\rPCN', [CONTROL_CHARACTER_MESSAGE]],
        ['escape character', 'Lambeth\u001bPCN', [CONTROL_CHARACTER_MESSAGE]],
        ['DEL character', 'Lambeth\u007fPCN', [CONTROL_CHARACTER_MESSAGE]],
        ['C1 next line', 'Lambeth\u0085PCN', [CONTROL_CHARACTER_MESSAGE]],
        ['line separator', 'Lambeth\u2028PCN', [CONTROL_CHARACTER_MESSAGE]],
        ['paragraph separator', 'Lambeth\u2029PCN', [CONTROL_CHARACTER_MESSAGE]],
        [
          'unpaired surrogate',
          'Lambeth \ud800 PCN',
          ['name contains an unpaired UTF-16 surrogate; send valid Unicode text'],
        ],
        [
          'zero-width spaces only',
          '\u200b\u200b',
          [
            'name must contain at least one visible character; zero-width and other invisible characters alone do not make a name',
          ],
        ],
        [
          'right-to-left override',
          'abc\u202eevil',
          [
            'name must not contain bidirectional override or isolate characters (U+202A to U+202E, U+2066 to U+2069)',
          ],
        ],
        [
          'left-to-right isolate',
          'Lambeth \u2066PCN\u2069',
          [
            'name must not contain bidirectional override or isolate characters (U+202A to U+202E, U+2066 to U+2069)',
          ],
        ],
        [
          'noncharacter U+FFFF',
          'Lambeth\uffff',
          ['name must not contain Unicode noncharacters such as U+FFFF'],
        ],
        ['number name', 42, ['name must be a string, not number 42']],
        ['null name', null, ['name must be a string, not null']],
        ['array name', ['Lambeth'], ['name must be a string, not an array']],
        ['object name', { en: 'Lambeth' }, ['name must be a string, not an object']],
      ]

      for (const [description, name, messages] of rejectedNames) {
        it(`rejects ${description}`, async () => {
          await expectInvalid({ name }, messages)
        })
      }

      it('rejects invalid org_name claim', async () => {
        const { envelope } = await expectRejected(
          { json: {} },
          { status: 400, code: 'validation_failed' },
          { org_name: 'x'.repeat(201) },
        )

        expect(envelope.message).toEqual([
          "the token's org_name claim must be at most 200 characters (got 201); send name in the request body",
        ])
      })

      it('body name overrides invalid claim', async () => {
        const created = await expectCreated(
          { json: { name: 'Valid Body Name' } },
          { org_name: 'Bad\u0000Claim' },
        )

        expect(created.name).toBe('Valid Body Name')
      })
    })

    describe('typeCode', () => {
      for (const typeCode of ['commissioner', 'provider', 'health_board']) {
        it(`accepts ${typeCode}`, async () => {
          const created = await expectCreated({ json: { typeCode } })

          expect(created.typeCode).toBe(typeCode)
        })
      }

      const rejectedTypeCodes: [string, unknown, string][] = [
        ['unknown value', 'hospital', '"hospital"'],
        ['wrong case', 'Provider', '"Provider"'],
        ['empty string', '', '""'],
        ['number', 1, 'number 1'],
        ['null', null, 'null'],
      ]

      for (const [description, typeCode, shown] of rejectedTypeCodes) {
        it(`rejects ${description}`, async () => {
          await expectInvalid({ typeCode }, [
            `typeCode ${shown} is not supported; use one of commissioner, provider, health_board`,
          ])
        })
      }
    })

    describe('jurisdictionId', () => {
      const noJurisdictionClaim = { [DEFAULT_JURISDICTION_CLAIM]: undefined }

      for (const jurisdictionId of SUPPORTED_JURISDICTIONS) {
        it(`accepts ${jurisdictionId} from body`, async () => {
          const created = await expectCreated({ json: { jurisdictionId } }, noJurisdictionClaim)

          expect(created.jurisdictionId).toBe(jurisdictionId)
        })
      }

      it('takes jurisdiction from token claim', async () => {
        const created = await expectCreated(
          { json: {} },
          { [DEFAULT_JURISDICTION_CLAIM]: 'jur_uk_wls' },
        )

        expect(created.jurisdictionId).toBe('jur_uk_wls')
      })

      it('accepts body equal to claim', async () => {
        const created = await expectCreated(
          { json: { jurisdictionId: 'jur_uk_nir' } },
          { [DEFAULT_JURISDICTION_CLAIM]: 'jur_uk_nir' },
        )

        expect(created.jurisdictionId).toBe('jur_uk_nir')
      })

      it('rejects body differing from claim', async () => {
        const { envelope } = await expectRejected(
          { json: { jurisdictionId: 'jur_uk_sct' } },
          { status: 403, code: 'jurisdiction_mismatch' },
          { [DEFAULT_JURISDICTION_CLAIM]: 'jur_uk_eng' },
        )

        expect(envelope.message).toBe(
          `jurisdictionId "jur_uk_sct" differs from the token's jurisdiction "jur_uk_eng"; omit jurisdictionId or sign in for that jurisdiction`,
        )
      })

      const unknownJurisdictions: [string, string][] = [
        ['unknown id', 'jur_fr'],
        ['wrong case id', 'JUR_UK_ENG'],
        ['id with spaces', 'jur uk eng'],
        ['id with quote', "jur_uk_eng'--"],
        ['empty id', ''],
        ['very long id', `jur_${'x'.repeat(500)}`],
      ]

      for (const [description, jurisdictionId] of unknownJurisdictions) {
        it(`rejects ${description}`, async () => {
          const { envelope } = await expectRejected(
            { json: { jurisdictionId } },
            { status: 400, code: 'unknown_jurisdiction' },
            noJurisdictionClaim,
          )

          expect(envelope.message).toBe(
            `jurisdictionId ${JSON.stringify(jurisdictionId)} is not a supported jurisdiction; use one of ${SUPPORTED_JURISDICTIONS.join(', ')}`,
          )
        })
      }

      it('rejects unknown jurisdiction claim', async () => {
        const { envelope } = await expectRejected(
          { json: {} },
          { status: 400, code: 'unknown_jurisdiction' },
          { [DEFAULT_JURISDICTION_CLAIM]: 'jur_de' },
        )

        expect(envelope.message).toContain('"jur_de"')
      })

      it('rejects number jurisdictionId', async () => {
        await expectInvalid({ jurisdictionId: 5 }, [
          'jurisdictionId must be a string, not number 5',
        ])
      })
    })

    describe('values missing from body and token', () => {
      const nameMissing =
        'name is missing; send it in the request body or use a token with the org_name claim'
      const jurisdictionMissing = `jurisdictionId is missing; send it in the request body or use a token with the ${DEFAULT_JURISDICTION_CLAIM} claim`

      it('reports both missing values', async () => {
        const { envelope } = await expectRejected(
          { json: {} },
          { status: 400, code: 'validation_failed' },
          { org_name: undefined, [DEFAULT_JURISDICTION_CLAIM]: undefined },
        )

        expect(envelope.message).toEqual([nameMissing, jurisdictionMissing])
      })

      it('reports missing name only', async () => {
        const { envelope } = await expectRejected(
          { json: { jurisdictionId: 'jur_uk_eng' } },
          { status: 400, code: 'validation_failed' },
          { org_name: undefined },
        )

        expect(envelope.message).toEqual([nameMissing])
      })

      it('reports missing jurisdiction only', async () => {
        const { envelope } = await expectRejected(
          { json: { name: 'Named in Body' } },
          { status: 400, code: 'validation_failed' },
          { [DEFAULT_JURISDICTION_CLAIM]: undefined },
        )

        expect(envelope.message).toEqual([jurisdictionMissing])
      })

      it('treats empty claims as missing', async () => {
        const { envelope } = await expectRejected(
          { json: {} },
          { status: 400, code: 'validation_failed' },
          { org_name: '', [DEFAULT_JURISDICTION_CLAIM]: '' },
        )

        expect(envelope.message).toEqual([nameMissing, jurisdictionMissing])
      })
    })

    describe('body shape', () => {
      it('rejects unknown field', async () => {
        await expectInvalid({ name: 'Lambeth', region: 'London' }, [
          'unknown field "region"; the accepted fields are name, typeCode and jurisdictionId',
        ])
      })

      it('rejects server-owned fields', async () => {
        await expectInvalid({ id: '00000000-0000-4000-8000-000000000000', active: false }, [
          'unknown field "id", "active"; the accepted fields are name, typeCode and jurisdictionId',
        ])
      })

      it('reports one message per problem', async () => {
        await expectInvalid({ name: 'x'.repeat(201), typeCode: 'hospital' }, [
          'name must be at most 200 characters (got 201)',
          'typeCode "hospital" is not supported; use one of commissioner, provider, health_board',
        ])
      })

      const nonObjectBodies: [string, string, string][] = [
        ['array body', '[]', 'an array'],
        ['string body', '"Lambeth"', '"Lambeth"'],
        ['number body', '42', 'number 42'],
        ['boolean body', 'true', 'boolean true'],
        ['null body', 'null', 'null'],
      ]

      for (const [description, body, shown] of nonObjectBodies) {
        it(`rejects ${description}`, async () => {
          const { envelope } = await expectRejected(
            { body, headers: { 'content-type': 'application/json' } },
            { status: 400, code: 'validation_failed' },
          )

          expect(envelope.message).toEqual([`request body must be a JSON object, not ${shown}`])
        })
      }

      const invalidJsonBodies: [string, string][] = [
        ['truncated object', '{"name":"Lambeth"'],
        ['single quotes', "{'name':'Lambeth'}"],
        ['trailing comma', '{"name":"Lambeth",}'],
        ['two documents', '{}{}'],
      ]

      for (const [description, body] of invalidJsonBodies) {
        it(`rejects invalid JSON ${description}`, async () => {
          const { envelope } = await expectRejected(
            { body, headers: { 'content-type': 'application/json' } },
            { status: 400, code: 'invalid_json' },
          )

          expect(String(envelope.message)).toContain('not valid JSON')
        })
      }

      it('rejects __proto__ key', async () => {
        const { envelope } = await expectRejected(
          {
            body: '{"name":"Lambeth","__proto__":{"active":false}}',
            headers: { 'content-type': 'application/json' },
          },
          { status: 400, code: 'invalid_json' },
        )

        expect(String(envelope.message)).toContain('__proto__')
      })

      it('rejects constructor.prototype key', async () => {
        await expectRejected(
          {
            body: '{"constructor":{"prototype":{"active":false}}}',
            headers: { 'content-type': 'application/json' },
          },
          { status: 400, code: 'invalid_json' },
        )
      })
    })

    describe('content type and size', () => {
      const unsupportedTypes: [string, string][] = [
        ['text/plain', '{}'],
        ['application/x-www-form-urlencoded', 'name=Lambeth'],
        ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
        ['application/xml', '<organization/>'],
      ]

      for (const [contentType, body] of unsupportedTypes) {
        it(`rejects ${contentType.split(';')[0]} body`, async () => {
          const { envelope } = await expectRejected(
            { body, headers: { 'content-type': contentType } },
            { status: 415, code: 'unsupported_media_type' },
          )

          expect(envelope.message).toBe(
            `Content-Type ${JSON.stringify(contentType)} is not supported; send the body as application/json`,
          )
        })
      }

      it('rejects body without content type', async () => {
        const { envelope } = await expectRejected(
          { body: new TextEncoder().encode('{"name":"Lambeth"}') },
          { status: 415, code: 'unsupported_media_type' },
        )

        expect(envelope.message).toBe(
          'request body has no Content-Type; send the body as application/json',
        )
      })

      it('parses body at size limit', async () => {
        const body = jsonOfLength(BODY_LIMIT_BYTES)

        const { envelope } = await expectRejected(
          { body, headers: { 'content-type': 'application/json' } },
          { status: 400, code: 'validation_failed' },
        )

        expect(envelope.message).toEqual([
          `name must be at most 200 characters (got ${BODY_LIMIT_BYTES - '{"name":""}'.length})`,
        ])
      })

      it('rejects body over size limit', async () => {
        const { envelope } = await expectRejected(
          {
            body: jsonOfLength(BODY_LIMIT_BYTES + 1),
            headers: { 'content-type': 'application/json' },
          },
          { status: 413, code: 'payload_too_large' },
        )

        expect(String(envelope.message)).toContain('too large')
      })

      it('rejects chunked body over limit', async () => {
        const chunk = new TextEncoder().encode(jsonOfLength(BODY_LIMIT_BYTES * 2))
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(chunk)
            controller.close()
          },
        })

        await expectRejected(
          { body, headers: { 'content-type': 'application/json' } },
          { status: 413, code: 'payload_too_large' },
        )
      })
    })

    describe('routing', () => {
      it('rejects unknown path with 404', async () => {
        const { envelope, result } = await expectRejected(
          { path: '/v1/organisations', json: {} },
          { status: 404, code: 'not_found' },
        )

        expect(envelope.message).toContain('POST /v1/organisations')
        expect(result.headers.get('allow')).toBeNull()
      })

      it('rejects unversioned path with 404', async () => {
        await expectRejected(
          { path: '/organizations', json: {} },
          { status: 404, code: 'not_found' },
        )
      })

      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        it(`rejects ${method} with 405`, async () => {
          const { envelope, result } = await expectRejected(
            { method, json: method === 'GET' ? undefined : {} },
            { status: 405, code: 'method_not_allowed' },
          )

          expect(result.headers.get('allow')).toBe('POST')
          expect(envelope.message).toBe(`${method} is not allowed on /v1/organizations; use POST`)
        })
      }

      it('rejects HEAD with 405', async () => {
        const { result, organizationId } = await create({ method: 'HEAD' })

        expect(result.status).toBe(405)
        expect(result.headers.get('allow')).toBe('POST')
        expect(await server.countOrganizations(organizationId)).toBe(0)
      })
    })
  })
}

/** Builds the JSON object `{"name":"xxx…"}` with exactly `length` bytes. */
function jsonOfLength(length: number): string {
  const wrapper = '{"name":""}'
  return `{"name":"${'x'.repeat(length - wrapper.length)}"}`
}
