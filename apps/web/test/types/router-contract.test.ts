/**
 * Type-checks the page's sources against stand-ins for @cail/api: the router's types as they
 * are, and the same types with the organisation output's `name` renamed. The first must compile
 * and the second must not, which shows that a change to a procedure's output breaks this build.
 */
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

interface TscResult {
  exitCode: number
  output: string
}

function typecheck(variant: 'unchanged' | 'changed'): Promise<TscResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', `${fixtures}tsconfig.${variant}.json`, '--pretty', 'false'],
      { timeout: 120_000 },
      (error, stdout, stderr) => {
        let exitCode = 0
        if (error) {
          exitCode = typeof error.code === 'number' ? error.code : 1
        }
        resolve({ exitCode, output: `${stdout}${stderr}` })
      },
    )
  })
}

describe('router contract', () => {
  it('page compiles against the router types', async () => {
    const result = await typecheck('unchanged')

    expect(result.output).toBe('')
    expect(result.exitCode).toBe(0)
  })

  it('renamed output field breaks the page', async () => {
    const result = await typecheck('changed')

    expect(result.exitCode).not.toBe(0)
    expect(result.output).toMatch(
      /src\/organizations\/OrganizationDetails\.tsx\(\d+,\d+\): error TS2339: Property 'name' does not exist/,
    )
  })
})
