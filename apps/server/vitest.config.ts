import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources through the `@cail/source` condition.
export default defineConfig({
  resolve: { conditions: ['@cail/source'] },
  ssr: { resolve: { conditions: ['@cail/source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'in-process', include: ['test/**/*.test.ts'], exclude: ['test/process/**'] },
      },
      {
        // Server processes built from dist/; files run one at a time because each starts
        // servers and the build of `pnpm -s token` must not rewrite dist/ under another file.
        extends: true,
        test: {
          name: 'process',
          include: ['test/process/**/*.test.ts'],
          globalSetup: ['test/process/support/build.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
})
