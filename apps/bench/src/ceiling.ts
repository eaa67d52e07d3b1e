/**
 * The ceiling, run in its own process: postgres.js inserting the same row as a create, with
 * `connections` inserts in flight, and no HTTP at all.
 */
import postgres from 'postgres'
import { insertOrganization } from './insert.js'
import type { RunFigures } from './loadgen.js'
import { serveJob } from './processes.js'
import { SampleBuffer, summarizeLatencies } from './stats.js'

export interface CeilingJob {
  databaseUrl: string
  poolSize: number
  connections: number
  warmupSeconds: number
  durationSeconds: number
}

async function insertUntilDeadline(job: CeilingJob): Promise<RunFigures> {
  const sql = postgres(job.databaseUrl, { max: job.poolSize, onnotice: () => {} })
  let sequence = 0
  let failures = 0

  const runFor = async (seconds: number, latencies: SampleBuffer | undefined) => {
    const deadline = performance.now() + seconds * 1000
    const worker = async () => {
      while (performance.now() < deadline) {
        const startedAt = performance.now()
        sequence += 1
        try {
          await insertOrganization(sql, {
            name: 'Lambeth Primary Care Network',
            typeCode: 'commissioner',
            jurisdictionId: 'jur_uk_eng',
            auth0OrganizationId: `org_ceiling${sequence}`,
            createdBy: `auth0|ceiling${sequence}`,
          })
          latencies?.push(performance.now() - startedAt)
        } catch {
          failures += latencies ? 1 : 0
        }
      }
    }
    const startedAt = performance.now()
    await Promise.all(Array.from({ length: job.connections }, worker))
    return (performance.now() - startedAt) / 1000
  }

  try {
    await runFor(job.warmupSeconds, undefined)
    const latencies = new SampleBuffer()
    const seconds = await runFor(job.durationSeconds, latencies)
    const latency = summarizeLatencies(latencies.values())
    return {
      requests: latencies.length,
      seconds,
      requestsPerSecond: latencies.length / seconds,
      p50: latency.p50,
      p99: latency.p99,
      failures,
      statusCounts: {},
      tokensWrapped: false,
      responses: latencies.length + failures,
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

serveJob(insertUntilDeadline)
