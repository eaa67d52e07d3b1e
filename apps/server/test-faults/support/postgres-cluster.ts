/**
 * A private PostgreSQL cluster in a temporary folder, on its own loopback port, that a scenario
 * may stop, pause and start again. The shared server on port 5432 is never touched.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'

/** Connection settings of a cluster, as passed from the global setup to the test files. */
export interface ClusterAddress {
  port: number
  /** Password placed in every URL; trust authentication never sends it, and no log may show it. */
  password: string
}

export function databaseUrl(address: ClusterAddress, database: string): string {
  return `postgres://postgres:${address.password}@127.0.0.1:${address.port}/${database}`
}

export class PostgresCluster {
  readonly port: number
  readonly password: string
  readonly #folder: string
  readonly #binDir: string
  readonly #owner: { uid: number; gid: number } | undefined

  private constructor(
    folder: string,
    binDir: string,
    port: number,
    owner: { uid: number; gid: number } | undefined,
  ) {
    this.#folder = folder
    this.#binDir = binDir
    this.port = port
    this.#owner = owner
    this.password = `pw-${Math.random().toString(36).slice(2)}-never-logged`
  }

  /** Creates the cluster with initdb (trust authentication) and starts it. */
  static async create(): Promise<PostgresCluster> {
    const binDir = findPostgresBinDir()
    const folder = await mkdtemp(join(tmpdir(), 'cail-faults-pg-'))
    // initdb refuses to run as root, so the cluster belongs to the postgres system user then.
    const owner = process.getuid?.() === 0 ? systemUser('postgres') : undefined
    if (owner) {
      await chown(folder, owner.uid, owner.gid)
    }

    const cluster = new PostgresCluster(folder, binDir, await freePort(), owner)
    await cluster.#run('initdb', [
      '--pgdata',
      cluster.#dataDir,
      '--username',
      'postgres',
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      '--no-sync',
    ])
    await cluster.start()
    return cluster
  }

  get address(): ClusterAddress {
    return { port: this.port, password: this.password }
  }

  get #dataDir(): string {
    return join(this.#folder, 'data')
  }

  async start(): Promise<void> {
    const serverOptions = [
      `-p ${this.port}`,
      `-k ${this.#folder}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c max_connections=200',
    ].join(' ')
    await this.#run('pg_ctl', [
      '--pgdata',
      this.#dataDir,
      '--log',
      join(this.#folder, 'postgres.log'),
      '--wait',
      '--timeout',
      '60',
      '-o',
      serverOptions,
      'start',
    ])
  }

  /** Fast shutdown: open transactions are rolled back and every connection is closed. */
  async stop(): Promise<void> {
    await this.#run('pg_ctl', ['--pgdata', this.#dataDir, '--mode', 'fast', '--wait', 'stop'])
  }

  /** Freezes the postmaster and every backend (SIGSTOP): connections stay open, nothing responds. */
  async pause(): Promise<void> {
    for (const pid of await this.#processIds()) {
      process.kill(pid, 'SIGSTOP')
    }
  }

  async resume(): Promise<void> {
    for (const pid of (await this.#processIds()).reverse()) {
      process.kill(pid, 'SIGCONT')
    }
  }

  async createDatabase(name: string): Promise<string> {
    const admin = postgres(databaseUrl(this.address, 'postgres'), { max: 1, onnotice: () => {} })
    try {
      await admin.unsafe(`CREATE DATABASE "${name}"`)
    } finally {
      await admin.end({ timeout: 5 })
    }
    return databaseUrl(this.address, name)
  }

  /** Stops the cluster at once and deletes its folder. */
  async destroy(): Promise<void> {
    await this.resume().catch(() => {})
    await this.#run('pg_ctl', ['--pgdata', this.#dataDir, '--mode', 'immediate', 'stop']).catch(
      () => {},
    )
    await rm(this.#folder, { recursive: true, force: true })
  }

  async #processIds(): Promise<number[]> {
    const pidFile = await readFile(join(this.#dataDir, 'postmaster.pid'), 'utf8')
    const postmaster = Number(pidFile.split('\n')[0])
    return [postmaster, ...(await childProcessIds(postmaster))]
  }

  #run(program: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(this.#binDir, program), args, {
        cwd: this.#folder,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(this.#owner ?? {}),
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      child.on('error', reject)
      child.on('exit', (code) => {
        if (code === 0) {
          resolve()
        } else {
          reject(new Error(`${program} ${args.join(' ')} exited with ${code}:\n${output}`))
        }
      })
    })
  }
}

/** The newest PostgreSQL server binaries installed by Debian's postgresql package. */
function findPostgresBinDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root).filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    : []
  const newest = versions.sort((left, right) => Number(right) - Number(left))[0]
  if (!newest) {
    throw new Error(
      `no PostgreSQL server binaries under ${root}; install them with apt-get install postgresql`,
    )
  }
  return join(root, newest, 'bin')
}

function systemUser(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') {
    throw new Error('could not reserve a loopback port')
  }
  return address.port
}

async function childProcessIds(parent: number): Promise<number[]> {
  const children: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue
    }
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // Fields after the parenthesised command name: state, ppid, …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[1]) === parent) {
      children.push(Number(entry))
    }
  }
  return children
}
