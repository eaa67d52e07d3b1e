/** HTTP endpoints of the local issuer: JWKS, OpenID discovery, and token minting for loopback callers. */
import { ServiceError, ValidationError } from '@cail/api'
import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { LOCAL_AUDIENCE, type LocalIssuer } from '../local-issuer/local-issuer.js'

export interface LocalIssuerRoutesOptions {
  issuer: LocalIssuer
}

export const TOKEN_PATH = '/local-issuer/token'

const tokenRequestSchema = z.strictObject({
  orgId: z.string().min(1).max(255).optional(),
  orgName: z.string().min(1).max(1_000).optional(),
  jurisdictionId: z.string().min(1).max(255).optional(),
  permissions: z.array(z.string().min(1).max(255)).max(100).default(['create:organizations']),
  subject: z.string().min(1).max(255).default('local|operator'),
  /** Seconds; at most one day. */
  expiresIn: z.number().int().min(1).max(86_400).default(3_600),
})

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\./.test(address))
}

const localIssuerRoutes: FastifyPluginAsync<LocalIssuerRoutesOptions> = async (app, { issuer }) => {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('Cache-Control', 'public, max-age=300')
    return { keys: [issuer.key.publicJwk] }
  })

  app.get('/.well-known/openid-configuration', async () => ({
    issuer: issuer.issuer,
    jwks_uri: `${issuer.issuer}.well-known/jwks.json`,
    token_endpoint: `${issuer.issuer}${TOKEN_PATH.slice(1)}`,
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
  }))

  app.post(TOKEN_PATH, async (request) => {
    if (!isLoopback(request.socket.remoteAddress)) {
      throw new ServiceError(
        403,
        'local_issuer_loopback_only',
        'the local issuer mints tokens only for callers on this machine',
      )
    }
    const parsed = tokenRequestSchema.safeParse(request.body ?? {})
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`),
      )
    }

    const body = parsed.data
    const accessToken = await issuer.mint({
      subject: body.subject,
      organizationId: body.orgId,
      organizationName: body.orgName,
      jurisdictionId: body.jurisdictionId,
      permissions: body.permissions,
      expiresIn: body.expiresIn,
    })
    request.log.info({ orgId: body.orgId, subject: body.subject }, 'local issuer minted a token')
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: body.expiresIn,
      audience: LOCAL_AUDIENCE,
    }
  })
}

export default localIssuerRoutes
