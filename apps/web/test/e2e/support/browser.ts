/** Launches Debian's Chromium through playwright-core; Playwright's own browser downloads are not used. */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

// Without the background-networking flags Chromium keeps trying to reach Google's services,
// which a machine without internet access refuses over and over.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Returns why browser tests cannot run here, or undefined when they can. Under CI=true a
 * missing Chromium throws instead, so CI never skips these tests.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) {
    return undefined
  }
  const reason = `Chromium not found at ${CHROMIUM_PATH}; install Debian's chromium package or set CHROMIUM_PATH`
  if (process.env.CI === 'true') {
    throw new Error(`${reason} (required when CI=true)`)
  }
  return reason
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  })
}
