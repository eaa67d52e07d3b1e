/** Drizzle schema for the organisations service. Migrations in `drizzle/` are generated from it. */
import { sql } from 'drizzle-orm'
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core'

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

/**
 * `Idempotency-Key` records, one per Auth0 organisation and key. A record is in progress while
 * `response_status` is null; the request whose `claim_id` the row carries fills in the outcome.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** The Auth0 organisation (`org_id` claim) that the key belongs to. */
    auth0OrganizationId: text('auth0_organization_id').notNull(),
    key: text('key').notNull(),
    /** SHA-256 (hex) of the operation and the canonical JSON of its parsed input. */
    requestFingerprint: text('request_fingerprint').notNull(),
    /** The attempt that may complete or release this record. */
    claimId: uuid('claim_id').notNull(),
    /** After this time another attempt may take over an in-progress record. */
    claimExpiresAt: timestamp('claim_expires_at', { withTimezone: true }).notNull(),
    /** HTTP status of the first response; null while the first request is in progress. */
    responseStatus: integer('response_status'),
    /** The procedure's output, or the failure's code, messages and headers. */
    responseBody: jsonb('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (table) => [
    primaryKey({
      name: 'idempotency_keys_pkey',
      columns: [table.auth0OrganizationId, table.key],
    }),
    index('idempotency_keys_created_at_idx').on(table.createdAt),
    check(
      'idempotency_keys_outcome_check',
      sql`(${table.responseStatus} is null) = (${table.responseBody} is null)`,
    ),
  ],
)

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect
