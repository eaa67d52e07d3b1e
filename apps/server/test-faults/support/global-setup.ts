/**
 * Starts the private PostgreSQL cluster the scenarios share, and prints the figures table when
 * the run ends. The cluster lives in a temporary folder and is deleted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { PostgresCluster } from './postgres-cluster.js'
import { renderTable } from './report.js'

export default async function setup(project: TestProject) {
  const reportDir = mkdtempSync(join(tmpdir(), 'cail-faults-report-'))
  const cluster = await PostgresCluster.create()
  project.provide('sharedCluster', cluster.address)
  project.provide('reportDir', reportDir)

  return async () => {
    try {
      process.stdout.write(`\nFault scenarios\n\n${renderTable(reportDir)}\n\n`)
    } finally {
      await cluster.destroy()
      rmSync(reportDir, { recursive: true, force: true })
    }
  }
}
