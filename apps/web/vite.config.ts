import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { reportGzipSize } from './build/gzip-size.ts'
import { guardServerModules } from './build/server-module-guard.ts'

// `pnpm dev` runs the API server on PORT (default 3000) next to this dev server.
const apiOrigin = `http://127.0.0.1:${process.env.PORT || 3000}`

export default defineConfig({
  plugins: [react(), guardServerModules(), reportGzipSize()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/trpc': apiOrigin,
      '/v1': apiOrigin,
      '/local-issuer': apiOrigin,
      '/.well-known': apiOrigin,
    },
  },
  build: {
    // Vite's own table lists gzip sizes too; reportGzipSize prints the totals that matter.
    reportCompressedSize: false,
  },
})
