/** Inserts an organisation in one SQL statement and maps constraint violations to typed errors. */
import { eq, sql } from 'drizzle-orm'
import type { Database } from '../db/client.js'
import { readDatabaseFailure } from '../db/errors.js'
import { type OrganizationTypeCode, organizations } from '../db/schema.js'
import {
  OrganizationExistsError,
  ServiceUnavailableError,
  UnknownJurisdictionError,
} from '../errors.js'
import { listJurisdictions } from '../jurisdictions/list.js'
import type { Organization } from './schema.js'

export interface NewOrganization {
  name: string
  typeCode: OrganizationTypeCode
  jurisdictionId: string
  auth0OrganizationId: string
  /** `sub` of the caller. */
  createdBy: string
}

const UNIQUE_AUTH0_ORGANIZATION = 'organizations_auth0_organization_id_key'

export const organizationColumns = {
  id: organizations.id,
  name: organizations.name,
  typeCode: organizations.typeCode,
  jurisdictionId: organizations.jurisdictionId,
  active: organizations.active,
}

/**
 * Inserts the row with a single INSERT … RETURNING. The foreign key to `jurisdictions` and the
 * unique Auth0 organisation id do the checks, so concurrent creates from any number of
 * processes yield one row. The other creates get OrganizationExistsError with the winner's id.
 */
export async function createOrganization(
  db: Database,
  organization: NewOrganization,
): Promise<Organization> {
  try {
    const [row] = await insertStatementFor(db).execute({ ...organization })
    if (!row) {
      throw new Error('INSERT … RETURNING returned no row')
    }
    return row
  } catch (error) {
    throw await translateInsertError(db, error, organization)
  }
}

// Built once per database: Drizzle then skips composing the SQL on every create, and
// postgres.js prepares the statement once per connection, so PostgreSQL skips parsing and
// planning it too.
const insertStatements = new WeakMap<Database, ReturnType<typeof prepareInsert>>()

function prepareInsert(db: Database) {
  return db
    .insert(organizations)
    .values({
      name: sql.placeholder('name'),
      typeCode: sql.placeholder('typeCode'),
      jurisdictionId: sql.placeholder('jurisdictionId'),
      auth0OrganizationId: sql.placeholder('auth0OrganizationId'),
      createdBy: sql.placeholder('createdBy'),
    })
    .returning(organizationColumns)
    .prepare('insert_organization')
}

function insertStatementFor(db: Database): ReturnType<typeof prepareInsert> {
  let statement = insertStatements.get(db)
  if (!statement) {
    statement = prepareInsert(db)
    insertStatements.set(db, statement)
  }
  return statement
}

async function translateInsertError(
  db: Database,
  error: unknown,
  organization: NewOrganization,
): Promise<unknown> {
  const failure = readDatabaseFailure(error)
  if (!failure) {
    return error
  }
  if (failure.unavailable) {
    return new ServiceUnavailableError('the database is unavailable; retry shortly', {
      cause: error,
    })
  }

  // 23505 unique_violation: the conflicting row is committed by the time PostgreSQL reports it.
  if (failure.sqlState === '23505' && failure.constraint === UNIQUE_AUTH0_ORGANIZATION) {
    const existing = await findOrganizationIdByAuth0Organization(
      db,
      organization.auth0OrganizationId,
    )
    return new OrganizationExistsError(organization.auth0OrganizationId, existing)
  }

  // 23503 foreign_key_violation: the only foreign key is the jurisdiction.
  if (failure.sqlState === '23503') {
    const supported = await listJurisdictions(db)
    return new UnknownJurisdictionError(
      organization.jurisdictionId,
      supported.map((jurisdiction) => jurisdiction.id),
    )
  }
  return error
}

async function findOrganizationIdByAuth0Organization(
  db: Database,
  auth0OrganizationId: string,
): Promise<string | undefined> {
  const [row] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.auth0OrganizationId, auth0OrganizationId))
  return row?.id
}
