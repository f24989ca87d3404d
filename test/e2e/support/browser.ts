/**
 * Launching the system Chromium with playwright-core (no browser download): $TESSERA_CHROMIUM,
 * $CHROME_PATH, or the usual install paths.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

export function chromiumPath(): string | null {
  const fromEnv = process.env.TESSERA_CHROMIUM ?? process.env.CHROME_PATH
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  return CANDIDATES.find((candidate) => existsSync(candidate)) ?? null
}

/** The flags these machines need: no sandbox as root, software GL, no background traffic. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error('No Chromium found: install it (apt-get install -y chromium) or set TESSERA_CHROMIUM.')
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS })
}

export const SCREENS_DIR = resolve('artifacts', 'screens')

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENS_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENS_DIR, `${name}.png`) })
}

/** A desktop-sized page whose errors are collected (assert `errors` is empty at the end). */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  return { page, errors: collectPageErrors(page) }
}

/** Collects page errors so a test can assert the UI logged none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = []
  // The stack's first frames say where it was thrown (the build keeps function names readable enough).
  page.on('pageerror', (error) => errors.push([error.message, ...(error.stack ?? '').split('\n').slice(1, 6)].join('\n')))
  page.on('console', (message) => {
    if (message.type() === 'error' && !/favicon/.test(message.text())) errors.push(message.text())
  })
  return errors
}
