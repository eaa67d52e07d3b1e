import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatabaseHandle } from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './support/server.js'

const INDEX_HTML = '<!doctype html><title>CAIL test page</title>'
const ASSET_JS = 'console.log("asset")'
const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

let issuer: TestIssuer
let webRoot: string
// One database for both servers: opening and migrating PGlite is the slow part of each start.
let database: DatabaseHandle
const pglite = databaseTargets().find((target) => target.name === 'pglite')

beforeAll(async () => {
  if (!pglite) {
    throw new Error('the pglite database target is missing')
  }
  issuer = await startTestIssuer()
  database = await pglite.open()
  webRoot = await mkdtemp(join(tmpdir(), 'cail-web-'))
  await mkdir(join(webRoot, 'assets'))
  await writeFile(join(webRoot, 'index.html'), INDEX_HTML)
  await writeFile(join(webRoot, 'assets', 'index-abc123.js'), ASSET_JS)
})

afterAll(async () => {
  await issuer?.stop()
  await database?.close()
  await rm(webRoot, { recursive: true, force: true })
})

async function expectNotFoundEnvelope(response: Response): Promise<void> {
  expect(response.status).toBe(404)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await response.json()) as { code?: string }
  expect(body.code).toBe('not_found')
}

describe('web client served at /', () => {
  let server: TestServer

  beforeAll(async () => {
    server = await startTestServer({ target: requirePglite(), issuer, webRoot, database })
  })

  afterAll(async () => {
    await server?.close()
  })

  it('serves index.html at /', async () => {
    const response = await fetch(`${server.url}/`, { headers: { accept: HTML_ACCEPT } })

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(await response.text()).toBe(INDEX_HTML)
  })

  it('serves hashed assets as immutable', async () => {
    const response = await fetch(`${server.url}/assets/index-abc123.js`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/javascript/)
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await response.text()).toBe(ASSET_JS)
  })

  it('falls back to index.html for page paths', async () => {
    const response = await fetch(`${server.url}/organisation/settings?tab=1`, {
      headers: { accept: HTML_ACCEPT },
    })

    expect(response.status).toBe(200)
    expect(await response.text()).toBe(INDEX_HTML)
  })

  it('keeps the 404 envelope for unknown API paths', async () => {
    for (const path of [
      '/v1/unknown',
      '/v1',
      '/local-issuer/unknown',
      '/.well-known/unknown',
      '/openapi.json/extra',
    ]) {
      const response = await fetch(`${server.url}${path}`, { headers: { accept: HTML_ACCEPT } })
      await expectNotFoundEnvelope(response)
    }
  })

  it('keeps the tRPC 404 for unknown procedures', async () => {
    const response = await fetch(`${server.url}/trpc/organizations.unknown`, {
      headers: { accept: HTML_ACCEPT },
    })

    expect(response.status).toBe(404)
    const body = (await response.json()) as { error: { data: { code: string } } }
    expect(body.error.data.code).toBe('not_found')
  })

  it('returns 404 for a missing asset', async () => {
    await expectNotFoundEnvelope(await fetch(`${server.url}/assets/missing-000.js`))
  })

  it('returns 404 for non-HTML requests to page paths', async () => {
    await expectNotFoundEnvelope(
      await fetch(`${server.url}/organisation`, { headers: { accept: 'application/json' } }),
    )
  })

  it('leaves the API reference working', async () => {
    const document = await fetch(`${server.url}/openapi.json`, { headers: { accept: HTML_ACCEPT } })
    expect(document.status).toBe(200)
    expect(((await document.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./)

    const docs = await fetch(`${server.url}/docs`, { headers: { accept: HTML_ACCEPT } })
    expect(docs.status).toBe(200)
    expect(await docs.text()).not.toBe(INDEX_HTML)
  })

  it('leaves the API routes working', async () => {
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)

    const create = await fetch(`${server.url}/v1/organizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(create.status).toBe(401)

    const wrongMethod = await fetch(`${server.url}/v1/organizations`, {
      headers: { accept: HTML_ACCEPT },
    })
    expect(wrongMethod.status).toBe(405)
  })
})

describe('server without a web client build', () => {
  let server: TestServer

  beforeAll(async () => {
    server = await startTestServer({ target: requirePglite(), issuer, database })
  })

  afterAll(async () => {
    await server?.close()
  })

  it('returns the 404 envelope at /', async () => {
    const response = await fetch(`${server.url}/`, { headers: { accept: HTML_ACCEPT } })

    await expectNotFoundEnvelope(response)
  })
})

function requirePglite() {
  if (!pglite) {
    throw new Error('the pglite database target is missing')
  }
  return pglite
}
