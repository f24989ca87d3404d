/**
 * The workspace's image rail through the web shell: open an image from the grid and find the rail
 * listing the folder (virtualised) with the open image highlighted; the highlight follows the
 * next-image key and stays in view; a click on a row opens it; marking an image done changes its
 * dot; the rail's status filter is the grid's; the rail collapses and expands with its key and its
 * buttons (the canvas takes the room, the image stays fitted), and stays so across reloads.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createProject, startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'
import { makeImageFolder } from './support/image-folder'

const IMAGE_COUNT = 60

let app: AppHarness
let browser: Browser
let page: Page
let folder: string
let pageErrors: string[]

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tessera-e2e-rail-'))
  await makeImageFolder(folder, IMAGE_COUNT)
  app = await startApp()
  await createProject(app, 'Rail', folder)
  browser = await launchChromium()
  ;({ page, errors: pageErrors } = await openPage(browser))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await rm(folder, { recursive: true, force: true })
})

const rail = () => page.getByTestId('image-rail')
const rows = () => page.getByTestId('rail-row')
const row = (name: string) => page.locator(`[data-testid=rail-row][title="${name}"]`)
const currentRow = () => page.locator('[data-testid=rail-row][data-current=true]')
const title = () => page.getByTestId('image-title').innerText()

async function openFromGrid(name: string): Promise<void> {
  await page.locator(`[data-testid=grid-cell][title="${name}"]`).click()
  await expect.poll(title).toBe(name)
}

/** The current row lies wholly inside the rail's visible list. */
async function currentRowInView(): Promise<boolean> {
  const list = (await page.getByTestId('rail-list').boundingBox())!
  const box = await currentRow().boundingBox()
  return box !== null && box.y >= list.y - 0.5 && box.y + box.height <= list.y + list.height + 0.5
}

async function canvasWidth(): Promise<number> {
  return (await page.getByTestId('image-canvas').boundingBox())!.width
}

/** The fitted camera the viewer should have for the open image in the canvas as it is now. */
async function isFitted(): Promise<boolean> {
  const [scale, offsetX, offsetY] = ((await page.getByTestId('image-canvas').getAttribute('data-camera')) ?? '').split(' ').map(Number) as [
    number,
    number,
    number,
  ]
  const box = (await page.getByTestId('image-canvas').boundingBox())!
  const image = await app.backend.call('images:get', { imageId: Number(await openImageId()) })
  const expected = Math.min((box.width - 48) / image.annotationWidth, (box.height - 48) / image.annotationHeight)
  return (
    Math.abs(scale - expected) < 1e-3 * expected &&
    Math.abs(offsetX - (box.width - image.annotationWidth * scale) / 2) < 1 &&
    Math.abs(offsetY - (box.height - image.annotationHeight * scale) / 2) < 1
  )
}

/** The zoom, and the image point at the canvas's centre. */
async function centreOfView(): Promise<{ scale: number; x: number; y: number }> {
  const [scale, offsetX, offsetY] = ((await page.getByTestId('image-canvas').getAttribute('data-camera')) ?? '').split(' ').map(Number) as [
    number,
    number,
    number,
  ]
  const box = (await page.getByTestId('image-canvas').boundingBox())!
  return { scale, x: (box.width / 2 - offsetX) / scale, y: (box.height / 2 - offsetY) / scale }
}

async function openImageId(): Promise<string | null> {
  const name = await title()
  const listed = await app.backend.call('images:list', { offset: 0, limit: 100 })
  return String(listed.items.find((image) => image.relPath.endsWith(name))!.id)
}

describe('the image rail', () => {
  it('lists the images beside the canvas, virtualised, with the open one highlighted', async () => {
    await page.goto(app.shell.url)
    await expect.poll(() => page.getByTestId('image-total').innerText(), { timeout: 30_000 }).toBe(String(IMAGE_COUNT))
    await openFromGrid('img-002.jpg')
    await rail().waitFor()
    await expect.poll(() => rows().count()).toBeGreaterThan(10)
    expect(await rows().count()).toBeLessThan(IMAGE_COUNT) // only the rows on screen (and a few more) exist
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-002.jpg')
    expect(await currentRow().count()).toBe(1)
    expect(await currentRow().getAttribute('aria-current')).toBe('true')
    // The rail sits left of the canvas, the inspector right of it.
    const railBox = (await rail().boundingBox())!
    const canvasBox = (await page.getByTestId('image-canvas').boundingBox())!
    expect(railBox.width).toBeGreaterThanOrEqual(200)
    expect(railBox.width).toBeLessThanOrEqual(240)
    expect(canvasBox.x).toBeGreaterThanOrEqual(railBox.x + railBox.width - 1)
    expect(await page.getByTestId('rail-position').innerText()).toBe(`3 / ${IMAGE_COUNT}`)
    // What the grid shows of each image: dot, name, the embedding-ready mark.
    const first = row('img-000.jpg')
    expect(await first.locator('.status-dot.todo').count()).toBe(1)
    expect(await first.getByTestId('embedding-ready').count()).toBe(1)
    expect(await first.locator('img').getAttribute('alt')).toBe('img-000.jpg')
  })

  it('moves the highlight with the next-image key and keeps it in view', async () => {
    await page.keyboard.press('ArrowRight')
    await expect.poll(title).toBe('img-003.png')
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-003.png')
    expect(await row('img-002.jpg').getAttribute('data-current')).toBe('false')
    // Scrolled away by hand, the rail comes back to the open image when it changes.
    await page.getByTestId('rail-list').evaluate((list) => (list.scrollTop = list.scrollHeight))
    await expect.poll(() => currentRow().count()).toBe(0) // its row is no longer drawn
    await page.keyboard.press('ArrowRight')
    await expect.poll(title).toBe('img-004.jpg')
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-004.jpg')
    await expect.poll(currentRowInView).toBe(true)
    await page.getByTestId('previous-image').click()
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-003.png')
  })

  it('opens the image whose row is clicked, far down the list too', async () => {
    await row('img-006.jpg').click()
    await expect.poll(title).toBe('img-006.jpg')
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-006.jpg')
    // The last image: scroll the rail to the end and click it; the stepping keys continue from there.
    await page.getByTestId('rail-list').evaluate((list) => (list.scrollTop = list.scrollHeight))
    const last = rows().last()
    await expect.poll(() => last.getAttribute('title')).toBe('nested/img-059.png')
    await last.click()
    await expect.poll(title).toBe('img-059.png')
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => currentRow().getAttribute('title')).toBe('nested/img-049.jpg')
    expect(await currentRowInView()).toBe(true)
    await row('nested/img-049.jpg').waitFor()
    await page.getByTestId('rail-list').evaluate((list) => (list.scrollTop = 0))
    await row('img-002.jpg').click()
    await expect.poll(title).toBe('img-002.jpg')
  })

  it('changes the dot when the image is marked done, and filters as the grid does', async () => {
    await page.getByTestId('status-done').click()
    await page.getByTestId('done-reason').fill('Nothing to annotate in this picture')
    await page.getByTestId('confirm-done').click()
    // Done opens the next unfinished image; the rail shows the one left behind as done.
    await expect.poll(title).toBe('img-003.png')
    await expect.poll(() => row('img-002.jpg').getAttribute('data-status')).toBe('done')
    expect(await row('img-002.jpg').locator('.status-dot.done').count()).toBe(1)
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-003.png')
    await page.waitForTimeout(300)
    await screenshot(page, '25-image-rail')

    // The rail's filter is the grid's: "Done" lists the one done image, here and in the grid.
    await page.getByTestId('rail-filter-done').click()
    await expect.poll(() => rows().count()).toBe(1)
    expect(await rows().first().getAttribute('title')).toBe('img-002.jpg')
    expect(await currentRow().count()).toBe(0) // the open image is not done
    // Marking the open image done under that filter lists it at once: the pages seen are fetched
    // again (by offset, a stale page would skip or repeat images at its edges).
    await page.getByTestId('status-done').click()
    await page.getByTestId('done-reason').fill('Nothing to annotate in this picture')
    await page.getByTestId('confirm-done').click()
    await expect.poll(() => rows().count()).toBe(2)
    expect(await row('img-003.png').getAttribute('data-status')).toBe('done')
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('filter-done').getAttribute('class')).toContain('active')
    await expect.poll(() => page.getByTestId('grid-cell').count()).toBe(2)
    await page.getByTestId('filter-all').click()
    await openFromGrid('img-004.jpg')
    expect(await page.getByTestId('rail-filter-all').getAttribute('aria-checked')).toBe('true')
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-004.jpg')
  })

  it('collapses and expands with its key and buttons; the canvas takes the room, the image stays fitted', async () => {
    await expect.poll(isFitted).toBe(true)
    const wide = await canvasWidth()
    await page.keyboard.press('\\')
    await expect.poll(() => rail().count()).toBe(0)
    await expect.poll(canvasWidth).toBeGreaterThan(wide + 200)
    await expect.poll(isFitted).toBe(true) // fitted again to the wider canvas, centred
    await page.waitForTimeout(200)
    await screenshot(page, '26-image-rail-collapsed')
    await page.getByTestId('rail-expand').click()
    await rail().waitFor()
    await expect.poll(canvasWidth).toBe(wide)
    await expect.poll(isFitted).toBe(true)
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-004.jpg')
    await page.getByTestId('rail-collapse').click()
    await expect.poll(() => rail().count()).toBe(0)
    // A zoomed view keeps its zoom and the image point at the canvas's centre when the rail comes back.
    await page.keyboard.press('+')
    await expect.poll(isFitted).toBe(false)
    const zoomed = await centreOfView()
    await page.keyboard.press('Shift+R')
    await rail().waitFor()
    await expect.poll(canvasWidth).toBe(wide)
    const after = await centreOfView()
    expect(after.scale).toBe(zoomed.scale)
    expect(Math.abs(after.x - zoomed.x)).toBeLessThan(0.5)
    expect(Math.abs(after.y - zoomed.y)).toBeLessThan(0.5)
    await page.keyboard.press('Shift+R')
    await expect.poll(() => rail().count()).toBe(0)
    await page.getByTestId('fit').click()
  })

  it('lists the key in the shortcuts overlay', async () => {
    await page.keyboard.press('?')
    await page.getByTestId('shortcuts-overlay').waitFor()
    const keys = await page.getByTestId('binding-toggleRail').innerText()
    expect(keys).toContain('\\')
    expect(keys).toContain('Shift+R')
    expect(await page.getByTestId('shortcuts-overlay').innerText()).toContain('Show or hide the image rail')
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('shortcuts-overlay').count()).toBe(0)
  })

  it('keeps the collapsed or expanded rail across reloads', async () => {
    await page.reload()
    await openFromGrid('img-005.jpg')
    await page.getByTestId('rail-expand').waitFor()
    expect(await rail().count()).toBe(0)
    await page.keyboard.press('\\')
    await rail().waitFor()
    await page.reload()
    await openFromGrid('img-005.jpg')
    await rail().waitFor()
    await expect.poll(() => currentRow().getAttribute('title')).toBe('img-005.jpg')
    expect(await page.getByTestId('rail-expand').count()).toBe(0)
    expect(pageErrors, pageErrors.join('\n')).toEqual([])
  })
})
