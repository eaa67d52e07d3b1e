/**
 * Checks HTTP responses against the server's own `/openapi.json`: the status must be listed
 * for the operation, required headers present, and header values and the JSON body valid
 * against their schemas (JSON Schema 2020-12, with ajv). Call `readDocumentedResponse` in
 * place of `response.json()` in any REST test.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { expect } from 'vitest'

interface Reference {
  $ref: string
}

interface HeaderObject {
  required?: boolean
  schema?: unknown
}

interface ResponseObject {
  headers?: Record<string, HeaderObject | Reference>
  content?: Record<string, { schema?: unknown }>
}

export interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject | Reference> }>>
  components?: { responses?: Record<string, ResponseObject> }
}

// Any absolute URI works as the document's id; schemas refer into it with JSON pointers.
const DOCUMENT_ID = 'https://cail.invalid/openapi.json'

interface LoadedDocument {
  document: OpenApiDocument
  ajv: Ajv2020
  validators: Map<string, ValidateFunction>
}

const documents = new Map<string, Promise<LoadedDocument>>()

/** Fetches the document the server at `origin` publishes, once per origin. */
export function loadOpenApiDocument(origin: string): Promise<LoadedDocument> {
  let loaded = documents.get(origin)
  if (!loaded) {
    loaded = fetch(`${origin}/openapi.json`)
      .then((response) => response.json() as Promise<OpenApiDocument>)
      .then((document) => {
        // strict: false because the document carries OpenAPI keywords beside the schemas.
        const ajv = new Ajv2020({ strict: false, allErrors: true })
        addFormats.default(ajv)
        ajv.addSchema({ ...document, $id: DOCUMENT_ID })
        return { document, ajv, validators: new Map() }
      })
    documents.set(origin, loaded)
  }
  return loaded
}

/**
 * Asserts that `response` (to a request with `method`) is documented, and returns its parsed
 * JSON body, or undefined when the documented response has no body.
 */
export async function readDocumentedResponse(response: Response, method: string): Promise<unknown> {
  const url = new URL(response.url)
  const loaded = await loadOpenApiDocument(url.origin)
  const { pointer, response: documented } = findDocumentedResponse(
    loaded.document,
    url.pathname,
    method.toLowerCase(),
    response.status,
  )

  checkHeaders(loaded, pointer, documented, response.headers)
  return checkBody(loaded, pointer, documented, response)
}

function findDocumentedResponse(
  document: OpenApiDocument,
  path: string,
  method: string,
  status: number,
): { pointer: string[]; response: ResponseObject } {
  const label = `${method.toUpperCase()} ${path} → ${status}`
  const pathItem = document.paths[path]
  if (pathItem === undefined) {
    expect(status, `${label}: an undocumented path must be a 404`).toBe(404)
    return componentResponse(document, 'NotFound')
  }

  const operation = pathItem[method]
  if (operation === undefined) {
    expect(status, `${label}: an undocumented method must be a 405`).toBe(405)
    return componentResponse(document, 'MethodNotAllowed')
  }

  const key = String(status)
  expect(Object.keys(operation.responses), `${label}: status not documented`).toContain(key)
  return resolveResponse(document, ['paths', path, method, 'responses', key])
}

function componentResponse(
  document: OpenApiDocument,
  name: string,
): { pointer: string[]; response: ResponseObject } {
  return resolveResponse(document, ['components', 'responses', name])
}

function resolveResponse(
  document: OpenApiDocument,
  pointer: string[],
): { pointer: string[]; response: ResponseObject } {
  const value = readPointer(document, pointer) as ResponseObject | Reference | undefined
  expect(value, `no response at /${pointer.join('/')}`).toBeDefined()
  if (value && '$ref' in value) {
    const target = value.$ref.replace(/^#\//, '').split('/').map(unescapeSegment)
    return resolveResponse(document, target)
  }
  return { pointer, response: value as ResponseObject }
}

function checkHeaders(
  loaded: LoadedDocument,
  pointer: string[],
  documented: ResponseObject,
  headers: Headers,
): void {
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if ('$ref' in header) {
      throw new Error(`header ${name} is a $ref, which this helper does not resolve`)
    }
    const value = headers.get(name)
    if (value === null) {
      expect(header.required ?? false, `required response header ${name} is missing`).toBe(false)
      continue
    }
    const validate = validatorFor(loaded, [...pointer, 'headers', name, 'schema'])
    expect(validate(value), `header ${name}: ${JSON.stringify(value)}`).toBe(true)
  }
}

async function checkBody(
  loaded: LoadedDocument,
  pointer: string[],
  documented: ResponseObject,
  response: Response,
): Promise<unknown> {
  const text = await response.text()
  const content = documented.content ?? {}
  if (Object.keys(content).length === 0) {
    expect(text, 'a response documented without content has an empty body').toBe('')
    return undefined
  }

  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? ''
  expect(Object.keys(content), 'response Content-Type is not documented').toContain(mediaType)

  const body: unknown = JSON.parse(text)
  const validate = validatorFor(loaded, [...pointer, 'content', mediaType, 'schema'])
  const valid = validate(body)
  expect(
    valid ? [] : validate.errors,
    `body of ${response.status} does not match /${pointer.join('/')}: ${text}`,
  ).toEqual([])
  return body
}

function validatorFor(loaded: LoadedDocument, pointer: string[]): ValidateFunction {
  const ref = `${DOCUMENT_ID}#/${pointer.map(escapeSegment).join('/')}`
  let validate = loaded.validators.get(ref)
  if (!validate) {
    validate = loaded.ajv.compile({ $ref: ref })
    loaded.validators.set(ref, validate)
  }
  return validate
}

function readPointer(document: unknown, pointer: string[]): unknown {
  let current = document
  for (const segment of pointer) {
    if (current === null || typeof current !== 'object') {
      return undefined
    }
    current = (current as Record<string, unknown>)[segment]
  }
  return current
}

// JSON Pointer (RFC 6901) escaping, then URI encoding for the fragment.
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'))
}

function unescapeSegment(segment: string): string {
  return decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~')
}
