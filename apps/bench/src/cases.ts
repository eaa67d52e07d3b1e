/** The measured cases: how each one prepares the database, starts its server and drives the load. */
import { join } from 'node:path'
import type { CeilingJob } from './ceiling.js'
import type { BenchDatabase } from './database.js'
import { BENCH_AUDIENCE, type BenchIssuer } from './issuer.js'
import type { LoadJob, RunFigures } from './loadgen.js'
import type { BenchOptions, CaseName } from './options.js'
import { freePort, MEASURING, runJob, type ServerProcess, startServerProcess } from './processes.js'

export const CASE_LABELS: Record<CaseName, string> = {
  ceiling: 'ceiling (postgres.js insert)',
  bare: 'bare (Fastify + jose + insert)',
  rest: 'REST POST /v1/organizations',
  trpc: 'tRPC organizations.create',
  'read-new': 'tRPC organizations.mine, new token each request',
  'read-same': 'tRPC organizations.mine, one token repeated',
  'bare-read-new': 'bare read (Fastify + jose + select), new token each request',
  'bare-read-same': 'bare read, one token repeated',
  'floor-fastify': 'floor: Fastify route returning a constant',
  'floor-trpc': 'floor: tRPC query returning a constant (official adapter)',
}

const CREATE_BODY = JSON.stringify({ name: 'Lambeth Primary Care Network' })

export interface BenchContext {
  options: BenchOptions
  database: BenchDatabase
  issuer: BenchIssuer
  /** One signed token a line, token `i` for organisation `benchOrganizationId(i)`. */
  tokensFile: string
  /** Token 0, whose organisation the read cases seed. */
  firstToken: string
  /** Temporary folder for logs, profiles and the server's data folder. */
  workDir: string
  /** Compiled entry points. */
  scripts: {
    server: string
    bare: string
    floor: string
    loadgen: string
    ceiling: string
    inProcess: string
  }
}

/** Which server build a run measured: the checkout's own, or the one given with --baseline. */
export type Variant = 'current' | 'baseline'

export interface RunResult {
  caseName: CaseName
  variant: Variant
  concurrency: number
  round: number
  figures: RunFigures
  /** Peak RSS of the server process, in bytes; undefined for the ceiling. */
  peakRssBytes: number | undefined
  /** Spawn to ready, in milliseconds; undefined for the ceiling. */
  startupMs: number | undefined
  /** Server CPU time per response in the measured period, in milliseconds. */
  serverCpuMsPerRequest: number | undefined
}

/** Whether a case runs on the real server, and so can be compared with a baseline build. */
export function usesRealServer(caseName: CaseName): boolean {
  return !isBareCase(caseName) && !isFloorCase(caseName) && caseName !== 'ceiling'
}

/** Returns whether a case runs on the bare server. */
export function isBareCase(caseName: CaseName): boolean {
  return caseName === 'bare' || caseName === 'bare-read-new' || caseName === 'bare-read-same'
}

/** Returns whether a case runs on the floor server, which has no database and verifies nothing. */
export function isFloorCase(caseName: CaseName): boolean {
  return caseName === 'floor-fastify' || caseName === 'floor-trpc'
}

/** Returns whether a case reads the organisations that the database is seeded with. */
function readsSeededRows(caseName: CaseName): boolean {
  return (
    caseName === 'read-new' ||
    caseName === 'read-same' ||
    caseName === 'bare-read-new' ||
    caseName === 'bare-read-same'
  )
}

export interface RunSettings {
  /** Node flags for the real server, such as `--cpu-prof`. */
  nodeFlags?: string[]
  variant?: Variant
}

/** Runs one case at one concurrency against a freshly started server and stops it. */
export async function runCase(
  context: BenchContext,
  caseName: CaseName,
  concurrency: number,
  round: number,
  settings: RunSettings = {},
): Promise<RunResult> {
  const variant = settings.variant ?? 'current'
  const { options, database } = context
  const timing = {
    connections: concurrency,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
  }

  if (caseName === 'ceiling') {
    await database.empty()
    const job: CeilingJob = { databaseUrl: database.url, poolSize: options.poolSize, ...timing }
    const figures = await runJob<CeilingJob, RunFigures>(context.scripts.ceiling, job)
    return {
      caseName,
      variant,
      concurrency,
      round,
      figures,
      peakRssBytes: undefined,
      startupMs: undefined,
      serverCpuMsPerRequest: undefined,
    }
  }

  await database.empty()
  if (readsSeededRows(caseName)) {
    await database.seed(options.tokenCount)
  }

  const label = `${caseName}-${variant}-c${concurrency}-r${round}`
  const server = isBareCase(caseName)
    ? await startBareServer(context, label)
    : isFloorCase(caseName)
      ? await startFloorServer(context, label)
      : await startRealServer(context, label, {
          nodeFlags: settings.nodeFlags,
          script: variant === 'baseline' ? context.options.baselineServer : undefined,
        })
  try {
    const job: LoadJob = { origin: server.origin, ...requestFor(context, caseName), ...timing }
    let cpuBefore: number | undefined
    const figures = await runJob<LoadJob, RunFigures>(context.scripts.loadgen, job, (mark) => {
      if (mark === MEASURING) {
        cpuBefore = server.process.cpuMilliseconds()
      }
    })
    const cpuAfter = server.process.cpuMilliseconds()
    return {
      caseName,
      variant,
      concurrency,
      round,
      figures,
      peakRssBytes: server.process.peakRssBytes(),
      startupMs: server.process.startupMs,
      serverCpuMsPerRequest:
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : (cpuAfter - cpuBefore) / figures.responses,
    }
  } finally {
    await server.process.stop()
  }
}

export function requestFor(
  context: BenchContext,
  caseName: Exclude<CaseName, 'ceiling'>,
): Pick<LoadJob, 'method' | 'path' | 'body' | 'tokensFile' | 'token'> {
  switch (caseName) {
    case 'bare':
    case 'rest':
      return {
        method: 'POST',
        path: '/v1/organizations',
        body: CREATE_BODY,
        tokensFile: context.tokensFile,
      }
    case 'trpc':
      return {
        method: 'POST',
        path: '/trpc/organizations.create',
        body: CREATE_BODY,
        tokensFile: context.tokensFile,
      }
    case 'read-new':
      return { method: 'GET', path: '/trpc/organizations.mine', tokensFile: context.tokensFile }
    case 'read-same':
      return { method: 'GET', path: '/trpc/organizations.mine', token: context.firstToken }
    case 'bare-read-new':
      return { method: 'GET', path: '/organizations/mine', tokensFile: context.tokensFile }
    case 'bare-read-same':
      return { method: 'GET', path: '/organizations/mine', token: context.firstToken }
    // The floor ignores the token; it is sent so that requests are the size of the reads'.
    case 'floor-fastify':
      return { method: 'GET', path: '/constant', token: context.firstToken }
    case 'floor-trpc':
      return { method: 'GET', path: '/trpc/constant', token: context.firstToken }
  }
}

export interface StartedServer {
  origin: string
  process: ServerProcess
}

/** Environment of the real server: production mode, the bench issuer and the bench database. */
export function realServerEnv(context: BenchContext, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: join(context.workDir, 'data'),
    DATABASE_URL: context.database.url,
    DATABASE_POOL_SIZE: String(context.options.poolSize),
    // The domain only has to be valid; the two URLs below replace what it would select.
    AUTH0_DOMAIN: 'bench.cail.invalid',
    AUTH0_ISSUER_URL: context.issuer.issuer,
    AUTH0_JWKS_URI: context.issuer.jwksUri,
    AUTH0_AUDIENCE: BENCH_AUDIENCE,
    ...context.options.serverEnv,
  }
}

export async function startRealServer(
  context: BenchContext,
  label: string,
  settings: { nodeFlags?: string[] | undefined; script?: string | undefined } = {},
): Promise<StartedServer> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const process = await startServerProcess({
    script: settings.script ?? context.scripts.server,
    nodeFlags: settings.nodeFlags ?? [],
    env: realServerEnv(context, port),
    logFile: join(context.workDir, `server-${label}.log`),
    readyUrl: `${origin}/readyz`,
  })
  return { origin, process }
}

async function startBareServer(context: BenchContext, label: string): Promise<StartedServer> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const process = await startServerProcess({
    script: context.scripts.bare,
    env: {
      PORT: String(port),
      DATABASE_URL: context.database.url,
      DATABASE_POOL_SIZE: String(context.options.poolSize),
      AUTH0_ISSUER_URL: context.issuer.issuer,
      AUTH0_JWKS_URI: context.issuer.jwksUri,
      AUTH0_AUDIENCE: BENCH_AUDIENCE,
    },
    logFile: join(context.workDir, `bare-${label}.log`),
    readyUrl: `${origin}/healthz`,
  })
  return { origin, process }
}

async function startFloorServer(context: BenchContext, label: string): Promise<StartedServer> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const process = await startServerProcess({
    script: context.scripts.floor,
    env: { PORT: String(port) },
    logFile: join(context.workDir, `floor-${label}.log`),
    readyUrl: `${origin}/healthz`,
  })
  return { origin, process }
}
