import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import {
  createTokenVerifier,
  type DatabaseHandle,
  DEFAULT_JURISDICTION_CLAIM,
  openDatabase,
  schema,
  type TokenVerifier,
} from '@cail/api'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { TRPCError } from '@trpc/server'
import { eq } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ProvisioningDependencies,
  type ProvisionResult,
  provisionOrganization,
} from '../src/index.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const logger = pino({ level: 'silent' })

let issuer: TestIssuer
let verifier: TokenVerifier

beforeAll(async () => {
  issuer = await startTestIssuer()
  verifier = createTokenVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
  })
})

afterAll(async () => {
  await issuer.stop()
})

function freshOrganizationId(): string {
  return `org_${randomUUID().replaceAll('-', '').slice(0, 16)}`
}

/** Returns the failure of `result`, and fails the test if provisioning succeeded. */
function failureOf(result: ProvisionResult) {
  if (result.ok) {
    throw new Error(`expected a failure, got ${JSON.stringify(result.organization)}`)
  }
  return result.failure
}

for (const target of databaseTargets()) {
  describe.skipIf(target.skipReason)(`provisionOrganization on ${target.name}`, () => {
    let database: DatabaseHandle
    let dependencies: ProvisioningDependencies

    beforeAll(async () => {
      database = await target.open()
      dependencies = { database, verifier, logger }
    })

    afterAll(async () => {
      await database?.close()
    })

    it('provisions from the token claims', async () => {
      const orgId = freshOrganizationId()
      const accessToken = await issuer.mintToken({
        claims: { org_id: orgId, sub: 'auth0|back-office-job' },
      })

      const result = await provisionOrganization(dependencies, { accessToken })

      expect(result).toEqual({
        ok: true,
        replayed: false,
        organization: {
          id: expect.stringMatching(UUID),
          name: 'Lambeth Primary Care Network',
          typeCode: 'commissioner',
          jurisdictionId: 'jur_uk_eng',
          active: true,
        },
      })
      const rows = await database.db
        .select()
        .from(schema.organizations)
        .where(eq(schema.organizations.auth0OrganizationId, orgId))
      expect(rows).toHaveLength(1)
      expect(rows[0]?.createdBy).toBe('auth0|back-office-job')
    })

    it('applies the input over the claims', async () => {
      const accessToken = await issuer.mintToken({
        claims: { [DEFAULT_JURISDICTION_CLAIM]: 'jur_uk_wls' },
      })

      const result = await provisionOrganization(dependencies, {
        accessToken,
        input: {
          name: "  Bwrdd Iechyd Prifysgol Caerdydd a'r Fro ",
          typeCode: 'health_board',
          jurisdictionId: 'jur_uk_wls',
        },
      })

      if (!result.ok) {
        throw new Error(`provisioning failed: ${result.failure.message}`)
      }
      expect(result.organization).toMatchObject({
        name: "Bwrdd Iechyd Prifysgol Caerdydd a'r Fro",
        typeCode: 'health_board',
        jurisdictionId: 'jur_uk_wls',
      })
    })

    it('reports an existing organisation with its id', async () => {
      const accessToken = await issuer.mintToken()
      const first = await provisionOrganization(dependencies, { accessToken })
      const firstId = first.ok ? first.organization.id : undefined

      const failure = failureOf(await provisionOrganization(dependencies, { accessToken }))

      expect(failure.code).toBe('organization_exists')
      expect(failure.status).toBe(409)
      expect(failure.existingId).toBe(firstId)
      expect(failure.message).toContain(`(id ${firstId})`)
    })

    it('replays a call with the same idempotency key', async () => {
      const accessToken = await issuer.mintToken()
      const idempotencyKey = `provision-${randomUUID()}`

      const first = await provisionOrganization(dependencies, { accessToken, idempotencyKey })
      const retry = await provisionOrganization(dependencies, { accessToken, idempotencyKey })

      expect(first.ok).toBe(true)
      expect(first.replayed).toBe(false)
      expect(retry).toEqual({ ...first, replayed: true })
    })

    it('rejects a reused idempotency key with another input', async () => {
      const accessToken = await issuer.mintToken()
      const idempotencyKey = `provision-${randomUUID()}`
      await provisionOrganization(dependencies, { accessToken, idempotencyKey })

      const failure = failureOf(
        await provisionOrganization(dependencies, {
          accessToken,
          idempotencyKey,
          input: { typeCode: 'provider' },
        }),
      )

      expect(failure.code).toBe('conflict')
      expect(failure.status).toBe(409)
      expect(failure.message).toBe('Idempotency key reused with a different body.')
    })

    it('gives one row for concurrent calls', async () => {
      const orgId = freshOrganizationId()
      const accessToken = await issuer.mintToken({ claims: { org_id: orgId } })

      const results = await Promise.all(
        Array.from({ length: 5 }, () => provisionOrganization(dependencies, { accessToken })),
      )

      const created = results.flatMap((result) => (result.ok ? [result.organization.id] : []))
      expect(created).toHaveLength(1)
      const failures = results.flatMap((result) => (result.ok ? [] : [result.failure]))
      expect(failures.map((failure) => failure.code)).toEqual(Array(4).fill('organization_exists'))
      expect(failures.map((failure) => failure.existingId)).toEqual(Array(4).fill(created[0]))
    })

    it('reports every invalid field', async () => {
      const accessToken = await issuer.mintToken()

      const failure = failureOf(
        await provisionOrganization(dependencies, {
          accessToken,
          input: { name: 'x'.repeat(201), typeCode: 'hospital' as 'provider' },
        }),
      )

      expect(failure.code).toBe('validation_failed')
      expect(failure.status).toBe(400)
      expect(failure.messages).toEqual([
        'name must be at most 200 characters (got 201)',
        'typeCode "hospital" is not supported; use one of commissioner, provider, health_board',
      ])
    })

    it('reports values missing from input and token', async () => {
      const accessToken = await issuer.mintToken({
        claims: { org_name: undefined, [DEFAULT_JURISDICTION_CLAIM]: undefined },
      })

      const failure = failureOf(await provisionOrganization(dependencies, { accessToken }))

      expect(failure.code).toBe('validation_failed')
      expect(failure.messages).toEqual([
        'name is missing; send it in the request body or use a token with the org_name claim',
        `jurisdictionId is missing; send it in the request body or use a token with the ${DEFAULT_JURISDICTION_CLAIM} claim`,
      ])
    })

    it('reports an unknown jurisdiction', async () => {
      const accessToken = await issuer.mintToken({
        claims: { [DEFAULT_JURISDICTION_CLAIM]: undefined },
      })

      const failure = failureOf(
        await provisionOrganization(dependencies, {
          accessToken,
          input: { jurisdictionId: 'jur_fr' },
        }),
      )

      expect(failure.code).toBe('unknown_jurisdiction')
      expect(failure.status).toBe(400)
      expect(failure.message).toBe(
        'jurisdictionId "jur_fr" is not a supported jurisdiction; use one of jur_uk_eng, jur_uk_nir, jur_uk_sct, jur_uk_wls',
      )
    })

    it('reports a jurisdiction that differs from the token', async () => {
      const accessToken = await issuer.mintToken()

      const failure = failureOf(
        await provisionOrganization(dependencies, {
          accessToken,
          input: { jurisdictionId: 'jur_uk_sct' },
        }),
      )

      expect(failure.code).toBe('jurisdiction_mismatch')
      expect(failure.status).toBe(403)
    })

    it('reports a token without org_id', async () => {
      const accessToken = await issuer.mintToken({ claims: { org_id: undefined } })

      const failure = failureOf(await provisionOrganization(dependencies, { accessToken }))

      expect(failure.code).toBe('missing_organization_context')
      expect(failure.status).toBe(403)
    })

    it('reports a token without the permission', async () => {
      const accessToken = await issuer.mintToken({
        claims: { permissions: ['read:organizations'] },
      })

      const failure = failureOf(await provisionOrganization(dependencies, { accessToken }))

      expect(failure.code).toBe('insufficient_permission')
      expect(failure.status).toBe(403)
      expect(failure.message).toContain('create:organizations')
    })

    it('accepts a custom or disabled permission', async () => {
      const custom = await provisionOrganization(
        { ...dependencies, requiredPermission: 'provision:organizations' },
        { accessToken: await issuer.mintToken({ claims: { scope: 'provision:organizations' } }) },
      )
      const disabled = await provisionOrganization(
        { ...dependencies, requiredPermission: null },
        { accessToken: await issuer.mintToken({ claims: { permissions: [] } }) },
      )

      expect(custom.ok).toBe(true)
      expect(disabled.ok).toBe(true)
    })

    it.each([
      ['a malformed token', async () => 'not-a-jwt', 'token is not a well-formed signed JWT'],
      ['an expired token', () => issuer.mintToken({ expiresIn: -60 }), 'token has expired'],
      [
        'another audience',
        () => issuer.mintToken({ claims: { aud: 'https://other-api.example' } }),
        'token was not issued for this API (audience mismatch)',
      ],
    ])('reports %s as invalid_token', async (_case, makeToken, reason) => {
      const failure = failureOf(
        await provisionOrganization(dependencies, { accessToken: await makeToken() }),
      )

      expect(failure.code).toBe('invalid_token')
      expect(failure.status).toBe(401)
      expect(failure.message).toContain(reason)
    })
  })
}

describe('provisionOrganization with unreachable dependencies', () => {
  async function closedPort(): Promise<number> {
    const listener = createServer()
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    const address = listener.address()
    await new Promise<void>((resolve) => listener.close(() => resolve()))
    if (address === null || typeof address === 'string') {
      throw new Error('could not read the port of a temporary listener')
    }
    return address.port
  }

  it('reports an unreachable database', async () => {
    const database = await openDatabase({
      kind: 'postgres',
      url: `postgres://postgres@127.0.0.1:${await closedPort()}/cail`,
      connectTimeoutSeconds: 2,
    })
    try {
      const failure = failureOf(
        await provisionOrganization(
          { database, verifier, logger },
          { accessToken: await issuer.mintToken() },
        ),
      )

      expect(failure.code).toBe('service_unavailable')
      expect(failure.status).toBe(503)
    } finally {
      await database.close()
    }
  })

  it('reports an unreachable key set', async () => {
    const database = await openDatabase({ kind: 'pglite' })
    const offlineVerifier = createTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: `http://127.0.0.1:${await closedPort()}/jwks`,
    })
    try {
      const failure = failureOf(
        await provisionOrganization(
          { database, verifier: offlineVerifier, logger },
          { accessToken: await issuer.mintToken() },
        ),
      )

      expect(failure.code).toBe('service_unavailable')
      expect(failure.message).toBe("the issuer's key set could not be fetched; retry shortly")
    } finally {
      await database.close()
    }
  })

  it('throws an unexpected error with its cause', async () => {
    const database = await openDatabase({ kind: 'pglite' })
    const bug = new Error('verifier bug')
    const brokenVerifier: TokenVerifier = {
      verify: async () => {
        throw bug
      },
    }
    try {
      const thrown = await provisionOrganization(
        { database, verifier: brokenVerifier, logger },
        { accessToken: await issuer.mintToken() },
      ).catch((error: unknown) => error)

      expect(thrown).toBeInstanceOf(TRPCError)
      expect((thrown as TRPCError).code).toBe('INTERNAL_SERVER_ERROR')
      expect((thrown as TRPCError).cause).toBe(bug)
    } finally {
      await database.close()
    }
  })
})
