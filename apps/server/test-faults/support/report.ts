/** Per-scenario figures, written by each test file and printed as one table at the end. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HttpOutcome } from './http.js'

export interface ScenarioFigures {
  scenario: string
  requestsSent: number
  /** Count per HTTP status, plus one entry per client-side failure code (such as ECONNREFUSED). */
  outcomes: Record<string, number>
  rowsExpected: number
  rowsFound: number
  /** Creates the client saw succeed that have no row; must be 0. */
  lostWrites: number
  /** Printed under the table, for figures that need a word of explanation. */
  note?: string
}

/** Counts outcomes by status, or by failure code for requests that got no response. */
export function countOutcomes(outcomes: readonly HttpOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) {
    const key = outcome.kind === 'response' ? String(outcome.status) : outcome.code
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

export function mergeCounts(...parts: Record<string, number>[]): Record<string, number> {
  const merged: Record<string, number> = {}
  for (const part of parts) {
    for (const [key, count] of Object.entries(part)) {
      merged[key] = (merged[key] ?? 0) + count
    }
  }
  return merged
}

export function recordFigures(reportDir: string, figures: ScenarioFigures): void {
  mkdirSync(reportDir, { recursive: true })
  const file = `${figures.scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`
  writeFileSync(join(reportDir, file), JSON.stringify({ ...figures, recordedAt: Date.now() }))
}

/** Reads every recorded scenario, in the order they were recorded, and renders a table. */
export function renderTable(reportDir: string): string {
  const rows = readdirSync(reportDir)
    .filter((file) => file.endsWith('.json'))
    .map(
      (file) =>
        JSON.parse(readFileSync(join(reportDir, file), 'utf8')) as ScenarioFigures & {
          recordedAt: number
        },
    )
    .sort((left, right) => left.recordedAt - right.recordedAt)

  const header = [
    'scenario',
    'requests',
    'responses by status',
    'rows expected',
    'rows found',
    'lost writes',
  ]
  const cells = rows.map((row) => [
    row.scenario,
    String(row.requestsSent),
    Object.entries(row.outcomes)
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([status, count]) => `${status}×${count}`)
      .join(' '),
    String(row.rowsExpected),
    String(row.rowsFound),
    String(row.lostWrites),
  ])
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => (cell[column] ?? '').length)),
  )
  const line = (values: string[]) =>
    values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')
  const notes = rows.filter((row) => row.note).map((row) => `${row.scenario}: ${row.note}`)
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...cells.map(line),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n')
}
