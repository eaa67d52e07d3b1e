/** Vite plugin that prints the size of every JavaScript chunk, raw and gzipped, after a build. */
import { gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

interface ChunkSize {
  fileName: string
  bytes: number
  gzipBytes: number
  /** True for the entry chunk and the chunks it imports statically: what the first load fetches. */
  initial: boolean
}

export function reportGzipSize(): Plugin {
  let sizes: ChunkSize[] = []

  return {
    name: 'cail:report-gzip-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((output) => output.type === 'chunk')
      const initial = new Set<string>()
      const visit = (fileName: string) => {
        if (initial.has(fileName)) {
          return
        }
        initial.add(fileName)
        const chunk = chunks.find((candidate) => candidate.fileName === fileName)
        for (const imported of chunk?.imports ?? []) {
          visit(imported)
        }
      }
      for (const chunk of chunks.filter((candidate) => candidate.isEntry)) {
        visit(chunk.fileName)
      }

      sizes = chunks.map((chunk) => ({
        fileName: chunk.fileName,
        bytes: Buffer.byteLength(chunk.code),
        // Level 9 is what static servers and CDNs typically use for precompressed files.
        gzipBytes: gzipSync(chunk.code, { level: 9 }).length,
        initial: initial.has(chunk.fileName),
      }))
    },
    closeBundle() {
      if (sizes.length === 0) {
        return
      }
      const width = Math.max(...sizes.map((size) => size.fileName.length))
      const lines = sizes.map(
        (size) =>
          `  ${size.fileName.padEnd(width)}  ${kilobytes(size.bytes).padStart(9)}  ${kilobytes(size.gzipBytes).padStart(9)} gzipped  ${size.initial ? 'initial' : 'lazy'}`,
      )
      const initialGzip = sum(sizes.filter((size) => size.initial).map((size) => size.gzipBytes))
      const totalGzip = sum(sizes.map((size) => size.gzipBytes))
      process.stdout.write(
        [
          '',
          'JavaScript size (gzip level 9):',
          ...lines,
          `  first load: ${kilobytes(initialGzip)} gzipped; all chunks: ${kilobytes(totalGzip)} gzipped`,
          '',
        ].join('\n'),
      )
    },
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`
}
