import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  SignJWT,
} from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  findFreePort,
  findLeakedTokens,
  mintToken,
  type ServerProcess,
  spawnServer,
  startServer,
  stopAllProcesses,
} from './support/server-process.js'

const dataDirs: string[] = []

async function makeDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cail-local-issuer-'))
  dataDirs.push(dir)
  return dir
}

afterEach(() => {
  expect(findLeakedTokens()).toEqual([])
})

afterAll(async () => {
  await stopAllProcesses()
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url)
  return { status: response.status, body: (await response.json()) as T }
}

async function createOrganization(server: ServerProcess, token: string): Promise<Response> {
  return fetch(`${server.url}/v1/organizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  })
}

describe('local issuer in a server process', () => {
  let dataDir: string
  let server: ServerProcess

  beforeAll(async () => {
    dataDir = await makeDataDir()
    server = await startServer({ DATA_DIR: dataDir })
  })

  it('serves the JWKS with the public key only', async () => {
    const { status, body } = await getJson<{ keys: JWK[] }>(`${server.url}/.well-known/jwks.json`)

    expect(status).toBe(200)
    expect(body.keys).toHaveLength(1)
    const [key] = body.keys
    expect(key?.kty).toBe('RSA')
    expect(key?.alg).toBe('RS256')
    expect(key?.use).toBe('sig')
    expect(key?.kid).toMatch(/^[\w-]{43}$/)
    expect(key).not.toHaveProperty('d')
    expect(key).not.toHaveProperty('p')
  })

  it('serves the OpenID discovery document', async () => {
    const { status, body } = await getJson<Record<string, unknown>>(
      `${server.url}/.well-known/openid-configuration`,
    )

    expect(status).toBe(200)
    expect(body.issuer).toBe(`${server.url}/`)
    expect(body.jwks_uri).toBe(`${server.url}/.well-known/jwks.json`)
    expect(body.token_endpoint).toBe(`${server.url}/local-issuer/token`)
  })

  it('keeps the signing key private under DATA_DIR', async () => {
    const keyFile = join(dataDir, 'local-issuer', 'signing-key.json')
    const { body } = await getJson<{ keys: JWK[] }>(`${server.url}/.well-known/jwks.json`)

    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dataDir, 'local-issuer'))).mode & 0o777).toBe(0o700)
    const stored = JSON.parse(await readFile(keyFile, 'utf8')) as JWK
    expect(stored.kid).toBe(body.keys[0]?.kid)
    expect(typeof stored.d).toBe('string')
  })

  it('logs a warning that the local issuer is active', async () => {
    const warning = await server.waitForLog((line) => line.level === 40)

    expect(warning.msg).toMatch(/^LOCAL ISSUER ACTIVE: /)
    expect(warning.msg).toContain('set AUTH0_DOMAIN and AUTH0_AUDIENCE to use Auth0')
    expect(warning.issuer).toBe(`${server.url}/`)
    expect(warning.keyFile).toBe(join(dataDir, 'local-issuer', 'signing-key.json'))
  })

  it('mints a token that creates the organisation', async () => {
    const orgId = `org_${randomUUID().slice(0, 8)}`
    const token = await mintToken(server, {
      orgId,
      orgName: 'Lambeth Primary Care Network',
      jurisdictionId: 'jur_uk_eng',
    })

    const claims = decodeJwt(token)
    expect(claims.iss).toBe(`${server.url}/`)
    expect(claims.aud).toBe('https://operator-api.cail.local')
    expect(claims.org_id).toBe(orgId)
    expect(claims.permissions).toEqual(['create:organizations'])
    expect(decodeProtectedHeader(token).alg).toBe('RS256')

    const response = await createOrganization(server, token)
    expect(response.status).toBe(200)
    const organization = (await response.json()) as Record<string, unknown>
    expect(organization.name).toBe('Lambeth Primary Care Network')
    expect(organization.jurisdictionId).toBe('jur_uk_eng')
  })

  it('rejects a token signed with another key', async () => {
    const genuine = await mintToken(server, { orgId: 'org_forged', jurisdictionId: 'jur_uk_eng' })
    const { privateKey } = await generateKeyPair('RS256')
    const forged = await new SignJWT(decodeJwt(genuine))
      .setProtectedHeader(decodeProtectedHeader(genuine) as JWTHeaderParameters)
      .sign(privateKey)

    const response = await createOrganization(server, forged)

    expect(response.status).toBe(401)
    expect(((await response.json()) as { code: string }).code).toBe('invalid_token')
    expect(response.headers.get('www-authenticate')).toContain('token signature is invalid')
  })

  it('reuses the signing key after a restart', async () => {
    const keyFile = join(dataDir, 'local-issuer', 'signing-key.json')
    const before = await getJson<{ keys: JWK[] }>(`${server.url}/.well-known/jwks.json`)
    const storedBefore = await readFile(keyFile, 'utf8')
    const orgId = `org_${randomUUID().slice(0, 8)}`
    const token = await mintToken(server, {
      orgId,
      orgName: 'Restart Test',
      jurisdictionId: 'jur_uk_sct',
    })

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    server = await startServer({ DATA_DIR: dataDir, PORT: String(server.port) })

    const after = await getJson<{ keys: JWK[] }>(`${server.url}/.well-known/jwks.json`)
    expect(after.body.keys[0]?.kid).toBe(before.body.keys[0]?.kid)
    expect(after.body.keys[0]?.n).toBe(before.body.keys[0]?.n)
    expect(await readFile(keyFile, 'utf8')).toBe(storedBefore)
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    // A token minted before the restart still verifies against the reloaded key.
    expect((await createOrganization(server, token)).status).toBe(200)
  })
})

describe('server start in production without Auth0', () => {
  it('exits with code 2 and names the missing settings', async () => {
    const dataDir = await makeDataDir()
    const server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'production' })

    const status = await server.exited

    expect(status).toEqual({ code: 2, signal: null })
    expect(server.stderr).toBe(
      'invalid configuration:\n' +
        '  - AUTH0_DOMAIN and AUTH0_AUDIENCE are required when NODE_ENV=production, because the local issuer is for development only; set them to the Auth0 tenant host name and API identifier\n',
    )
    expect(server.stdout).toBe('')
    expect(await readdir(dataDir)).toEqual([])
  })
})

describe('server start with an unreachable database', () => {
  it('exits with code 1 and names DATABASE_URL', async () => {
    const dataDir = await makeDataDir()
    // Nothing listens on a port that was free a moment ago.
    const port = await findFreePort()
    const server = await spawnServer({
      DATA_DIR: dataDir,
      DATABASE_URL: `postgres://postgres:not-a-real-password@127.0.0.1:${port}/none`,
    })

    const status = await server.exited

    expect(status).toEqual({ code: 1, signal: null })
    expect(server.stderr).toBe(
      `server failed to start: could not connect to the database at postgres://postgres@127.0.0.1:${port}/none (ECONNREFUSED); check DATABASE_URL and that PostgreSQL is running and accepts connections\n`,
    )
  })
})
