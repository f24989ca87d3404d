/**
 * The grid with 10,000 images stays virtual: only the rows on screen exist in the DOM, and the
 * last image is reachable by scrolling. (Rows are inserted directly; their thumbnails do not exist,
 * which the grid shows as empty cells.)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type AppHarness } from './support/app-harness'
import { launchChromium, screenshot } from './support/browser'

const IMAGE_COUNT = 10_000
let app: AppHarness
let browser: Browser
let folder: string

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tessera-e2e-large-'))
  app = await startApp()
  await app.backend.call('projects:create', { name: 'Ten thousand', imageRoot: folder })
  const session = app.backend.currentProject!
  await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
  const now = new Date().toISOString()
  session.db.transaction(() => {
    for (let index = 0; index < IMAGE_COUNT; index++) {
      session.images.insert(
        {
          contentHash: index.toString(16).padStart(64, '0'),
          relPath: `image-${String(index).padStart(5, '0')}.jpg`,
          fileSize: 1,
          fileMtimeMs: 1,
          width: 1500,
          height: 1000,
          orientation: 1,
          annotationWidth: 1500,
          annotationHeight: 1000,
        },
        now,
      )
    }
  })()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await rm(folder, { recursive: true, force: true })
})

describe('a 10,000-image project', () => {
  it('keeps the DOM small and reaches the last image', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(app.shell.url)
    await expect.poll(() => page.getByTestId('image-total').innerText(), { timeout: 30_000 }).toBe('10,000')
    const cellsAtTop = await page.getByTestId('grid-cell').count()
    expect(cellsAtTop).toBeGreaterThan(0)
    expect(cellsAtTop).toBeLessThan(150)
    await page.getByTestId('image-grid').evaluate((element) => element.scrollTo(0, element.scrollHeight))
    await expect.poll(() => page.locator('[data-testid=grid-cell][title="image-09999.jpg"]').count(), { timeout: 30_000 }).toBe(1)
    expect(await page.getByTestId('grid-cell').count()).toBeLessThan(150)
    await screenshot(page, '07-grid-10k-end')
  })
})
