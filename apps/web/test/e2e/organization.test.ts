/**
 * End-to-end: Debian's Chromium drives the built page served by the real server process, which
 * signs tokens with its local issuer and stores organisations in PGlite under a temporary DATA_DIR.
 */
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browserSkipReason, launchChromium } from './support/browser.js'
import { type ServerProcess, startServerProcess } from './support/server.js'

const SCREENSHOT_PATH = fileURLToPath(
  new URL('../../../../docs/screenshots/organisation-created.png', import.meta.url),
)

// Throws under CI=true when Chromium is missing, so the file fails instead of skipping.
const skipReason = browserSkipReason()
if (skipReason) {
  console.warn(`Skipping the browser tests: ${skipReason}`)
}

interface SignIn {
  orgId: string
  orgName: string
  jurisdictionId: string
}

describe.skipIf(skipReason)('web client in Chromium', () => {
  let server: ServerProcess
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    server = await startServerProcess()
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 720 } })
    page = await context.newPage()
  })

  afterEach(async () => {
    await context?.close()
  })

  async function signIn(details: SignIn): Promise<void> {
    await page.goto(server.url)
    await expectVisible(page.getByText("This page signs in against the server's local issuer"))
    await page.getByLabel('Auth0 organisation id').fill(details.orgId)
    await page.getByLabel('Organisation name').fill(details.orgName)
    await page.getByLabel('Jurisdiction').fill(details.jurisdictionId)
    await page.getByLabel('Permissions').fill('create:organizations')
    await page.getByRole('button', { name: 'Sign in with the local issuer' }).click()
    await expectVisible(page.getByRole('banner').getByText(details.orgId))
  }

  async function expectVisible(locator: ReturnType<Page['getByText']>): Promise<void> {
    await locator.waitFor({ state: 'visible', timeout: 15_000 })
  }

  async function detailValue(term: string): Promise<string> {
    const row = page.locator('.details-row', { has: page.locator('dt', { hasText: term }) })
    return ((await row.locator('dd').textContent()) ?? '').trim()
  }

  it('creates the organisation and shows it after reload', async () => {
    await signIn({
      orgId: 'org_e2e_lambeth',
      orgName: 'Lambeth Primary Care Network',
      jurisdictionId: 'jur_uk_eng',
    })
    await expectVisible(page.getByRole('heading', { name: 'Create your organisation' }))
    expect(await page.getByLabel('Organisation name').inputValue()).toBe(
      'Lambeth Primary Care Network',
    )
    expect(await page.getByLabel('Jurisdiction').inputValue()).toBe('jur_uk_eng')
    expect(await page.getByLabel('Organisation type').inputValue()).toBe('commissioner')

    // Hold the create request until the pending state has been seen.
    let releaseCreate: () => void = () => {}
    const createHeld = new Promise<void>((resolve) => {
      releaseCreate = resolve
    })
    await page.route('**/trpc/organizations.create', async (route) => {
      await createHeld
      await route.continue()
    })
    await page.getByRole('button', { name: 'Create organisation' }).click()
    const pendingButton = page.getByRole('button', { name: 'Creating…' })
    await expectVisible(pendingButton)
    expect(await pendingButton.getAttribute('aria-disabled')).toBe('true')
    releaseCreate()

    await expectVisible(page.getByText('Organisation created'))
    await expectVisible(page.getByRole('heading', { name: 'Lambeth Primary Care Network' }))
    expect(await detailValue('Type')).toBe('Commissioner')
    expect(await detailValue('Jurisdiction')).toBe('England')
    expect(await detailValue('Status')).toBe('Active')
    expect(await detailValue('Organisation id')).toMatch(/^[0-9a-f-]{36}$/)

    await mkdir(dirname(SCREENSHOT_PATH), { recursive: true })
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true, animations: 'disabled' })

    await page.reload()
    await expectVisible(page.getByRole('heading', { name: 'Lambeth Primary Care Network' }))
    expect(await page.getByText('Organisation created').count()).toBe(0)
    expect(await detailValue('Jurisdiction')).toBe('England')
    expect(await detailValue('Status')).toBe('Active')
  })

  it('keeps a second Auth0 organisation apart', async () => {
    await signIn({ orgId: 'org_e2e_fife', orgName: 'NHS Fife', jurisdictionId: 'jur_uk_sct' })
    await expectVisible(page.getByRole('heading', { name: 'Create your organisation' }))
    expect(await page.getByLabel('Jurisdiction').inputValue()).toBe('jur_uk_sct')

    await page.getByLabel('Organisation type').selectOption('health_board')
    await page.getByRole('button', { name: 'Create organisation' }).click()

    await expectVisible(page.getByRole('heading', { name: 'NHS Fife' }))
    expect(await detailValue('Type')).toBe('Health board')
    expect(await detailValue('Jurisdiction')).toBe('Scotland')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn({
      orgId: 'org_e2e_other',
      orgName: 'Cardiff and Vale',
      jurisdictionId: 'jur_uk_wls',
    })
    await expectVisible(page.getByRole('heading', { name: 'Create your organisation' }))
    expect(await page.getByLabel('Organisation name').inputValue()).toBe('Cardiff and Vale')
  })

  it('shows an over-long name next to its field', async () => {
    await signIn({ orgId: 'org_e2e_long', orgName: 'Long PCN', jurisdictionId: 'jur_uk_eng' })
    const nameInput = page.getByLabel('Organisation name')
    await nameInput.fill('x'.repeat(201))

    await page.getByRole('button', { name: 'Create organisation' }).click()

    const fieldError = page.locator('#organization-name-error')
    await expectVisible(fieldError)
    expect(await fieldError.textContent()).toContain(
      'name must be at most 200 characters (got 201)',
    )
    expect(await nameInput.getAttribute('aria-invalid')).toBe('true')
    expect(await nameInput.getAttribute('aria-describedby')).toContain('organization-name-error')
    expect(await nameInput.inputValue()).toBe('x'.repeat(201))
    const summary = page.getByRole('alert')
    await expectVisible(summary)
    expect(await summary.evaluate((element) => element === document.activeElement)).toBe(true)
  })

  it('shows the existing organisation on a duplicate create', async () => {
    await signIn({ orgId: 'org_e2e_dup', orgName: 'Duplicate PCN', jurisdictionId: 'jur_uk_wls' })
    await expectVisible(page.getByRole('heading', { name: 'Create your organisation' }))

    // Another tab or client creates the organisation first.
    const existing = await createThroughRest({
      orgId: 'org_e2e_dup',
      orgName: 'Cwm Taf Morgannwg',
      jurisdictionId: 'jur_uk_wls',
    })

    await page.getByRole('button', { name: 'Create organisation' }).click()

    await expectVisible(page.getByText('This organisation already exists'))
    await expectVisible(page.getByRole('heading', { name: 'Cwm Taf Morgannwg' }))
    expect(await detailValue('Organisation id')).toBe(existing.id)
    expect(await detailValue('Jurisdiction')).toBe('Wales')
  })

  async function createThroughRest(details: SignIn): Promise<{ id: string }> {
    const tokenResponse = await fetch(`${server.url}/local-issuer/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...details, permissions: ['create:organizations'] }),
    })
    expect(tokenResponse.status).toBe(200)
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string }

    const response = await fetch(`${server.url}/v1/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(response.status).toBe(200)
    return (await response.json()) as { id: string }
  }
})
