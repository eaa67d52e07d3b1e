import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  findFreePort,
  findLeakedTokens,
  rememberTokens,
  runCommand,
  runTokenCli,
  type ServerProcess,
  startServer,
  stopAllProcesses,
} from './support/server-process.js'

const LAMBETH_ARGS = [
  '--org-id',
  'org_lambeth01',
  '--org-name',
  'Lambeth Primary Care Network',
  '--jurisdiction',
  'jur_uk_eng',
]
const JWT_LINE = /^[\w-]+\.[\w-]+\.[\w-]+\n$/

let dataDir: string
let server: ServerProcess

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cail-token-cli-'))
  server = await startServer({ DATA_DIR: dataDir })
})

afterEach(() => {
  expect(findLeakedTokens()).toEqual([])
})

afterAll(async () => {
  await stopAllProcesses()
  await rm(dataDir, { recursive: true, force: true })
})

describe('token CLI', () => {
  it('prints one JWT line and nothing else', async () => {
    const result = await runTokenCli(LAMBETH_ARGS, { PORT: String(server.port) })

    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(JWT_LINE)
    const claims = decodeJwt(result.stdout.trim())
    expect(claims.org_id).toBe('org_lambeth01')
    expect(claims.org_name).toBe('Lambeth Primary Care Network')
    expect(claims['https://cail.health/jurisdiction_id']).toBe('jur_uk_eng')
    expect(claims.permissions).toEqual(['create:organizations'])
    expect(claims.iss).toBe(`${server.url}/`)
  })

  it('passes permissions, subject and lifetime', async () => {
    const result = await runTokenCli([
      '--server',
      server.url,
      '--org-id',
      'org_options',
      '--permissions',
      'read:organizations, create:organizations',
      '--subject',
      'auth0|operator-7',
      '--expires-in',
      '120',
    ])

    expect(result.code).toBe(0)
    const claims = decodeJwt(result.stdout.trim())
    expect(claims.permissions).toEqual(['read:organizations', 'create:organizations'])
    expect(claims.sub).toBe('auth0|operator-7')
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120)
  })

  it('runs silently through pnpm -s token', async () => {
    // The root script builds first (to stderr) and then runs the CLI from dist/.
    const result = await runCommand('pnpm', ['-s', 'token', ...LAMBETH_ARGS], {
      env: { PORT: String(server.port), TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      timeoutMs: 180_000,
    })
    rememberTokens(result.stdout)

    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(JWT_LINE)
    expect(decodeJwt(result.stdout.trim()).org_id).toBe('org_lambeth01')
  })

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--org-id'], "Option '--org-id <value>' argument missing"],
    [['org_lambeth01'], "Unexpected argument 'org_lambeth01'"],
  ])('exits 2 with usage for %j', async (args, reason) => {
    const result = await runTokenCli(args, { PORT: String(server.port) })

    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(reason)
    expect(result.stderr).toContain('Usage: pnpm -s token --org-id <id>')
  })

  it.each(['0', '86401', '1.5', 'soon'])('exits 2 for --expires-in %s', async (value) => {
    const result = await runTokenCli(['--expires-in', value, '--server', server.url])

    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `--expires-in ${JSON.stringify(value)} is invalid; use whole seconds from 1 to 86400\n`,
    )
  })

  it('exits 2 for a server that is not a URL', async () => {
    const result = await runTokenCli(['--server', '127.0.0.1:3000'])

    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `server URL "127.0.0.1:3000" is invalid; pass --server with an origin such as http://127.0.0.1:3000, or set PORT to the server's port\n`,
    )
  })

  it('exits 1 when the server is unreachable', async () => {
    const port = await findFreePort()

    const result = await runTokenCli(LAMBETH_ARGS, { PORT: String(port) })

    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `could not reach the server at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); start it with \`pnpm start\` or pass --server\n`,
    )
  })

  it('exits 1 with the issuer message for a rejected request', async () => {
    const result = await runTokenCli(['--server', server.url, '--org-id', 'x'.repeat(256)])

    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^the local issuer returned 400: orgId: /)
  })

  it('prints the help on stdout with --help', async () => {
    const result = await runTokenCli(['--help'])

    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: pnpm -s token /)
    expect(result.stderr).toBe('')
  })
})
