/** The row every create inserts and every read selects, as postgres.js statements shared by the ceiling and the bare server. */
import type { Sql } from 'postgres'

export interface OrganizationRow {
  id: string
  name: string
  typeCode: string
  jurisdictionId: string
  active: boolean
}

export interface NewOrganizationRow {
  name: string
  typeCode: string
  jurisdictionId: string
  auth0OrganizationId: string
  createdBy: string
}

/** Inserts the organisation with INSERT … RETURNING, as the service does; prepared per connection. */
export async function insertOrganization(
  sql: Sql,
  row: NewOrganizationRow,
): Promise<OrganizationRow | undefined> {
  const [created] = await sql<OrganizationRow[]>`
    insert into organizations (name, type_code, jurisdiction_id, auth0_organization_id, created_by)
    values (${row.name}, ${row.typeCode}, ${row.jurisdictionId}, ${row.auth0OrganizationId}, ${row.createdBy})
    returning id, name, type_code as "typeCode", jurisdiction_id as "jurisdictionId", active`
  return created
}

/** Selects the organisation of an Auth0 organisation, as the service's read does; prepared per connection. */
export async function findOrganization(
  sql: Sql,
  auth0OrganizationId: string,
): Promise<OrganizationRow | undefined> {
  const [row] = await sql<OrganizationRow[]>`
    select id, name, type_code as "typeCode", jurisdiction_id as "jurisdictionId", active
    from organizations where auth0_organization_id = ${auth0OrganizationId}`
  return row
}
