/** Describes the machine and the code under test, for the record next to the figures. */
import { execFile } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'
import { promisify } from 'node:util'
import postgres from 'postgres'

const run = promisify(execFile)

export interface MachineDescription {
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  postgres: string
  /** 1, 5 and 15 minute load averages. */
  loadBefore: [number, number, number]
}

export async function describeMachine(adminUrl: string): Promise<MachineDescription> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql<{ server_version: string }[]>`show server_version`
    return {
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: row?.server_version ?? 'unknown',
      loadBefore: readLoad(),
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

export function readLoad(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg()
  return [one, five, fifteen]
}

export function formatLoad(load: readonly number[]): string {
  return load.map((value) => value.toFixed(2)).join(' / ')
}

/** Short commit of the working tree, with `+changes` when it has uncommitted edits. */
export async function describeCommit(cwd: string): Promise<string> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd })
    const { stdout: status } = await run(
      'git',
      ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!docs'],
      { cwd },
    )
    return `${commit.trim()}${status.trim() ? ' +changes' : ''}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}
