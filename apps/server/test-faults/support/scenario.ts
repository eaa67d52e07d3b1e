/** Helpers most scenarios share: the server environment, the database checks and the envelope. */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { expect, inject } from 'vitest'
import type { HttpOutcome, HttpResponse } from './http.js'
import { AUDIENCE, type FaultIssuer } from './issuer.js'
import { type ClusterAddress, PostgresCluster } from './postgres-cluster.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster the global setup started, shared by the scenarios that do not stop it. */
    sharedCluster: ClusterAddress
    /** Folder where each scenario writes its figures for the closing table. */
    reportDir: string
  }
}

/** Creates an empty database for one scenario in the shared cluster and returns its URL. */
export async function createScenarioDatabase(label: string): Promise<string> {
  const address = inject('sharedCluster')
  const name = `faults_${label}_${randomUUID().slice(0, 8)}`.replace(/[^a-z0-9_]/g, '_')
  const admin = postgres(
    `postgres://postgres:${address.password}@127.0.0.1:${address.port}/postgres`,
    { max: 1, onnotice: () => {} },
  )
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`)
  } finally {
    await admin.end({ timeout: 5 })
  }
  return `postgres://postgres:${address.password}@127.0.0.1:${address.port}/${name}`
}

export { PostgresCluster }

/** Builds the server's environment: production mode, with Auth0 settings pointing at `issuer`. */
export function serverEnvironment(
  issuer: FaultIssuer,
  databaseUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    AUTH0_DOMAIN: 'cail-faults.eu.auth0.com',
    AUTH0_AUDIENCE: AUDIENCE,
    AUTH0_ISSUER_URL: issuer.issuer,
    AUTH0_JWKS_URI: issuer.jwksUri,
    ...overrides,
  }
}

export interface OrganizationRow {
  id: string
  auth0OrganizationId: string
  name: string
  createdBy: string
}

/** Reads every organisation row of the database at `url`. */
export async function readRows(url: string): Promise<OrganizationRow[]> {
  const client = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return await client<OrganizationRow[]>`
      select id, auth0_organization_id as "auth0OrganizationId", name, created_by as "createdBy"
      from organizations`
  } finally {
    await client.end({ timeout: 5 })
  }
}

/**
 * Compares the 200 responses with the rows: every 200's id must have a row (else it is a lost
 * write). Returns the number of lost writes.
 */
export function countLostWrites(
  successes: readonly HttpResponse[],
  rows: readonly OrganizationRow[],
): number {
  const ids = new Set(rows.map((row) => row.id))
  return successes.filter((response) => !ids.has(response.body?.id)).length
}

export function responses(outcomes: readonly HttpOutcome[]): HttpResponse[] {
  return outcomes.filter((outcome): outcome is HttpResponse => outcome.kind === 'response')
}

export function withStatus(outcomes: readonly HttpOutcome[], status: number): HttpResponse[] {
  return responses(outcomes).filter((response) => response.status === status)
}

/** Expects the REST error envelope with `status` and `code`, and the matching X-Request-Id. */
export function expectEnvelope(outcome: HttpOutcome, status: number, code?: string): void {
  expect(outcome.kind, `response to ${outcome.requestId}`).toBe('response')
  const response = outcome as HttpResponse
  expect(response.status, response.text.slice(0, 300)).toBe(status)
  expect(response.headers['content-type']).toMatch(/^application\/json/)
  expect(response.body?.statusCode).toBe(status)
  expect(typeof response.body?.error).toBe('string')
  expect(response.body?.message).toBeTruthy()
  if (code !== undefined) {
    expect(response.body?.code).toBe(code)
  } else {
    expect(typeof response.body?.code).toBe('string')
  }
  expect(response.body?.meta?.requestId).toBe(response.headers['x-request-id'])
  expect(typeof response.body?.meta?.timestamp).toBe('string')
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(
  description: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) {
      return
    }
    await sleep(100)
  }
  throw new Error(`${description}: not true within ${timeoutMs} ms`)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
