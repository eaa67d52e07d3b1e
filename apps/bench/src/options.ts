/** Command-line flags of `pnpm bench`. */
import { parseArgs } from 'node:util'

export const CASE_NAMES = [
  'ceiling',
  'bare',
  'rest',
  'trpc',
  'read-new',
  'read-same',
  'bare-read-new',
  'bare-read-same',
  'floor-fastify',
  'floor-trpc',
] as const
export type CaseName = (typeof CASE_NAMES)[number]

export type Mode = 'table' | 'scale' | 'profile' | 'in-process'

export interface BenchOptions {
  mode: Mode
  /** Rounds per case and concurrency; the table shows the median over them. */
  rounds: number
  /** Measured seconds per run. */
  durationSeconds: number
  /** Unmeasured seconds of load before each run, at the same concurrency. */
  warmupSeconds: number
  concurrencies: number[]
  cases: CaseName[]
  /** Signed tokens minted before the runs, each for its own Auth0 organisation. */
  tokenCount: number
  /** Database pool size of the real server, the bare server and the ceiling. */
  poolSize: number
  /** Connection URL of an existing database on the server, used to create the bench database. */
  adminUrl: string
  /** Name of the database the bench drops and creates. */
  databaseName: string
  /** Extra environment for the real server, such as `LOG_LEVEL=warn`, for A/B comparisons. */
  serverEnv: Record<string, string>
  /** Case profiled with `--profile`. */
  profileCase: CaseName
  /** Process counts compared with `--scale`. */
  scaleProcesses: number[]
  /** False with `--no-write`: print only, leave the docs alone. */
  writeDocs: boolean
  /** Requests per build and case in each round of `--in-process`. */
  requestsPerRound: number
  /** Entry point of an earlier server build; each real-server case also runs against it. */
  baselineServer: string | undefined
  /** File to write every run's figures to as JSON, if any. */
  jsonFile: string | undefined
  keepLogs: boolean
}

export const USAGE = `Usage: pnpm bench [flags]

Measures the organisations service against PostgreSQL on loopback and writes the
table to docs/benchmarks.md.

  --rounds N           rounds per case and concurrency (default 3)
  --duration S         measured seconds per run (default 3)
  --warmup S           unmeasured seconds of load before each run (default 5)
  --concurrency LIST   connections, comma-separated (default 1,16,64)
  --cases LIST         subset of ${CASE_NAMES.join(',')}
  --tokens N           tokens minted before the runs (default 50000)
  --pool N             database pool size of every server and the ceiling (default 10)
  --admin-url URL      existing database used to create the bench database
                       (default postgres://postgres@127.0.0.1:5432/postgres)
  --database NAME      bench database, dropped and created per run (default cail_bench)
  --server-env K=V     extra environment for the real server; repeatable
  --scale              compare one and two server processes; writes docs/deploy.md
  --processes LIST     process counts for --scale (default 1,2)
  --profile            run the server under --cpu-prof at the highest concurrency and
                       list the top self-time functions
  --profile-case CASE  case to profile (default rest)
  --baseline FILE      main.js of an earlier server build (such as a copy of the
                       checkout at another commit); every REST, tRPC and read case
                       also runs against it, back to back, marked [baseline]
  --in-process         with --baseline: CPU time per request of both builds, loaded
                       into one process and called alternately through inject
  --requests N         requests per build, case and round of --in-process (default 1000)
  --no-write           print the results but leave the docs unchanged
  --json FILE          also write every run's figures to FILE
  --keep-logs          keep the temporary folder with server logs and profiles
  --help               show this text
`

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`)
    this.name = 'UsageError'
  }
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '1,16,64' },
      cases: { type: 'string', default: CASE_NAMES.join(',') },
      tokens: { type: 'string', default: '50000' },
      pool: { type: 'string', default: '10' },
      'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      database: { type: 'string', default: 'cail_bench' },
      'server-env': { type: 'string', multiple: true, default: [] },
      scale: { type: 'boolean', default: false },
      processes: { type: 'string', default: '1,2' },
      profile: { type: 'boolean', default: false },
      'profile-case': { type: 'string', default: 'rest' },
      baseline: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      requests: { type: 'string', default: '1000' },
      'no-write': { type: 'boolean', default: false },
      json: { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    return 'help'
  }
  if ([values.scale, values.profile, values['in-process']].filter(Boolean).length > 1) {
    throw new UsageError(
      '--scale, --profile and --in-process cannot be combined; run one at a time',
    )
  }
  if (values['in-process'] && !values.baseline) {
    throw new UsageError('--in-process compares two builds; give the other one with --baseline')
  }

  return {
    mode: chooseMode(values.scale, values.profile, values['in-process']),
    rounds: positiveInteger('--rounds', values.rounds),
    durationSeconds: positiveNumber('--duration', values.duration),
    warmupSeconds: nonNegativeNumber('--warmup', values.warmup),
    concurrencies: integerList('--concurrency', values.concurrency),
    cases: caseList('--cases', values.cases),
    tokenCount: positiveInteger('--tokens', values.tokens),
    poolSize: positiveInteger('--pool', values.pool),
    adminUrl: values['admin-url'],
    databaseName: databaseName(values.database),
    serverEnv: environment(values['server-env']),
    profileCase: caseList('--profile-case', values['profile-case'])[0] ?? 'rest',
    scaleProcesses: integerList('--processes', values.processes),
    writeDocs: !values['no-write'],
    requestsPerRound: positiveInteger('--requests', values.requests),
    baselineServer: values.baseline,
    jsonFile: values.json,
    keepLogs: values['keep-logs'],
  }
}

function chooseMode(scale: boolean, profile: boolean, inProcess: boolean): Mode {
  if (scale) {
    return 'scale'
  }
  if (inProcess) {
    return 'in-process'
  }
  return profile ? 'profile' : 'table'
}

function positiveNumber(flag: string, value: string): number {
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is invalid; use a number above 0`)
  }
  return parsed
}

function nonNegativeNumber(flag: string, value: string): number {
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is invalid; use a number from 0 up`)
  }
  return parsed
}

function positiveInteger(flag: string, value: string): number {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is invalid; use a whole number from 1 up`,
    )
  }
  return parsed
}

function integerList(flag: string, value: string): number[] {
  const entries = value.split(',').map((entry) => entry.trim())
  return entries.map((entry) => positiveInteger(flag, entry))
}

function caseList(flag: string, value: string): CaseName[] {
  const entries = value.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    if (!(CASE_NAMES as readonly string[]).includes(entry)) {
      throw new UsageError(
        `${flag} ${JSON.stringify(entry)} is not a case; use ${CASE_NAMES.join(', ')}`,
      )
    }
  }
  return entries as CaseName[]
}

// PostgreSQL identifiers the bench can use without quoting.
function databaseName(value: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new UsageError(
      `--database ${JSON.stringify(value)} is invalid; use lower-case letters, digits and _`,
    )
  }
  return value
}

function environment(entries: string[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const entry of entries) {
    const separator = entry.indexOf('=')
    if (separator < 1) {
      throw new UsageError(`--server-env ${JSON.stringify(entry)} is invalid; use NAME=VALUE`)
    }
    env[entry.slice(0, separator)] = entry.slice(separator + 1)
  }
  return env
}
