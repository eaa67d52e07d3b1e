/** Reads the CAIL organisation that belongs to an Auth0 organisation. */
import { eq, sql } from 'drizzle-orm'
import type { Database } from '../db/client.js'
import { organizations } from '../db/schema.js'
import { organizationColumns } from './create.js'
import type { Organization } from './schema.js'

// Prepared once per database, for the same reason as the insert in create.ts.
const selectStatements = new WeakMap<Database, ReturnType<typeof prepareSelect>>()

function prepareSelect(db: Database) {
  return db
    .select(organizationColumns)
    .from(organizations)
    .where(eq(organizations.auth0OrganizationId, sql.placeholder('auth0OrganizationId')))
    .prepare('select_organization_by_auth0_organization')
}

/** Returns the organisation of `auth0OrganizationId`, or null when it has none yet. */
export async function findOrganizationByAuth0Organization(
  db: Database,
  auth0OrganizationId: string,
): Promise<Organization | null> {
  let statement = selectStatements.get(db)
  if (!statement) {
    statement = prepareSelect(db)
    selectStatements.set(db, statement)
  }
  const [row] = await statement.execute({ auth0OrganizationId })
  return row ?? null
}
