/** Drizzle schema for the organisations service. Migrations in `drizzle/` are generated from it. */
import { sql } from 'drizzle-orm'
import { boolean, index, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

/** Organisation type codes accepted in v1. Adding a value is a compatible change; removing one is not. */
export const organizationTypeCodes = ['commissioner', 'provider', 'health_board'] as const
export type OrganizationTypeCode = (typeof organizationTypeCodes)[number]

export const organizationTypeCode = pgEnum('organization_type_code', organizationTypeCodes)

/** Reference data: the jurisdictions an organisation can be created in, inserted by a migration. */
export const jurisdictions = pgTable('jurisdictions', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
})

export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    name: text('name').notNull(),
    typeCode: organizationTypeCode('type_code').notNull(),
    jurisdictionId: text('jurisdiction_id')
      .notNull()
      .references(() => jurisdictions.id, { onDelete: 'restrict', onUpdate: 'cascade' }),
    active: boolean('active').notNull().default(true),
    /** The Auth0 organisation (`org_id` claim) that owns this row; at most one row per value. */
    auth0OrganizationId: text('auth0_organization_id')
      .notNull()
      .unique('organizations_auth0_organization_id_key'),
    /** `sub` claim of the token that created the row. */
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('organizations_jurisdiction_id_idx').on(table.jurisdictionId)],
)

export type OrganizationRow = typeof organizations.$inferSelect
