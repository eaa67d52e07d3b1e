/**
 * The bare server: one Fastify route that verifies the token with jose and inserts the row with
 * postgres.js, and one that verifies the token and reads the row, with no tRPC, no adapter and
 * no logging. It shows what the service's own layers cost on top of the work every request
 * must do.
 */
import Fastify from 'fastify'
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose'
import postgres from 'postgres'
import { findOrganization, insertOrganization } from './insert.js'

const env = {
  port: Number(process.env.PORT),
  databaseUrl: required('DATABASE_URL'),
  poolSize: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  issuer: required('AUTH0_ISSUER_URL'),
  jwksUri: required('AUTH0_JWKS_URI'),
  audience: required('AUTH0_AUDIENCE'),
}

const JURISDICTION_CLAIM = 'https://cail.health/jurisdiction_id'

function required(name: string): string {
  const value = process.env[name]
  if (!value) {
    throw new Error(`${name} is required`)
  }
  return value
}

const sql = postgres(env.databaseUrl, { max: env.poolSize, onnotice: () => {} })
const keySet = createRemoteJWKSet(new URL(env.jwksUri))
const app = Fastify({ logger: false })

interface CreateBody {
  name?: string
  typeCode?: string
  jurisdictionId?: string
}

app.get('/healthz', async () => ({ status: 'ok' }))

async function verify(token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, keySet, {
    issuer: env.issuer,
    audience: env.audience,
    algorithms: ['RS256'],
    requiredClaims: ['exp', 'sub'],
  })
  return payload
}

// The read keeps what it verified, keyed by the whole token, until the token's exp, so that a
// repeated token costs a Map lookup: the least any verified-token cache can cost.
const MAX_CACHED_TOKENS = 10_000
const verifiedTokens = new Map<string, JWTPayload>()

async function verifyOnce(token: string): Promise<JWTPayload> {
  const cached = verifiedTokens.get(token)
  if (cached !== undefined && (cached.exp ?? 0) * 1000 > Date.now()) {
    return cached
  }
  const payload = await verify(token)
  if (verifiedTokens.size >= MAX_CACHED_TOKENS) {
    const oldest = verifiedTokens.keys().next().value
    if (oldest !== undefined) {
      verifiedTokens.delete(oldest)
    }
  }
  verifiedTokens.set(token, payload)
  return payload
}

app.get('/organizations/mine', async (request, reply) => {
  const token = request.headers.authorization?.replace(/^Bearer /, '') ?? ''
  let claims: JWTPayload
  try {
    claims = await verifyOnce(token)
  } catch {
    return reply.code(401).send({ message: 'invalid token' })
  }
  if (typeof claims.org_id !== 'string') {
    return reply.code(403).send({ message: 'forbidden' })
  }
  return (await findOrganization(sql, claims.org_id)) ?? null
})

app.post<{ Body: CreateBody | undefined }>('/v1/organizations', async (request, reply) => {
  const token = request.headers.authorization?.replace(/^Bearer /, '') ?? ''
  let claims: JWTPayload
  try {
    claims = await verify(token)
  } catch {
    return reply.code(401).send({ message: 'invalid token' })
  }

  const organizationId = claims.org_id
  const permissions = claims.permissions
  if (
    typeof organizationId !== 'string' ||
    !Array.isArray(permissions) ||
    !permissions.includes('create:organizations')
  ) {
    return reply.code(403).send({ message: 'forbidden' })
  }

  const body = request.body ?? {}
  try {
    return await insertOrganization(sql, {
      name: body.name ?? String(claims.org_name),
      typeCode: body.typeCode ?? 'commissioner',
      jurisdictionId: body.jurisdictionId ?? String(claims[JURISDICTION_CLAIM]),
      auth0OrganizationId: organizationId,
      createdBy: String(claims.sub),
    })
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      return reply.code(409).send({ message: 'organisation exists' })
    }
    throw error
  }
})

const close = () => {
  app
    .close()
    .then(() => sql.end({ timeout: 5 }))
    .finally(() => process.exit(0))
}
process.once('SIGTERM', close)
process.once('SIGINT', close)

await app.listen({ port: env.port, host: '127.0.0.1' })
