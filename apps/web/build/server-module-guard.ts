/**
 * Vite plugin that fails the build when a server-side module lands in the browser bundle. The
 * page may import only types from @cail/api; a value import would pull in the router, the
 * database drivers and the token verifier.
 */
import type { Plugin } from 'vite'

// Matched against module ids, which are absolute paths with forward slashes.
const SERVER_MODULES = [
  /\/packages\/api\//,
  /\/apps\/server\//,
  /\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(drizzle-orm|postgres|@electric-sql\/pglite|fastify|pino|oauth2-mock-server)\//,
]

export function guardServerModules(): Plugin {
  return {
    name: 'cail:guard-server-modules',
    apply: 'build',
    generateBundle(_options, bundle) {
      const offending = Object.values(bundle)
        .flatMap((output) => (output.type === 'chunk' ? Object.keys(output.modules) : []))
        .map((id) => id.replaceAll('\\', '/'))
        .filter((id) => SERVER_MODULES.some((pattern) => pattern.test(id)))
      if (offending.length > 0) {
        this.error(
          `server-side modules in the browser bundle: ${offending.join(', ')}; import only types from @cail/api (import type)`,
        )
      }
    },
  }
}
