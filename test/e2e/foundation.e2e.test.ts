/**
 * Foundation flow through the web shell in Chromium: create a project from a folder of 50 images
 * and 3 corrupt files, see 50 thumbnails and 3 reported errors, open an image, zoom, go to the
 * next one; move and rename two files, rescan, and find the images' identity kept.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'
import { addCorruptFiles, makeImageFolder } from './support/image-folder'

let app: AppHarness
let browser: Browser
let page: Page
let folder: string
let pageErrors: string[]

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tessera-e2e-images-'))
  await makeImageFolder(folder, 50)
  await addCorruptFiles(folder)
  app = await startApp()
  browser = await launchChromium()
  ;({ page, errors: pageErrors } = await openPage(browser))
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await rm(folder, { recursive: true, force: true })
})

/** Waits for the folder's import or rescan (proposals the app starts ahead for opened images may go on). */
const importJobs = async () => (await app.backend.call('jobs:list', {})).filter((job) => job.kind === 'import').length

/** Clicks Rescan and waits for that rescan to finish (not just for a moment with no import queued: the click's job may not exist yet). */
async function rescanAndWait(): Promise<void> {
  const before = await importJobs()
  await page.getByTestId('rescan').click()
  await expect.poll(importJobs).toBeGreaterThan(before)
  await waitForImportIdle()
}

async function waitForImportIdle(): Promise<void> {
  await expect
    .poll(
      async () =>
        (await app.backend.call('jobs:list', {})).filter(
          (job) => job.kind === 'import' && (job.state === 'running' || job.state === 'queued'),
        ).length,
      { timeout: 60_000 },
    )
    .toBe(0)
}

/** Opens an image from the grid; when its cell is not drawn, says what the grid holds instead. */
async function openFromGrid(name: string): Promise<void> {
  const cell = page.locator(`[data-testid=grid-cell][title="${name}"]`)
  try {
    await cell.waitFor({ timeout: 15_000 })
  } catch {
    const drawn = await page.getByTestId('grid-cell').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('title')))
    const scroll = await page.getByTestId('image-grid').evaluate((grid) => [grid.scrollTop, grid.clientHeight, grid.scrollHeight])
    throw new Error(`${name} is not drawn in the grid; drawn: ${JSON.stringify(drawn)}; scroll top/height/content ${scroll.join('/')}`)
  }
  await cell.click()
}

describe('a project from a folder', () => {
  it('shows the home screen with its actions', async () => {
    await page.goto(app.shell.url)
    await page.getByTestId('new-project').waitFor()
    await screenshot(page, '01-home')
    // The token left the address bar once read.
    expect(page.url()).not.toContain('token=')
  })

  it('creates the project through the folder chooser and imports 50 images, reporting 3 bad files', async () => {
    await page.getByTestId('new-project').click()
    const pathInput = page.getByLabel('Folder path')
    await expect.poll(() => pathInput.inputValue()).not.toBe('') // the first folder has loaded
    await pathInput.fill(folder)
    await pathInput.press('Enter')
    await expect.poll(() => page.locator('.dialog').innerText()).toContain('images directly in this folder')
    await screenshot(page, '02-folder-chooser')
    await page.getByTestId('pick-folder').click()
    await page.getByTestId('project-name-input').fill('Field survey 2026')
    await page.getByTestId('create-project').click()
    await waitForImportIdle()
    await expect.poll(() => page.getByTestId('image-total').innerText(), { timeout: 30_000 }).toBe('50')
    await expect.poll(() => page.getByTestId('import-issue').count()).toBe(3)
    const issues = await page.getByTestId('import-issues').innerText()
    expect(issues).toContain('broken-truncated.jpg')
    expect(issues).toContain('broken-empty.png')
    expect(issues).toContain('broken-text.webp')
    expect(issues).toMatch(/empty/)
    expect(issues).toMatch(/cut off|truncated/)
  })

  it('shows a thumbnail for every one of the 50 images', async () => {
    // The grid is virtualised: scroll through it and collect every cell that loaded its thumbnail.
    const seen = new Set<string>()
    const grid = page.getByTestId('image-grid')
    for (let step = 0; step < 30; step++) {
      // Collect once the rows drawn cover the visible part of the grid (after a scroll the virtualiser
      // draws the new rows a frame later) and every thumbnail drawn has loaded or failed.
      await expect
        .poll(() =>
          page.evaluate(() => {
            const scroller = document.querySelector('[data-testid=image-grid]')!
            const cells = [...scroller.querySelectorAll('[data-testid=grid-cell]')]
            const lastBottom = Math.max(...cells.map((cell) => cell.getBoundingClientRect().bottom))
            const covered = lastBottom + 16 >= scroller.getBoundingClientRect().bottom // a row gap of slack
            const images = cells.map((cell) => cell.querySelector('img'))
            return covered && images.every((img) => img !== null && img.complete)
          }),
        )
        .toBe(true)
      const loaded = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid=grid-cell] img')]
          .filter((img) => (img as HTMLImageElement).naturalWidth > 0)
          .map((img) => (img as HTMLImageElement).alt),
      )
      loaded.forEach((name) => seen.add(name))
      if (step === 0) await screenshot(page, '03-grid')
      const atEnd = await grid.evaluate((element) => element.scrollTop + element.clientHeight >= element.scrollHeight - 2)
      if (atEnd) break
      await grid.evaluate((element) => element.scrollBy(0, element.clientHeight * 0.8))
    }
    expect(seen.size).toBe(50)
    await page.getByTestId('image-grid').evaluate((element) => element.scrollTo(0, 0))
  })

  it('opens an image, zooms at the cursor and goes to the next image with the keyboard', async () => {
    await openFromGrid('img-000.jpg')
    await expect.poll(() => page.getByTestId('image-title').innerText()).toBe('img-000.jpg')
    const canvas = page.getByTestId('image-canvas')
    await canvas.locator('canvas').waitFor()
    await expect.poll(() => canvas.getAttribute('class')).not.toContain('loading')
    await expect.poll(() => page.getByTestId('zoom-level').innerText()).toMatch(/^\d+%$/)
    const fitted = await page.getByTestId('zoom-level').innerText()
    const box = (await canvas.boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.wheel(0, -400)
    await expect.poll(() => page.getByTestId('zoom-level').innerText()).not.toBe(fitted)
    const zoomed = parseInt(await page.getByTestId('zoom-level').innerText(), 10)
    expect(zoomed).toBeGreaterThan(parseInt(fitted, 10))
    await screenshot(page, '04-image-view')
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => page.getByTestId('image-title').innerText()).toBe('img-001.jpg')
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => page.getByTestId('image-title').innerText()).toBe('img-000.jpg')
    await page.getByTestId('status-done').click()
    // No masks yet: the whole image is uncovered, so "done" asks for a reason (the coverage gate).
    await page.getByTestId('done-reason').fill('Nothing to annotate in this picture')
    await page.getByTestId('confirm-done').click()
    await expect.poll(async () => (await app.backend.call('images:list', { offset: 0, limit: 1 })).items[0]?.status).toBe('done')
  })

  it('filters the grid by status', async () => {
    await page.keyboard.press('Escape')
    await page.getByTestId('filter-done').click()
    await expect.poll(() => page.getByTestId('grid-cell').count()).toBe(1)
    expect(await page.getByTestId('grid-cell').getAttribute('title')).toBe('img-000.jpg')
    await page.getByTestId('filter-todo').click()
    await expect.poll(() => page.locator('[data-testid=grid-cell][title="img-000.jpg"]').count()).toBe(0)
    await page.getByTestId('filter-all').click()
    await expect.poll(() => page.locator('[data-testid=grid-cell][title="img-000.jpg"]').count()).toBe(1)
  })

  it('leaves the next image at once, before it has loaded, without errors', async () => {
    // Done opens the next unfinished image. Esc straight after it once took the person back to that image
    // when the answer came late, or left a destroyed canvas to draw it on.
    for (const name of ['img-004.jpg', 'img-005.jpg', 'img-006.jpg']) {
      await openFromGrid(name)
      await expect.poll(() => page.getByTestId('image-title').innerText()).toBe(name)
      await page.getByTestId('status-done').click()
      await page.getByTestId('done-reason').fill('Nothing to annotate in this picture')
      await page.getByTestId('confirm-done').click()
      await page.keyboard.press('Escape') // before the next image has opened, or while it loads
      await page.getByTestId('rescan').waitFor()
    }
    await page.waitForTimeout(500) // late answers land
    expect(pageErrors, pageErrors.join('\n')).toEqual([])
    // Only the three images marked done are done; the next images opened (and left) are not.
    const statuses = (await app.backend.call('images:list', { offset: 0, limit: 100 })).items
      .filter((image) => /^img-00[4-8]/.test(image.relPath))
      .map((image) => [image.relPath, image.status])
    expect(statuses).toEqual([
      ['img-004.jpg', 'done'],
      ['img-005.jpg', 'done'],
      ['img-006.jpg', 'done'],
      ['img-007.png', 'todo'],
      ['img-008.jpg', 'todo'],
    ])
  })

  it('keeps the identity of moved and renamed files on rescan', async () => {
    const before = await app.backend.call('images:list', { offset: 0, limit: 100 })
    const a = before.items.find((image) => image.relPath === 'img-001.jpg')!
    const b = before.items.find((image) => image.relPath === 'img-002.jpg')!
    await mkdir(join(folder, 'moved'), { recursive: true })
    await rename(join(folder, 'img-001.jpg'), join(folder, 'moved', 'renamed-001.jpg'))
    await rename(join(folder, 'img-002.jpg'), join(folder, 'img-002-renamed.jpg'))
    await rescanAndWait()
    const after = await app.backend.call('images:list', { offset: 0, limit: 100 })
    expect(after.total).toBe(50)
    const movedA = after.items.find((image) => image.contentHash === a.contentHash)!
    const movedB = after.items.find((image) => image.contentHash === b.contentHash)!
    expect(movedA).toMatchObject({ id: a.id, relPath: 'moved/renamed-001.jpg', missing: false })
    expect(movedB).toMatchObject({ id: b.id, relPath: 'img-002-renamed.jpg', missing: false })
    await expect.poll(() => page.locator('[data-testid=grid-cell] img[alt="img-002-renamed.jpg"]').count()).toBe(1)
    await screenshot(page, '05-grid-after-rescan')
    // The proposals started ahead for the images opened pile up: the bar shows two, the rest behind "+N jobs".
    const jobs = await page.locator('[data-testid=job]').count()
    expect(jobs).toBeGreaterThan(2)
    await expect.poll(() => page.locator('.topbar .jobs > [data-testid=job]').count()).toBe(2)
    await page.getByTestId('more-jobs').locator('summary').click()
    await expect.poll(() => page.getByTestId('more-jobs').locator('[data-testid=job]:visible').count()).toBeGreaterThan(0)
    await screenshot(page, '05b-more-jobs')
    await page.getByTestId('more-jobs').locator('summary').click()
    expect(pageErrors, pageErrors.join('\n')).toEqual([])
  })
})
