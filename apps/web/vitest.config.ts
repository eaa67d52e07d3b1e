import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'components',
            include: ['test/components/**/*.test.tsx'],
            environment: 'jsdom',
            setupFiles: ['test/components/setup.ts'],
            testTimeout: 30_000,
          },
        },
        {
          extends: true,
          test: {
            // Needs the built page and server: turbo runs both builds before this package's tests.
            name: 'build',
            include: [
              'test/types/**/*.test.ts',
              'test/build/**/*.test.ts',
              'test/e2e/**/*.test.ts',
            ],
            environment: 'node',
            testTimeout: 60_000,
            hookTimeout: 90_000,
            // One file at a time: each end-to-end file starts a server and a browser.
            fileParallelism: false,
          },
        },
      ],
    },
  }),
)
