/** Fills the create request's absent fields from the caller's token and checks what the body cannot. */
import type { OperatorIdentity } from '../auth/policy.js'
import type { Database } from '../db/client.js'
import type { OrganizationTypeCode } from '../db/schema.js'
import {
  type ErrorIssue,
  ForbiddenError,
  UnknownJurisdictionError,
  ValidationError,
} from '../errors.js'
import { listJurisdictions } from '../jurisdictions/list.js'
import type { NewOrganization } from './create.js'
import { DEFAULT_TYPE_CODE, organizationNameSchema } from './schema.js'

/** The parsed request body: each field already passed its own rule. */
export interface CreateOrganizationRequest {
  name?: string | undefined
  typeCode?: OrganizationTypeCode | undefined
  jurisdictionId?: string | undefined
}

export interface ClaimNames {
  organizationName: string
  jurisdiction: string
}

// Jurisdiction ids are short ASCII identifiers; anything else cannot match a row.
const JURISDICTION_ID_SHAPE = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * Builds the row to insert. Throws ForbiddenError when the body's jurisdiction differs from the
 * token's, ValidationError listing every value missing from both body and token, and
 * UnknownJurisdictionError for an id that cannot be a jurisdiction.
 */
export async function resolveNewOrganization(
  db: Database,
  request: CreateOrganizationRequest,
  caller: OperatorIdentity,
  claims: ClaimNames,
): Promise<NewOrganization> {
  // An empty string counts as a value, so `""` against a claim is a mismatch, not a default.
  if (
    request.jurisdictionId !== undefined &&
    caller.jurisdictionId !== undefined &&
    request.jurisdictionId !== caller.jurisdictionId
  ) {
    throw new ForbiddenError(
      'jurisdiction_mismatch',
      `jurisdictionId ${JSON.stringify(request.jurisdictionId)} differs from the token's jurisdiction ${JSON.stringify(caller.jurisdictionId)}; omit jurisdictionId or sign in for that jurisdiction`,
      { field: 'jurisdictionId' },
    )
  }

  const problems: ErrorIssue[] = []
  const name = resolveName(request, caller, claims, problems)
  const jurisdictionId = request.jurisdictionId ?? caller.jurisdictionId
  if (jurisdictionId === undefined) {
    problems.push({
      path: ['jurisdictionId'],
      message: `jurisdictionId is missing; send it in the request body or use a token with the ${claims.jurisdiction} claim`,
    })
  }
  if (problems.length > 0 || name === undefined || jurisdictionId === undefined) {
    throw new ValidationError(problems)
  }

  if (!JURISDICTION_ID_SHAPE.test(jurisdictionId)) {
    const supported = await listJurisdictions(db)
    throw new UnknownJurisdictionError(
      jurisdictionId,
      supported.map((jurisdiction) => jurisdiction.id),
    )
  }

  return {
    name,
    typeCode: request.typeCode ?? DEFAULT_TYPE_CODE,
    jurisdictionId,
    auth0OrganizationId: caller.organizationId,
    createdBy: caller.subject,
  }
}

function resolveName(
  request: CreateOrganizationRequest,
  caller: OperatorIdentity,
  claims: ClaimNames,
  problems: ErrorIssue[],
): string | undefined {
  if (request.name !== undefined) {
    return request.name
  }
  if (caller.organizationName === undefined) {
    problems.push({
      path: ['name'],
      message: `name is missing; send it in the request body or use a token with the ${claims.organizationName} claim`,
    })
    return undefined
  }

  const fromToken = organizationNameSchema(
    `the token's ${claims.organizationName} claim`,
  ).safeParse(caller.organizationName)
  if (!fromToken.success) {
    problems.push(
      ...fromToken.error.issues.map((issue) => ({
        path: ['name'],
        message: `${issue.message}; send name in the request body`,
      })),
    )
    return undefined
  }
  return fromToken.data
}
