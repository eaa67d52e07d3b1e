import { defineConfig } from 'vitest/config'

// The fault suite runs the built server (dist/main.js) as child processes against a private
// PostgreSQL cluster; `pnpm test:faults` at the root builds first. Files run one at a time
// because each starts servers and sends load.
export default defineConfig({
  test: {
    include: ['test-faults/**/*.test.ts'],
    globalSetup: ['test-faults/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
