/** Checks the production build in dist/: only browser code, and no key material. */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const dist = fileURLToPath(new URL('../../dist/', import.meta.url))

// Strings that only server code contains: drivers, the ORM, the HTTP framework, migrations and
// the token verifier.
const SERVER_MARKERS = [
  'drizzle-orm',
  'PGlite',
  'pg_advisory_lock',
  'postgres.js',
  'fastify',
  'INSERT INTO',
  'createRemoteJWKSet',
  'organizations_auth0_organization_id_key',
  'DATABASE_URL',
  'signing-key.json',
]

// A PEM body or a private JWK parameter with real content, not a library's parsing code.
const KEY_MATERIAL = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=]{32}/,
  /"d"\s*:\s*"[A-Za-z0-9_-]{32,}"/,
]

let scripts: { file: string; code: string }[]

beforeAll(async () => {
  if (!existsSync(`${dist}index.html`)) {
    throw new Error(`${dist}index.html is missing; run pnpm --filter @cail/web build first`)
  }
  const files = (await readdir(`${dist}assets`)).filter((file) => file.endsWith('.js'))
  scripts = await Promise.all(
    files.map(async (file) => ({ file, code: await readFile(`${dist}assets/${file}`, 'utf8') })),
  )
})

describe('production bundle', () => {
  it('has JavaScript assets', () => {
    expect(scripts.length).toBeGreaterThan(0)
  })

  it('contains no server code', () => {
    for (const { file, code } of scripts) {
      for (const marker of SERVER_MARKERS) {
        expect(code.includes(marker), `${file} contains ${marker}`).toBe(false)
      }
    }
  })

  it('contains no key material', () => {
    for (const { file, code } of scripts) {
      for (const pattern of KEY_MATERIAL) {
        expect(pattern.test(code), `${file} matches ${pattern}`).toBe(false)
      }
    }
  })

  it('index.html loads a hashed entry script', async () => {
    const html = await readFile(`${dist}index.html`, 'utf8')

    expect(html).toMatch(
      /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/,
    )
  })
})
