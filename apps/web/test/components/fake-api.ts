/**
 * Fake server responses for component tests: tRPC responses in the wire format that
 * @trpc/client parses, and the local issuer's token endpoint.
 */
import { UnsecuredJWT } from 'jose'
import type { Organization } from '../../src/api/types'
import { readTokenClaims } from '../../src/auth/claims'
import type { Session } from '../../src/auth/session'

export const JURISDICTION_CLAIM = 'https://cail.health/jurisdiction_id'

export const JURISDICTIONS = [
  { id: 'jur_uk_eng', name: 'England' },
  { id: 'jur_uk_nir', name: 'Northern Ireland' },
  { id: 'jur_uk_sct', name: 'Scotland' },
  { id: 'jur_uk_wls', name: 'Wales' },
]

export const LAMBETH: Organization = {
  id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  name: 'Lambeth Primary Care Network',
  typeCode: 'commissioner',
  jurisdictionId: 'jur_uk_eng',
  active: true,
}

/** What a fake procedure returns: its data, a tRPC error, or a network failure. */
export type FakeResult = { data: unknown } | { error: FakeError } | { networkFailure: true }

export interface FakeError {
  httpStatus: number
  code: string
  messages: string[]
  issues?: { path: string[]; message: string }[]
}

export type FakeHandler = (input: unknown) => FakeResult | Promise<FakeResult>

export interface FakeCall {
  path: string
  input: unknown
  authorization: string | null
}

export interface FakeApi {
  fetch: typeof fetch
  calls: FakeCall[]
}

const TRPC_CODES: Record<number, [string, number]> = {
  400: ['BAD_REQUEST', -32600],
  401: ['UNAUTHORIZED', -32001],
  403: ['FORBIDDEN', -32003],
  409: ['CONFLICT', -32009],
  500: ['INTERNAL_SERVER_ERROR', -32603],
  503: ['SERVICE_UNAVAILABLE', -32603],
}

/** Builds a fetch that routes `/trpc/<path>` to `handlers[path]` and `/local-issuer/token` to `tokenHandler`. */
export function fakeApi(
  handlers: Record<string, FakeHandler>,
  tokenHandler?: (body: unknown) => Response,
): FakeApi {
  const calls: FakeCall[] = []

  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://localhost')
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined

    if (url.pathname === '/local-issuer/token') {
      if (!tokenHandler) {
        throw new TypeError('Failed to fetch')
      }
      return tokenHandler(body)
    }

    const path = url.pathname.replace(/^\/trpc\//, '')
    const queryInput = url.searchParams.get('input')
    const procedureInput = queryInput === null ? body : (JSON.parse(queryInput) as unknown)
    const headers = new Headers(init?.headers)
    calls.push({ path, input: procedureInput, authorization: headers.get('authorization') })

    const handler = handlers[path]
    if (!handler) {
      throw new Error(`fake API has no handler for ${path}`)
    }
    const result = await handler(procedureInput)
    if ('networkFailure' in result) {
      throw new TypeError('Failed to fetch')
    }
    if ('data' in result) {
      return json(200, { result: { data: result.data } })
    }
    return json(result.error.httpStatus, { error: errorShape(path, result.error) })
  }

  return { fetch: fakeFetch as typeof fetch, calls }
}

function errorShape(path: string, error: FakeError) {
  const [trpcCode, jsonRpcCode] = TRPC_CODES[error.httpStatus] ?? ['INTERNAL_SERVER_ERROR', -32603]
  return {
    message: error.messages.join('; '),
    code: jsonRpcCode,
    data: {
      code: error.code,
      messages: error.messages,
      issues: error.issues ?? error.messages.map((message) => ({ path: [], message })),
      requestId: 'req-test-1',
      httpStatus: error.httpStatus,
      trpcCode,
      path,
    },
  }
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

/** Encodes an unsigned JWT with operator claims; the page decodes tokens but never verifies them. */
export function fakeToken(claims: Record<string, unknown> = {}): string {
  return new UnsecuredJWT({
    sub: 'local|operator',
    org_id: 'org_lambeth01',
    org_name: 'Lambeth Primary Care Network',
    [JURISDICTION_CLAIM]: 'jur_uk_eng',
    permissions: ['create:organizations'],
    ...claims,
  })
    .setExpirationTime('1h')
    .encode()
}

export function fakeSession(
  overrides: Partial<Session> = {},
  claims: Record<string, unknown> = {},
): Session {
  const token = fakeToken(claims)
  return {
    mode: 'local',
    claims: readTokenClaims(token),
    getAccessToken: async () => token,
    signOut: () => {},
    ...overrides,
  }
}

/** A promise with its resolve function, for holding a response back while a test looks at the pending state. */
export function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((settle) => {
    resolve = settle
  })
  return { promise, resolve }
}
