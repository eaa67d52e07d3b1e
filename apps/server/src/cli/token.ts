/**
 * `pnpm -s token`: requests an access token from the running server's local issuer and prints
 * it on stdout, alone, so that `TOKEN=$(pnpm -s token …)` works. Messages go to stderr. Plain
 * `pnpm token` runs npm's own `token` command under pnpm 10, so the root script needs `-s`
 * (or `pnpm run token`, which also prints the script header on stdout).
 */
import { parseArgs } from 'node:util'

const USAGE = `Usage: pnpm -s token --org-id <id> [--org-name <name>] [--jurisdiction <id>] [options]

Prints an access token from the local issuer of a server started with \`pnpm start\`
(without AUTH0_DOMAIN). Only callers on the same machine are served. A claim whose option
is left out is left out of the token: without --org-id a create gets 403, and without
--org-name or --jurisdiction the create body must carry name or jurisdictionId.

Options:
  --org-id <id>             Auth0 organisation id (org_id claim), e.g. org_lambeth01
  --org-name <name>         organisation name (org_name claim)
  --jurisdiction <id>       jurisdiction claim, e.g. jur_uk_eng
  --permissions <list>      comma-separated permissions (default create:organizations;
                            pass "" for none)
  --expires-in <seconds>    token lifetime in seconds, 1 to 86400 (default 3600)
  --subject <sub>           sub claim (default local|operator)
  --server <url>            server origin (default http://127.0.0.1:$PORT, PORT default 3000)
  -h, --help                show this help
`

/** Time allowed for the token request, in milliseconds. */
const REQUEST_TIMEOUT_MS = 10_000

async function main(): Promise<number> {
  let values: ReturnType<typeof parseOptions>
  try {
    values = parseOptions()
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }

  const expiresIn = values['expires-in'] === undefined ? undefined : Number(values['expires-in'])
  if (
    expiresIn !== undefined &&
    (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 86_400)
  ) {
    process.stderr.write(
      `--expires-in ${JSON.stringify(values['expires-in'])} is invalid; use whole seconds from 1 to 86400\n`,
    )
    return 2
  }

  const server = values.server ?? `http://127.0.0.1:${process.env.PORT || 3000}`
  if (!isHttpUrl(server)) {
    process.stderr.write(
      `server URL ${JSON.stringify(server)} is invalid; pass --server with an origin such as http://127.0.0.1:3000, or set PORT to the server's port\n`,
    )
    return 2
  }
  const body = {
    orgId: values['org-id'],
    orgName: values['org-name'],
    jurisdictionId: values.jurisdiction,
    subject: values.subject,
    expiresIn,
    permissions:
      values.permissions === undefined
        ? undefined
        : values.permissions
            .split(',')
            .map((entry) => entry.trim())
            .filter(Boolean),
  }

  let response: Response
  try {
    response = await fetch(new URL('/local-issuer/token', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
  } catch (error) {
    process.stderr.write(
      `could not reach the server at ${server} (${describeFetchFailure(error)}); start it with \`pnpm start\` or pass --server\n`,
    )
    return 1
  }

  const payload = (await response.json().catch(() => undefined)) as
    | { access_token?: string; message?: string | string[] }
    | undefined
  if (!response.ok || typeof payload?.access_token !== 'string') {
    const reason = Array.isArray(payload?.message) ? payload.message.join('; ') : payload?.message
    const hint =
      response.status === 404
        ? '; the server uses Auth0 (AUTH0_DOMAIN is set), so it has no local issuer'
        : ''
    process.stderr.write(
      `the local issuer returned ${response.status}: ${reason ?? response.statusText}${hint}\n`,
    )
    return 1
  }

  process.stdout.write(`${payload.access_token}\n`)
  return 0
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol)
}

/** Names the network error behind fetch's generic "fetch failed", such as ECONNREFUSED. */
function describeFetchFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no response within ${REQUEST_TIMEOUT_MS} ms`
  }
  const cause = error instanceof Error ? error.cause : undefined
  if (cause instanceof Error) {
    return cause.message
  }
  return error instanceof Error ? error.message : String(error)
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      'org-id': { type: 'string' },
      'org-name': { type: 'string' },
      jurisdiction: { type: 'string' },
      permissions: { type: 'string' },
      'expires-in': { type: 'string' },
      subject: { type: 'string' },
      server: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  return values
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
