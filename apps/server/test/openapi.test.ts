import { randomUUID } from 'node:crypto'
import { KeySetUnavailableError, listJurisdictions, type TokenVerifier } from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { oas31 } from 'zod-openapi'
import { buildOpenApiDocument } from '../src/openapi/document.js'
import { readDocumentedResponse } from './support/openapi.js'
import { startTestServer, type TestServer } from './support/server.js'

// The document does not depend on the database, so the embedded one is enough here.
const pglite = databaseTargets().find((target) => target.name === 'pglite')
if (!pglite) {
  throw new Error('the pglite database target is missing')
}

let issuer: TestIssuer
let server: TestServer
let document: oas31.OpenAPIObject

beforeAll(async () => {
  issuer = await startTestIssuer()
  server = await startTestServer({ target: pglite, issuer, bodyLimitBytes: 1_024 })
  const response = await fetch(`${server.url}/openapi.json`)
  document = (await response.json()) as oas31.OpenAPIObject
})

afterAll(async () => {
  await server?.close()
  await issuer?.stop()
})

// The document has no $ref in the places these read, so the casts only narrow unions.
function createOperation(): oas31.OperationObject {
  return document.paths?.['/v1/organizations']?.post as oas31.OperationObject
}

function responseOf(status: string): oas31.ResponseObject {
  return createOperation().responses?.[status] as oas31.ResponseObject
}

function componentSchema(name: string): oas31.SchemaObject {
  return document.components?.schemas?.[name] as oas31.SchemaObject
}

function propertyOf(schemaName: string, property: string): oas31.SchemaObject {
  return componentSchema(schemaName).properties?.[property] as oas31.SchemaObject
}

function headerOf(response: oas31.ResponseObject, name: string): oas31.HeaderObject | undefined {
  return response.headers?.[name] as oas31.HeaderObject | undefined
}

/** A parsed error envelope or organisation, read loosely by the assertions. */
type ResponseBody = Record<string, unknown>

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator()

    const result = await validator.validate(JSON.parse(JSON.stringify(document)))

    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('serves the built document as JSON', async () => {
    const response = await fetch(`${server.url}/openapi.json`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())))
  })

  it('keeps the operation identity', () => {
    const operation = createOperation()

    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths ?? {})).toEqual(['/v1/organizations'])
    expect(Object.keys(document.paths?.['/v1/organizations'] ?? {})).toEqual(['post'])
    expect(operation.operationId).toBe('create')
    expect(operation.summary).toBe('Create an organisation')
    expect(operation.security).toEqual([{ auth0Bearer: [] }])
    expect(document.components?.securitySchemes?.auth0Bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
  })

  it('lists every error status', () => {
    const statuses = Object.keys(createOperation().responses ?? {})

    expect(statuses).toEqual(['200', '400', '401', '403', '409', '413', '415', '500', '503'])
    expect(Object.keys(document.components?.responses ?? {})).toEqual([
      'NotFound',
      'MethodNotAllowed',
    ])
  })

  it('documents the request headers', () => {
    const parameters = createOperation().parameters as oas31.ParameterObject[]
    const idempotencyKey = parameters.find((parameter) => parameter.name === 'Idempotency-Key')
    const requestId = parameters.find((parameter) => parameter.name === 'X-Request-Id')

    expect(idempotencyKey).toMatchObject({
      in: 'header',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    })
    expect(idempotencyKey?.required ?? false).toBe(false)
    expect(requestId).toMatchObject({ in: 'header', schema: { type: 'string' } })
  })

  it('documents the three optional body fields', () => {
    const requestBody = createOperation().requestBody as oas31.RequestBodyObject
    const body = componentSchema('CreateOrganizationRequest')

    expect(requestBody.required).toBe(false)
    expect(Object.keys(body.properties ?? {})).toEqual(['name', 'typeCode', 'jurisdictionId'])
    expect(body.required).toBeUndefined()
    expect(body.additionalProperties).toBe(false)
    expect(propertyOf('CreateOrganizationRequest', 'typeCode').enum).toEqual([
      'commissioner',
      'provider',
      'health_board',
    ])
    expect(propertyOf('CreateOrganizationRequest', 'name').description).toMatch(
      /1 to 200 characters/,
    )
  })

  it('names every supported jurisdiction', async () => {
    const description = propertyOf('CreateOrganizationRequest', 'jurisdictionId').description ?? ''
    const jurisdictions = await listJurisdictions(server.database.db)

    const named = [...description.matchAll(/`(jur_[a-z_]+)`/g)].map((match) => match[1])

    expect(named.sort()).toEqual(jurisdictions.map((jurisdiction) => jurisdiction.id).sort())
    expect(jurisdictions.length).toBeGreaterThan(0)
  })

  it('lists the codes each status can carry', () => {
    const codes = (name: string) => propertyOf(name, 'code').enum

    expect(codes('BadRequestError')).toEqual([
      'invalid_json',
      'validation_failed',
      'unknown_jurisdiction',
    ])
    expect(codes('UnauthorizedError')).toEqual(['invalid_token'])
    expect(codes('ForbiddenError')).toEqual([
      'missing_organization_context',
      'insufficient_permission',
      'jurisdiction_mismatch',
    ])
    expect(codes('ConflictError')).toEqual(['organization_exists', 'conflict'])
    expect(codes('PayloadTooLargeError')).toEqual(['payload_too_large'])
    expect(codes('UnsupportedMediaTypeError')).toEqual(['unsupported_media_type'])
    expect(codes('ServiceUnavailableError')).toEqual(['service_unavailable'])
    expect(codes('NotFoundError')).toEqual(['not_found'])
    expect(codes('MethodNotAllowedError')).toEqual(['method_not_allowed'])
  })

  it('documents the response headers', () => {
    const required = (status: string, name: string) =>
      headerOf(responseOf(status), name)?.required ?? false

    for (const status of ['200', '400', '401', '403', '409', '413', '415', '500', '503']) {
      expect(required(status, 'X-Request-Id'), status).toBe(true)
    }
    expect(required('401', 'WWW-Authenticate')).toBe(true)
    expect(headerOf(responseOf('403'), 'WWW-Authenticate')).toBeDefined()
    expect(required('503', 'Retry-After')).toBe(true)
    expect(headerOf(responseOf('409'), 'Retry-After')).toBeDefined()
    for (const status of ['200', '400', '409']) {
      expect(headerOf(responseOf(status), 'Idempotency-Replayed'), status).toBeDefined()
    }
    const methodNotAllowed = document.components?.responses
      ?.MethodNotAllowed as oas31.ResponseObject
    expect(headerOf(methodNotAllowed, 'Allow')?.required).toBe(true)
  })
})

describe('responses match the document', () => {
  const url = () => `${server.url}/v1/organizations`

  async function post(
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<{ response: Response; body: ResponseBody }> {
    const response = await fetch(url(), { method: 'POST', headers, body })
    const parsed = (await readDocumentedResponse(response, 'POST')) as ResponseBody
    return { response, body: parsed }
  }

  async function jsonHeaders(claims?: Record<string, unknown>): Promise<Record<string, string>> {
    const token = await issuer.mintToken(claims ? { claims } : {})
    return { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  }

  it('200 with an empty body', async () => {
    const { authorization = '' } = await jsonHeaders()

    const { response, body } = await post({ authorization }, undefined)

    expect(response.status).toBe(200)
    expect(body.typeCode).toBe('commissioner')
  })

  it('400 for each kind of bad request', async () => {
    const headers = await jsonHeaders({ 'https://cail.health/jurisdiction_id': undefined })
    const cases = [
      { body: '{"name":', code: 'invalid_json' },
      { body: '[]', code: 'validation_failed' },
      { body: '{"colour":"red"}', code: 'validation_failed' },
      { body: '{"jurisdictionId":"jur_fr"}', code: 'unknown_jurisdiction' },
    ]

    for (const { body, code } of cases) {
      const result = await post(headers, body)
      expect(result.response.status, body).toBe(400)
      expect(result.body.code, body).toBe(code)
    }

    const invalidKey = await post({ ...headers, 'idempotency-key': 'two words' }, '{}')
    expect(invalidKey.response.status).toBe(400)
    expect(invalidKey.body.message).toEqual([
      'Idempotency-Key must contain only visible ASCII characters, without spaces; send 1 to 255 visible ASCII characters, such as a UUID',
    ])
  })

  it('401 with and without a token', async () => {
    const missing = await post({ 'content-type': 'application/json' }, '{}')
    const invalid = await post(
      { authorization: 'Bearer not.a.jwt', 'content-type': 'application/json' },
      '{}',
    )

    expect(missing.response.status).toBe(401)
    expect(missing.response.headers.get('www-authenticate')).toBe('Bearer realm="cail"')
    expect(invalid.response.status).toBe(401)
    expect(invalid.response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
  })

  it('403 for each forbidden case', async () => {
    const noOrganization = await post(await jsonHeaders({ org_id: undefined }), '{}')
    const noPermission = await post(await jsonHeaders({ permissions: [] }), '{}')
    const otherJurisdiction = await post(
      await jsonHeaders(),
      JSON.stringify({ jurisdictionId: 'jur_uk_wls' }),
    )

    expect(noOrganization.body.code).toBe('missing_organization_context')
    expect(noPermission.body.code).toBe('insufficient_permission')
    expect(noPermission.response.headers.get('www-authenticate')).toMatch(/insufficient_scope/)
    expect(otherJurisdiction.body.code).toBe('jurisdiction_mismatch')
  })

  it('404 and 405 from the component responses', async () => {
    const unknownPath = await fetch(`${server.url}/v1/organisations`, { method: 'POST' })
    const wrongMethod = await fetch(url(), { method: 'GET' })

    expect(unknownPath.status).toBe(404)
    expect(((await readDocumentedResponse(unknownPath, 'POST')) as { code: string }).code).toBe(
      'not_found',
    )
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
    await readDocumentedResponse(wrongMethod, 'GET')
  })

  it('409 for an existing organisation and a reused key', async () => {
    const headers = await jsonHeaders({ org_id: `org_${randomUUID().slice(0, 8)}` })
    const key = randomUUID()
    await post({ ...headers, 'idempotency-key': key }, '{}')

    const exists = await post(headers, '{}')
    const reused = await post({ ...headers, 'idempotency-key': key }, '{"typeCode":"provider"}')

    expect(exists.body.code).toBe('organization_exists')
    expect(reused.body.code).toBe('conflict')
    expect(reused.body.message).toBe('Idempotency key reused with a different body.')
  })

  it('413 and 415', async () => {
    const headers = await jsonHeaders()

    const tooLarge = await post(headers, JSON.stringify({ name: 'x'.repeat(2_000) }))
    const wrongType = await post({ ...headers, 'content-type': 'text/plain' }, 'name=x')

    expect(tooLarge.body.code).toBe('payload_too_large')
    expect(wrongType.body.code).toBe('unsupported_media_type')
  })

  it('500 and 503 from a failing verifier', async () => {
    const failing = (error: Error): TokenVerifier => ({
      verify: async () => {
        throw error
      },
    })
    const unavailable = await startTestServer({
      target: pglite,
      issuer,
      database: server.database,
      dependencies: {
        verifier: failing(new KeySetUnavailableError("the issuer's key set could not be fetched")),
      },
    })
    const broken = await startTestServer({
      target: pglite,
      issuer,
      database: server.database,
      dependencies: { verifier: failing(new Error('verifier bug')) },
    })

    try {
      const headers = await jsonHeaders()
      const init = { method: 'POST', headers, body: '{}' }
      const serviceUnavailable = await fetch(`${unavailable.url}/v1/organizations`, init)
      const internalError = await fetch(`${broken.url}/v1/organizations`, init)

      expect(serviceUnavailable.status).toBe(503)
      expect(serviceUnavailable.headers.get('retry-after')).toBe('5')
      await readDocumentedResponse(serviceUnavailable, 'POST')
      expect(internalError.status).toBe(500)
      expect(await readDocumentedResponse(internalError, 'POST')).toMatchObject({
        statusCode: 500,
        message: 'Internal server error',
      })
    } finally {
      await unavailable.close()
      await broken.close()
    }
  })

  it('the checker rejects an undocumented field', async () => {
    const origin = server.url
    const fake = new Response(
      JSON.stringify({ statusCode: 404, message: 'x', error: 'Not Found', code: 'not_found' }),
      { status: 404, headers: { 'content-type': 'application/json', 'x-request-id': 'r' } },
    )
    Object.defineProperty(fake, 'url', { value: `${origin}/nowhere` })

    await expect(readDocumentedResponse(fake, 'GET')).rejects.toThrow(/does not match/)
  })
})
