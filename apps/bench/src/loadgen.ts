/**
 * Load generator, run in its own process: autocannon at a fixed number of connections, with a
 * request hook that gives each request the next token of the pool.
 */
import { readFile } from 'node:fs/promises'
import autocannon from 'autocannon'
import { MEASURING, sendMark, serveJob } from './processes.js'
import { SampleBuffer, summarizeLatencies } from './stats.js'

export interface LoadJob {
  /** `http://127.0.0.1:port`. */
  origin: string
  method: 'GET' | 'POST'
  path: string
  body?: string
  /** File with one token a line, used in turn; or `token` for every request. */
  tokensFile?: string
  token?: string
  connections: number
  warmupSeconds: number
  durationSeconds: number
}

export interface RunFigures {
  /** Successful (2xx) responses in the measured period. */
  requests: number
  /** Length of the measured period, in seconds. */
  seconds: number
  requestsPerSecond: number
  /** Latency of successful responses, in milliseconds. */
  p50: number
  p99: number
  /** Responses other than 2xx, plus connection errors and timeouts. */
  failures: number
  /** Count of responses by status code, for diagnosing failures. */
  statusCounts: Record<string, number>
  /** True when the run used more tokens than the pool has, so some tokens were sent twice. */
  tokensWrapped: boolean
  /** Responses and errors in the measured period, failures included. */
  responses: number
}

class TokenRotation {
  readonly #tokens: string[]
  #next = 0
  wrapped = false

  constructor(tokens: string[]) {
    this.#tokens = tokens
  }

  take(): string {
    if (this.#next === this.#tokens.length) {
      this.#next = 0
      this.wrapped = true
    }
    const token = this.#tokens[this.#next] ?? ''
    this.#next += 1
    return token
  }
}

async function generateLoad(job: LoadJob): Promise<RunFigures> {
  const tokens = job.tokensFile
    ? (await readFile(job.tokensFile, 'utf8')).split('\n')
    : [job.token ?? '']
  const rotation = new TokenRotation(tokens)

  if (job.warmupSeconds > 0) {
    await attack(job, rotation, job.warmupSeconds)
  }
  sendMark(MEASURING)
  const measured = await attack(job, rotation, job.durationSeconds)
  const latency = summarizeLatencies(measured.latencies.values())

  return {
    requests: measured.latencies.length,
    seconds: measured.seconds,
    requestsPerSecond: measured.latencies.length / measured.seconds,
    p50: latency.p50,
    p99: latency.p99,
    failures: measured.failures,
    statusCounts: measured.statusCounts,
    tokensWrapped: job.tokensFile !== undefined && rotation.wrapped,
    responses: measured.latencies.length + measured.failures,
  }
}

interface Attack {
  latencies: SampleBuffer
  seconds: number
  failures: number
  statusCounts: Record<string, number>
}

function attack(job: LoadJob, rotation: TokenRotation, seconds: number): Promise<Attack> {
  const latencies = new SampleBuffer()
  const statusCounts: Record<string, number> = {}
  let failures = 0

  return new Promise((resolve, reject) => {
    const startedAt = performance.now()
    const instance = autocannon(
      {
        url: job.origin,
        connections: job.connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            method: job.method,
            path: job.path,
            headers: job.body === undefined ? {} : { 'content-type': 'application/json' },
            ...(job.body === undefined ? {} : { body: job.body }),
            setupRequest(request) {
              request.headers = { ...request.headers, authorization: `Bearer ${rotation.take()}` }
              return request
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error)
          return
        }
        // autocannon counts timeouts among the connection errors.
        resolve({
          latencies,
          seconds: (performance.now() - startedAt) / 1000,
          failures: failures + result.errors,
          statusCounts,
        })
      },
    )

    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1
      if (statusCode >= 200 && statusCode < 300) {
        latencies.push(responseTime)
      } else {
        failures += 1
      }
    })
  })
}

serveJob(generateLoad)
