/** Assertions over what the server processes logged. */
import { expect } from 'vitest'
import type { LogLine, ServerProcess } from './server-process.js'

// pino levels: 30 info, 40 warn, 50 error.
const INFO = 30

/**
 * Expects exactly one log line at info or above for `requestId`, across `servers`, that names
 * the failure: its stable `code` and a cause (`reason` or `err`). Waits up to 5 s for the line,
 * because a process may write it just after the response left.
 */
export async function expectOneFaultLine(
  servers: ServerProcess | readonly ServerProcess[],
  requestId: string,
  code: string,
): Promise<LogLine> {
  const all: readonly ServerProcess[] = Array.isArray(servers) ? servers : [servers]
  const find = () =>
    all.flatMap((server: ServerProcess) =>
      server.logs.filter(
        (line: LogLine) =>
          line.reqId === requestId && typeof line.code === 'string' && (line.level ?? 0) >= INFO,
      ),
    )
  const deadline = Date.now() + 5_000
  while (find().length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  const lines = find()
  expect(lines, `fault log lines for request ${requestId}`).toHaveLength(1)
  const [line] = lines as [LogLine]
  expect(line.code).toBe(code)
  expect(line.reason ?? line.err, `cause logged for request ${requestId}`).toBeTruthy()
  return line
}

/** Expects that no line contains any of `secrets` (tokens, their signatures, keys, passwords). */
export function expectNoSecrets(output: readonly string[], secrets: readonly string[]): void {
  const needles = new Set<string>()
  for (const secret of secrets) {
    if (!secret) {
      continue
    }
    needles.add(secret)
    // A JWT's signature alone identifies it; a log that cut the token could still leak it.
    const signature = secret.split('.')[2]
    if (signature && signature.length >= 16) {
      needles.add(signature)
    }
  }

  const leaks: string[] = []
  for (const line of output) {
    for (const needle of needles) {
      if (line.includes(needle)) {
        leaks.push(`${needle.slice(0, 12)}… in: ${line.slice(0, 200)}`)
      }
    }
  }
  expect(leaks, 'secrets found in the server output').toEqual([])
  expect(output.length, 'server output lines scanned').toBeGreaterThan(0)
}
