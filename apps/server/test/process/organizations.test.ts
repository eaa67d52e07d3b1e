import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ProcessDatabase, processDatabaseTargets } from './support/databases.js'
import {
  findLeakedTokens,
  mintToken,
  runTokenCli,
  type ServerProcess,
  startServer,
  stopAllProcesses,
} from './support/server-process.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const dataDirs: string[] = []

async function makeDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cail-organizations-'))
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

interface Reply {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function createOrganization(
  server: ServerProcess,
  token: string,
  body = '{}',
): Promise<Reply> {
  const response = await fetch(`${server.url}/v1/organizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  }
}

/** Runs the token CLI for Lambeth Primary Care Network (org_lambeth01 in England). */
async function lambethToken(server: ServerProcess): Promise<string> {
  const result = await runTokenCli([
    '--server',
    server.url,
    '--org-id',
    'org_lambeth01',
    '--org-name',
    'Lambeth Primary Care Network',
    '--jurisdiction',
    'jur_uk_eng',
  ])
  expect(result.code).toBe(0)
  return result.stdout.trim()
}

for (const target of processDatabaseTargets()) {
  describe.skipIf(target.skipReason)(`create in a server process on ${target.name}`, () => {
    let database: ProcessDatabase
    let dataDir: string
    let server: ServerProcess
    let token: string
    let createdId: string

    beforeAll(async () => {
      database = await target.create()
      dataDir = await makeDataDir()
      server = await startServer({ DATA_DIR: dataDir, ...database.env })
      token = await lambethToken(server)
    })

    afterAll(async () => {
      await server?.stop('SIGKILL')
      await database?.drop()
    })

    it('uses the selected database', async () => {
      const response = await fetch(`${server.url}/readyz`)

      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ status: 'ready', database: target.name })
    })

    it('creates the organisation from the token', async () => {
      const reply = await createOrganization(server, token)

      expect(reply.status).toBe(200)
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/)
      expect(reply.body).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Lambeth Primary Care Network',
        typeCode: 'commissioner',
        jurisdictionId: 'jur_uk_eng',
        active: true,
      })
      createdId = reply.body.id as string
    })

    it('rejects the same create with 409', async () => {
      const reply = await createOrganization(server, token)

      expect(reply.status).toBe(409)
      expect(reply.body.code).toBe('organization_exists')
      expect(reply.body.message).toContain(createdId)
    })

    it('keeps the row after SIGTERM and a restart', async () => {
      const exit = await server.stop('SIGTERM')
      expect(exit).toEqual({ code: 0, signal: null })
      expect(server.stderr).toBe('')

      server = await startServer({ DATA_DIR: dataDir, PORT: String(server.port), ...database.env })
      const reply = await createOrganization(server, token)

      expect(reply.status).toBe(409)
      expect(reply.body.code).toBe('organization_exists')
      expect(reply.body.message).toContain(`(id ${createdId})`)
    })

    it('writes request logs as JSON lines with reqId', async () => {
      const reply = await createOrganization(server, token)
      const requestId = reply.headers.get('x-request-id')
      // The response can arrive before the server's last log line reaches the pipe.
      await server.waitForLog(
        (line) => line.reqId === requestId && line.msg === 'request completed',
      )

      const lines = server.logs()
      const requestLines = lines.filter((line) => 'req' in line || 'res' in line)
      expect(requestLines.length).toBeGreaterThan(0)
      for (const line of requestLines) {
        expect(line.reqId).toEqual(expect.any(String))
      }
      const forThisRequest = lines.filter((line) => line.reqId === requestId)
      expect(forThisRequest.map((line) => line.msg)).toEqual([
        'incoming request',
        'request rejected',
        'request completed',
      ])
      expect(reply.body.meta).toMatchObject({ requestId })
    })
  })
}

describe('REQUIRED_PERMISSION in a server process', () => {
  const request = {
    orgId: 'org_fife01',
    orgName: 'Fife Health Board',
    jurisdictionId: 'jur_uk_sct',
    permissions: [],
  }
  let dataDir: string

  beforeAll(async () => {
    dataDir = await makeDataDir()
  })

  it('rejects a token without the permission by default', async () => {
    const server = await startServer({ DATA_DIR: dataDir })
    const token = await mintToken(server, request)

    const reply = await createOrganization(server, token)
    await server.stop()

    expect(reply.status).toBe(403)
    expect(reply.body.code).toBe('insufficient_permission')
    expect(reply.headers.get('www-authenticate')).toContain('scope="create:organizations"')
  })

  it('skips the check when set to an empty string', async () => {
    const server = await startServer({ DATA_DIR: dataDir, REQUIRED_PERMISSION: '' })
    const token = await mintToken(server, request)

    const reply = await createOrganization(server, token, '{"typeCode":"health_board"}')
    await server.stop()

    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({
      name: 'Fife Health Board',
      typeCode: 'health_board',
      jurisdictionId: 'jur_uk_sct',
    })
  })
})
