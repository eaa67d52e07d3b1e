import { asc } from 'drizzle-orm'
import { z } from 'zod'
import type { Database } from '../db/client.js'
import { jurisdictions } from '../db/schema.js'

export const jurisdictionOutput = z.object({
  /** Stable id used in requests, such as `jur_uk_eng`. */
  id: z.string(),
  /** Display name, such as `England`. */
  name: z.string(),
})

export const jurisdictionListOutput = z.array(jurisdictionOutput)

export type Jurisdiction = z.infer<typeof jurisdictionOutput>

export async function listJurisdictions(db: Database): Promise<Jurisdiction[]> {
  return db
    .select({ id: jurisdictions.id, name: jurisdictions.name })
    .from(jurisdictions)
    .orderBy(asc(jurisdictions.id))
    .execute()
}
