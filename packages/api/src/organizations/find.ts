/** Reads the CAIL organisation that belongs to an Auth0 organisation. */
import { eq } from 'drizzle-orm'
import type { Database } from '../db/client.js'
import { organizations } from '../db/schema.js'
import { organizationColumns } from './create.js'
import type { Organization } from './schema.js'

/** Returns the organisation of `auth0OrganizationId`, or null when it has none yet. */
export async function findOrganizationByAuth0Organization(
  db: Database,
  auth0OrganizationId: string,
): Promise<Organization | null> {
  const [row] = await db
    .select(organizationColumns)
    .from(organizations)
    .where(eq(organizations.auth0OrganizationId, auth0OrganizationId))
  return row ?? null
}
