/**
 * `pnpm bench --in-process --baseline FILE`: loads the current and the baseline server builds
 * into one process and measures the CPU time each spends per request through Fastify's
 * `inject`, alternating between them. CPU time per request moves less with load from other
 * processes than throughput does, so this shows what one code change bought on a busy
 * machine. It leaves out sockets, the database server and the load generator.
 */
// NOTE: both builds share one process, so a process-wide effect of one build (such as the
// promise hooks that AsyncLocalStorage turns on in Node 20) slows both and cannot be seen.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import postgres from 'postgres'
import { serveJob } from './processes.js'
import { median } from './stats.js'

export interface InProcessJob {
  /** `apps/server/dist/main.js` of each build. */
  servers: { current: string; baseline: string }
  databaseUrl: string
  issuer: string
  jwksUri: string
  audience: string
  tokensFile: string
  rounds: number
  requestsPerRound: number
  concurrency: number
}

const IN_PROCESS_CASES = ['rest', 'trpc', 'read-new'] as const
export type InProcessCase = (typeof IN_PROCESS_CASES)[number]

/** Median CPU time per request, in microseconds, for each case and build. */
export type InProcessResult = Record<
  InProcessCase,
  { current: number | undefined; baseline: number | undefined }
>

interface InjectResponse {
  statusCode: number
  body: string
}

interface App {
  inject(request: {
    method: string
    url: string
    headers: Record<string, string>
    payload?: string
  }): Promise<InjectResponse>
  ready(): Promise<unknown>
  close(): Promise<unknown>
}

/** The modules of one server build, loaded from its compiled files. */
interface Build {
  app: App
  close(): Promise<void>
}

const CREATE_BODY = JSON.stringify({ name: 'Lambeth Primary Care Network' })

async function loadBuild(serverMain: string, job: InProcessJob): Promise<Build> {
  const serverDist = dirname(serverMain)
  const apiIndex = join(serverDist, '../../../packages/api/dist/index.js')
  const api = await import(pathToFileURL(apiIndex).href)
  const { buildApp } = await import(pathToFileURL(join(serverDist, 'app.js')).href)
  const { createLogger } = await import(pathToFileURL(join(serverDist, 'logger.js')).href)

  const database = await api.openDatabase({ kind: 'postgres', url: job.databaseUrl, poolSize: 10 })
  const logger = createLogger('info')
  const app = (await buildApp({
    dependencies: {
      db: database.db,
      verifier: api.createTokenVerifier({
        issuer: job.issuer,
        audience: job.audience,
        jwksUri: job.jwksUri,
      }),
      logger,
      requiredPermission: 'create:organizations',
      claims: {
        organizationName: 'org_name',
        jurisdiction: 'https://cail.health/jurisdiction_id',
      },
    },
    database,
    logger,
    bodyLimitBytes: 16_384,
    requestTimeoutMs: 30_000,
  })) as App
  await app.ready()
  return {
    app,
    async close() {
      await app.close()
      await database.close()
    },
  }
}

function requestOf(caseName: InProcessCase, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  switch (caseName) {
    case 'rest':
      return { method: 'POST', url: '/v1/organizations', headers, payload: CREATE_BODY }
    case 'trpc':
      return { method: 'POST', url: '/trpc/organizations.create', headers, payload: CREATE_BODY }
    case 'read-new':
      return { method: 'GET', url: '/trpc/organizations.mine', headers }
  }
}

/** Sends `tokens.length` requests, `concurrency` at a time, and returns CPU microseconds per request. */
async function measure(
  app: App,
  caseName: InProcessCase,
  tokens: string[],
  concurrency: number,
): Promise<number> {
  let next = 0
  const worker = async () => {
    while (next < tokens.length) {
      const token = tokens[next] ?? ''
      next += 1
      const response = await app.inject(requestOf(caseName, token))
      if (response.statusCode !== 200) {
        throw new Error(`${caseName} returned ${response.statusCode}: ${response.body}`)
      }
    }
  }

  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / tokens.length
}

async function compareBuilds(job: InProcessJob): Promise<InProcessResult> {
  const tokens = (await readFile(job.tokensFile, 'utf8')).split('\n')
  if (tokens.length < job.requestsPerRound * 2) {
    throw new Error(`--tokens must be at least ${job.requestsPerRound * 2} for --in-process`)
  }
  const sql = postgres(job.databaseUrl, { max: 1, onnotice: () => {} })
  const builds = {
    current: await loadBuild(job.servers.current, job),
    baseline: await loadBuild(job.servers.baseline, job),
  }
  const samples = new Map<string, number[]>()

  try {
    // The first round warms the JIT compiler and the JWKS cache and is not counted.
    for (let round = 0; round <= job.rounds; round += 1) {
      for (const caseName of IN_PROCESS_CASES) {
        const order =
          round % 2 === 0 ? (['current', 'baseline'] as const) : (['baseline', 'current'] as const)
        for (const [index, variant] of order.entries()) {
          // Each build gets its own slice of tokens, so no verification is a repeat.
          const slice = tokens.slice(
            index * job.requestsPerRound,
            (index + 1) * job.requestsPerRound,
          )
          await sql`truncate organizations`
          if (caseName === 'read-new') {
            await sql`
              insert into organizations (name, type_code, jurisdiction_id, auth0_organization_id, created_by)
              select 'Lambeth Primary Care Network', 'commissioner', 'jur_uk_eng',
                     'org_bench' || lpad(i::text, 7, '0'), 'auth0|bench'
              from generate_series(0, ${job.requestsPerRound * 2 - 1}::int) as i`
          }
          const microseconds = await measure(builds[variant].app, caseName, slice, job.concurrency)
          if (round > 0) {
            const key = `${caseName}:${variant}`
            samples.set(key, [...(samples.get(key) ?? []), microseconds])
          }
        }
      }
    }
  } finally {
    await builds.current.close()
    await builds.baseline.close()
    await sql.end({ timeout: 5 })
  }

  const result = {} as InProcessResult
  for (const caseName of IN_PROCESS_CASES) {
    result[caseName] = {
      current: median(samples.get(`${caseName}:current`) ?? []),
      baseline: median(samples.get(`${caseName}:baseline`) ?? []),
    }
  }
  return result
}

serveJob(compareBuilds)
