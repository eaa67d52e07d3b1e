/**
 * Runs BENCH_WORKERS copies of the real server behind one port with node:cluster, whose primary
 * hands each new connection to the next worker in turn. On one machine it does the job of a
 * load balancer in front of several stateless processes.
 */
import cluster, { type Worker } from 'node:cluster'
import { writeFile } from 'node:fs/promises'

const workerCount = Number(process.env.BENCH_WORKERS)
const serverScript = process.env.BENCH_SERVER_SCRIPT
const workersFile = process.env.BENCH_WORKERS_FILE
if (!Number.isInteger(workerCount) || workerCount < 1 || !serverScript || !workersFile) {
  throw new Error('BENCH_WORKERS, BENCH_SERVER_SCRIPT and BENCH_WORKERS_FILE are required')
}

cluster.schedulingPolicy = cluster.SCHED_RR
cluster.setupPrimary({ exec: serverScript })

const workers: Worker[] = []
let listening = 0
let stopping = false

for (let index = 0; index < workerCount; index += 1) {
  const worker = cluster.fork()
  workers.push(worker)
  worker.once('listening', () => {
    listening += 1
    if (listening === workerCount) {
      const pids = workers.map((each) => each.process.pid)
      void writeFile(workersFile, JSON.stringify(pids))
    }
  })
  worker.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`worker ${worker.process.pid} exited (${code ?? signal}); stopping\n`)
      stop(1)
    }
  })
}

function stop(exitCode: number): void {
  stopping = true
  const running = workers.filter((worker) => !worker.isDead())
  if (running.length === 0) {
    process.exit(exitCode)
  }
  let remaining = running.length
  for (const worker of running) {
    worker.once('exit', () => {
      remaining -= 1
      if (remaining === 0) {
        process.exit(exitCode)
      }
    })
    worker.process.kill('SIGTERM')
  }
}

process.once('SIGTERM', () => stop(0))
process.once('SIGINT', () => stop(0))
