import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources through the `@cail/source` condition.
export default defineConfig({
  resolve: { conditions: ['@cail/source'] },
  ssr: { resolve: { conditions: ['@cail/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
