import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './support/server.js'

let issuer: TestIssuer
let server: TestServer
const pglite = databaseTargets().find((target) => target.name === 'pglite')

beforeAll(async () => {
  issuer = await startTestIssuer()
  if (!pglite) {
    throw new Error('the pglite database target is missing')
  }
  server = await startTestServer({ target: pglite, issuer })
})

afterAll(async () => {
  await server?.close()
  await issuer?.stop()
})

describe('routing', () => {
  it('answers an undecodable path with the envelope', async () => {
    const response = await fetch(`${server.url}/v1/organizations%`, { method: 'POST' })

    expect(response.status).toBe(400)
    const body = (await response.json()) as { code: string; meta: { requestId: string } }
    expect(body.code).toBe('malformed_request')
    expect(response.headers.get('x-request-id')).toBe(body.meta.requestId)
  })

  it('marks API responses as not cacheable', async () => {
    const response = await fetch(`${server.url}/v1/organizations`, { method: 'POST' })

    expect(response.status).toBe(401)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('serves a tRPC batch of eight calls', async () => {
    const token = await issuer.mintToken()
    const paths = Array(8).fill('organizations.mine').join(',')
    const input = encodeURIComponent(JSON.stringify({}))

    const response = await fetch(`${server.url}/trpc/${paths}?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    })

    expect(response.status).toBe(200)
    const body = (await response.json()) as { result: { data: unknown } }[]
    expect(body).toHaveLength(8)
    expect(body[0]?.result.data).toBeNull()
  })
})
