/** The bench's own database: created fresh per run, emptied before each measurement, dropped at the end. */
import postgres from 'postgres'

export interface BenchDatabase {
  /** Connection URL of the bench database. */
  readonly url: string
  /** Deletes every organisation, so that each run starts from an empty table. */
  empty(): Promise<void>
  /** Inserts one organisation for each of the first `count` token organisations. */
  seed(count: number): Promise<void>
  /** Closes the connection and drops the database. */
  drop(): Promise<void>
}

/** Auth0 organisation id of token number `index`; the seed uses the same ids. */
export function benchOrganizationId(index: number): string {
  return `org_bench${String(index).padStart(7, '0')}`
}

export async function createBenchDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists ${name} with (force)`)
  await admin.unsafe(`create database ${name}`)

  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const sql = postgres(url.href, { max: 1, onnotice: () => {} })

  return {
    url: url.href,
    async empty() {
      await sql`truncate organizations`
    },
    async seed(count) {
      await sql`
        insert into organizations (name, type_code, jurisdiction_id, auth0_organization_id, created_by)
        select 'Lambeth Primary Care Network', 'commissioner', 'jur_uk_eng',
               'org_bench' || lpad(i::text, 7, '0'), 'auth0|bench'
        from generate_series(0, ${count - 1}::int) as i`
      await sql`analyze organizations`
    },
    async drop() {
      await sql.end({ timeout: 5 })
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end({ timeout: 5 })
    },
  }
}
