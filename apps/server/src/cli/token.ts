/**
 * `pnpm token`: asks the running server's local issuer for an access token and prints it on
 * stdout, alone, so that `TOKEN=$(pnpm token …)` works. Messages go to stderr.
 */
import { parseArgs } from 'node:util'

const USAGE = `Usage: pnpm token --org-id <id> --org-name <name> --jurisdiction <id> [options]

Prints an access token from the local issuer of a server started with \`pnpm start\`
(without AUTH0_DOMAIN). Only callers on the same machine are served.

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
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    process.stderr.write(
      `could not reach the server at ${server} (${(error as Error).message}); start it with \`pnpm start\` or pass --server\n`,
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
