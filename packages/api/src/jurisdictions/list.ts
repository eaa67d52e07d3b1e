import { asc } from 'drizzle-orm'
import type { Database } from '../db/client.js'
import { jurisdictions } from '../db/schema.js'

export interface Jurisdiction {
  id: string
  name: string
}

export async function listJurisdictions(db: Database): Promise<Jurisdiction[]> {
  return db
    .select({ id: jurisdictions.id, name: jurisdictions.name })
    .from(jurisdictions)
    .orderBy(asc(jurisdictions.id))
}
