/**
 * Global set-up of the process tests: compiles @cail/api and the server, because the tests run
 * `dist/main.js` and `dist/cli/token.js` as an operator would.
 */
import { spawnSync } from 'node:child_process'
import { REPO_ROOT } from './server-process.js'

const BUILD_TIMEOUT_MS = 300_000

export default function buildServer(): void {
  // Through turbo, as `pnpm start` and `pnpm -s token` build, so that their builds hit its cache.
  const result = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@cail/server...'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  })
  if (result.error || result.status !== 0) {
    throw new Error(
      `building the server for the process tests failed (${result.error?.message ?? `exit code ${result.status}`}):\n${result.stdout}\n${result.stderr}`,
    )
  }
}
