import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DataDirInUseError, openDatabase } from '../src/index.js'

let folder: string

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cail-lock-'))
})

afterEach(async () => {
  await rm(folder, { recursive: true, force: true })
})

describe('embedded database folder lock', () => {
  it('rejects a second open of one folder', async () => {
    const dataDir = join(folder, 'pglite')
    const first = await openDatabase({ kind: 'pglite', dataDir })

    try {
      const second = openDatabase({ kind: 'pglite', dataDir })
      await expect(second).rejects.toBeInstanceOf(DataDirInUseError)
      await expect(second).rejects.toThrow(`in use by process ${process.pid}`)
    } finally {
      await first.close()
    }
  })

  it('releases the folder on close', async () => {
    const dataDir = join(folder, 'pglite')
    const first = await openDatabase({ kind: 'pglite', dataDir })
    await first.close()

    const second = await openDatabase({ kind: 'pglite', dataDir })

    expect(await readFile(`${dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n`)
    await second.close()
  })

  it('takes over a lock of a dead process', async () => {
    const dataDir = join(folder, 'pglite')
    const exited = spawn(process.execPath, ['-e', ''])
    const deadPid = exited.pid
    await new Promise((resolve) => exited.on('exit', resolve))
    await writeFile(`${dataDir}.lock`, `${deadPid}\n`)

    const database = await openDatabase({ kind: 'pglite', dataDir })

    expect(await readFile(`${dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n`)
    await database.close()
  })
})
