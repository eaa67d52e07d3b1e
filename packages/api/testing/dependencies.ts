import pino from 'pino'
import type { Database } from '../src/db/client.js'
import { createTokenVerifier, DEFAULT_JURISDICTION_CLAIM } from '../src/index.js'
import type { ApiDependencies } from '../src/trpc/init.js'
import type { TestIssuer } from './issuer.js'

/**
 * Builds the dependencies the server would inject: a verifier for the test issuer, the
 * create permission and the default claim names. `overrides` replaces any of them.
 */
export function testDependencies(
  db: Database,
  issuer: TestIssuer,
  overrides: Partial<ApiDependencies> = {},
): ApiDependencies {
  return {
    db,
    verifier: createTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
    }),
    logger: pino({ level: 'silent' }),
    requiredPermission: 'create:organizations',
    claims: { organizationName: 'org_name', jurisdiction: DEFAULT_JURISDICTION_CLAIM },
    ...overrides,
  }
}
