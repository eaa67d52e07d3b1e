/**
 * Exclusive use of an embedded database folder. PGlite has no lock of its own, and two
 * processes writing one folder lose each other's commits, so the second process must not open it.
 */
import { open, readFile, unlink } from 'node:fs/promises'

/** Raised when another running process has the folder locked. */
export class DataDirInUseError extends Error {
  readonly ownerPid: number

  constructor(dataDir: string, ownerPid: number) {
    super(
      `the embedded database at ${dataDir} is in use by process ${ownerPid}; stop that server, set DATA_DIR to another folder, or set DATABASE_URL so that several processes share PostgreSQL`,
    )
    this.name = 'DataDirInUseError'
    this.ownerPid = ownerPid
  }
}

/**
 * Creates `<dataDir>.lock` holding this process id and returns a function that removes it.
 * A lock left by a process that no longer runs is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = `${dataDir}.lock`

  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx', 0o600)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      return async () => {
        await unlink(lockPath).catch(() => {})
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error
      }
    }

    const ownerPid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10)
    // NOTE: a reused pid of an unrelated live process also blocks; deleting the lock file fixes it.
    if (Number.isInteger(ownerPid) && ownerPid > 0 && isRunning(ownerPid)) {
      throw new DataDirInUseError(dataDir, ownerPid)
    }
    await unlink(lockPath).catch(() => {})
  }
  throw new Error(`could not lock ${dataDir}; delete ${lockPath} if no server uses that folder`)
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
