import { existsSync } from 'node:fs'
import { databaseTargets, startTestIssuer, type TestIssuer } from '@cail/api/testing'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './support/server.js'

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const chromiumMissing = !existsSync(CHROMIUM_PATH)
if (chromiumMissing && process.env.CI === 'true') {
  throw new Error(
    `Chromium is required when CI=true but ${CHROMIUM_PATH} does not exist; install it with apt-get install -y chromium or set CHROMIUM_PATH`,
  )
}

// Flags for a headless run that starts no background traffic of its own (updates, sync, QUIC).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

const pglite = databaseTargets().find((target) => target.name === 'pglite')

describe.skipIf(chromiumMissing)('GET /docs in Chromium', () => {
  let issuer: TestIssuer
  let server: TestServer
  let browser: Browser

  beforeAll(async () => {
    if (!pglite) {
      throw new Error('the pglite database target is missing')
    }
    issuer = await startTestIssuer()
    server = await startTestServer({ target: pglite, issuer })
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await issuer?.stop()
  })

  it('renders the operation from loopback only', { timeout: 60_000 }, async () => {
    const context = await browser.newContext()
    const requested: string[] = []
    const blocked: string[] = []
    const pageErrors: string[] = []
    // The page's Content-Security-Policy stops most cross-origin loads before they reach the
    // network, so the browser reports those as console errors instead of requests.
    const consoleErrors: string[] = []

    // Every request of every page and worker in the context passes through this route.
    await context.route('**/*', async (route) => {
      const url = route.request().url()
      requested.push(url)
      const { protocol, hostname } = new URL(url)
      if (protocol === 'data:' || LOOPBACK_HOSTS.has(hostname)) {
        await route.continue()
      } else {
        blocked.push(url)
        await route.abort('blockedbyclient')
      }
    })

    try {
      const page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))
      page.on('console', (message) => {
        if (message.type() === 'error') {
          consoleErrors.push(message.text())
        }
      })

      const response = await page.goto(`${server.url}/docs`)
      expect(response?.status()).toBe(200)

      const operation = page.locator('.opblock-post').filter({ hasText: '/v1/organizations' })
      await operation.locator('.opblock-summary').waitFor({ timeout: 20_000 })
      await expect(page.title()).resolves.toBe('CAIL organisations API reference')
      expect(await operation.locator('.opblock-summary-description').textContent()).toBe(
        'Create an organisation',
      )

      await operation.locator('.opblock-summary').click()
      const parameters = operation.locator('.parameters')
      await parameters.waitFor({ timeout: 10_000 })
      expect(await parameters.textContent()).toContain('Idempotency-Key')
      expect(await parameters.textContent()).toContain('X-Request-Id')
      const statuses = await operation
        .locator('.responses-table tbody .response-col_status')
        .allTextContents()
      expect(statuses.map((status) => status.trim())).toEqual([
        '200',
        '400',
        '401',
        '403',
        '409',
        '413',
        '415',
        '500',
        '503',
      ])

      expect(blocked).toEqual([])
      expect(requested).toContain(`${server.url}/docs/json`)
      expect(pageErrors).toEqual([])
      expect(consoleErrors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
