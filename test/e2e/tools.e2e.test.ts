/**
 * Annotating what the model missed, through the web shell with the bundled demo segmenter: add a
 * demo object with one click, refine it with a negative point, cycle its candidates, fix an edge with
 * the brush, commit, undo and redo; draw a box around another; skip an object after the time limit
 * and reopen it later; and find the effort (seconds, clicks, proposal IoU) recorded.
 */
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MaskSummary } from '../../src-preload/contract/dto'
import { readDemoGroundTruth, type DemoTruthObject } from '../../src-main/core/demo/demo-project'
import { decodeMask, decompressRle } from '../../src-main/core/masks'
import { maskCentroid, maskIou } from '../support/mask-geometry'
import { startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'
import { screenOf as screenOfPixel } from './support/canvas'

let app: AppHarness
let browser: Browser
let page: Page
let errors: string[]
let imageId: number
let objects: { truth: DemoTruthObject; mask: Uint8Array; centre: { x: number; y: number } }[]
let width: number
let boxTarget: (typeof objects)[number] | undefined

beforeAll(async () => {
  app = await startApp()
  browser = await launchChromium()
  ;({ page, errors } = await openPage(browser))
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

const screenOf = (x: number, y: number) => screenOfPixel(page, x, y)
const masksOf = (): Promise<MaskSummary[]> => app.backend.call('masks:list', { imageId })
const manualMasks = async () => (await masksOf()).filter((mask) => mask.source === 'manual')
const storedPrompt = (id: number) =>
  JSON.parse(
    (app.backend.currentProject!.db.prepare('SELECT prompt FROM masks WHERE id = ?').get(id) as { prompt: string }).prompt,
  ) as Record<string, unknown>

describe('annotating what the model missed', () => {
  it('opens a demo scene with nothing on it yet', async () => {
    await page.goto(app.shell.url)
    await page.getByTestId('open-demo').click()
    await expect.poll(() => page.getByTestId('image-total').innerText(), { timeout: 60_000 }).toBe('12')
    const truth = await readDemoGroundTruth(join(app.dataDir, 'demo-images'))
    const scene = truth['scene-03.jpg']!
    width = scene.width
    // Separate, whole objects (no children, no parent): one click should find each.
    objects = scene.objects
      .filter((object) => object.parentId === null && !scene.objects.some((other) => other.parentId === object.id))
      .filter((object) => ['disk', 'ellipse', 'rectangle'].includes(object.kind))
      .sort((a, b) => b.area - a.area)
      .map((object) => {
        const mask = decodeMask(decompressRle(object.segmentation))
        return { truth: object, mask, centre: maskCentroid(mask, scene.width)! }
      })
    expect(objects.length).toBeGreaterThanOrEqual(3)
    await app.backend.call('review:setSettings', {
      settings: { maxUncoveredFraction: 0.1, minGapArea: 200, overlapIou: 0.5, objectTimeLimitSeconds: 2 },
    })
    await page.locator('[data-testid=grid-cell][title="scene-03.jpg"]').click()
    await expect.poll(() => page.getByTestId('image-title').innerText()).toBe('scene-03.jpg')
    imageId = (await app.backend.call('images:list', { offset: 0, limit: 20 })).items.find((image) => image.relPath === 'scene-03.jpg')!.id
    await expect.poll(() => page.getByTestId('embedding-state').getAttribute('data-state'), { timeout: 60_000 }).toBe('ready')
    expect(await manualMasks()).toEqual([])
  })

  it('adds a missed object with one click, refines it with a negative point and cycles its candidates', async () => {
    const target = objects[0]!
    await page.keyboard.press('s')
    const at = await screenOf(target.centre.x, target.centre.y)
    await page.mouse.click(at.x, at.y)
    await expect.poll(() => page.getByTestId('candidate').count(), { timeout: 30_000 }).toBe(3)
    await expect.poll(() => page.getByTestId('object-effort').innerText()).toContain('1 clicks')
    // A negative point well outside the object refines the prompt from the shown candidate's logits.
    const outside = await screenOf(Math.max(5, target.centre.x - target.truth.segmentation.size[1] * 0.3), 8)
    await page.mouse.click(outside.x, outside.y, { button: 'right' })
    await expect.poll(() => page.getByTestId('object-effort').innerText(), { timeout: 30_000 }).toContain('refined 1×')
    const active = () => page.locator('[data-testid=candidate].active').innerText()
    const first = await active()
    await page.keyboard.press('Tab')
    await expect.poll(active).not.toBe(first)
    await page.keyboard.press('Shift+Tab')
    await expect.poll(active).toBe(first)
    await screenshot(page, '40-tools-prompt')
  })

  it('fixes an edge with the brush, commits, undoes and redoes', async () => {
    const target = objects[0]!
    await page.keyboard.press('b')
    await expect.poll(() => page.getByTestId('brush-size').innerText()).toBe('r 8')
    await page.keyboard.press('.') // larger: 8 × 1.2
    await expect.poll(() => page.getByTestId('brush-size').innerText()).toBe('r 9.6')
    // A short stroke from inside the object out past its right edge adds pixels there.
    let right = target.centre.x
    while (target.mask[Math.round(target.centre.y) * width + Math.round(right)] === 1) right++
    const from = await screenOf(right - 4, target.centre.y)
    const to = await screenOf(right + 14, target.centre.y)
    await page.mouse.move(from.x, from.y)
    await page.mouse.down()
    await page.mouse.move((from.x + to.x) / 2, to.y, { steps: 3 })
    await page.mouse.move(to.x, to.y, { steps: 3 })
    await page.mouse.up()
    await expect.poll(() => page.getByTestId('object-effort').innerText()).toContain('1 strokes')
    // The bar over the canvas says the stroke stays whichever candidate is shown.
    await expect.poll(() => page.getByTestId('strokes-kept').innerText()).toBe('1 brush stroke kept on any candidate')
    // The stroke is the object's own step: undo takes it back, redo restores it, before anything is committed.
    await page.keyboard.press('Control+z')
    await expect.poll(() => page.getByTestId('object-effort').innerText()).not.toContain('strokes')
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => page.getByTestId('object-effort').innerText()).toContain('1 strokes')
    await screenshot(page, '41-tools-brush')
    // Undo pressed straight after Enter, before the commit's answer: it waits for the commit and takes
    // it back (once it undid a stroke of the object on its way to the database instead).
    // Both keys in one task of the page, so undo surely comes before the commit's answer.
    await page.evaluate(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true }))
    })
    await expect.poll(async () => (await manualMasks()).map((mask) => mask.state), { timeout: 15_000 }).toEqual(['deleted'])
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(async () => (await manualMasks())[0]!.state).toBe('accepted')
    const [mask] = await manualMasks()
    expect(mask!.effort).toMatchObject({ clicks: 3, edited: true, originMaskId: null })
    expect(mask!.effort!.seconds).toBeGreaterThan(0)
    const pixels = decodeMask(decompressRle(mask!.rle))
    expect(maskIou(pixels, target.mask)).toBeGreaterThan(0.8)
    expect(pixels[Math.round(target.centre.y) * width + Math.round(right + 10)]).toBe(1) // the brushed pixels
    const prompt = storedPrompt(mask!.id)
    expect(prompt).toMatchObject({ edited: true, clicks: 3, refinements: 1 })
    expect((prompt.points as unknown[]).length).toBe(2)
    expect(prompt.candidateToken).not.toBeNull()

    await page.keyboard.press('Control+z')
    await expect.poll(async () => (await manualMasks())[0]!.state).toBe('deleted')
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(async () => (await manualMasks())[0]!.state).toBe('accepted')
    expect(await page.getByTestId('object-effort').count()).toBe(0) // the draft went with the commit
  })

  it('draws a box around another object and commits the mask it gives', async () => {
    // The demo segmenter seeds a box at its centre: take an object whose box centre is its own pixel.
    const target = objects.slice(1).find((object) => {
      const [x, y, w, h] = bboxOf(object.mask, width)
      return object.mask[Math.floor(y + h / 2) * width + Math.floor(x + w / 2)] === 1
    })!
    boxTarget = target
    await page.keyboard.press('s')
    const [x, y, w, h] = bboxOf(target.mask, width)
    const a = await screenOf(x - 3, y - 3)
    const b = await screenOf(x + w + 3, y + h + 3)
    await page.mouse.move(a.x, a.y)
    await page.mouse.down()
    await page.mouse.move(b.x, b.y, { steps: 5 })
    await page.mouse.up()
    await expect.poll(() => page.getByTestId('candidate').count(), { timeout: 30_000 }).toBeGreaterThan(0)
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await manualMasks()).length, { timeout: 15_000 }).toBe(2)
    const boxed = (await manualMasks()).find((mask) => mask.prompt.box !== null)!
    expect(boxed.prompt.points).toEqual([])
    expect(maskIou(decodeMask(decompressRle(boxed.rle)), target.mask)).toBeGreaterThan(0.6)
  })

  it('offers to skip an object after the time limit, leaves a marker, and reopens it later', async () => {
    const target = objects.slice(1).find((object) => object !== boxTarget)!
    const at = await screenOf(target.centre.x, target.centre.y)
    await page.mouse.click(at.x, at.y)
    await expect.poll(() => page.getByTestId('candidate').count(), { timeout: 30_000 }).toBe(3)
    await page.getByTestId('skip-offer').waitFor({ timeout: 10_000 })
    await screenshot(page, '42-tools-skip-offer')
    await page.keyboard.press('Shift+S')
    await expect.poll(() => page.getByTestId('skipped-object').count()).toBe(1)
    expect(await page.getByTestId('candidate').count()).toBe(0)
    const [skipped] = await app.backend.call('objects:list', { imageId })
    expect(skipped).toMatchObject({ state: 'open', clicks: 1 })
    expect(skipped!.seconds).toBeGreaterThanOrEqual(2)
    expect(Math.abs(skipped!.x - target.centre.x)).toBeLessThan(1.5)
    expect(Math.abs(skipped!.y - target.centre.y)).toBeLessThan(1.5)

    await page.getByTestId('reopen-skipped').click()
    await expect.poll(() => page.getByTestId('candidate').count(), { timeout: 30_000 }).toBe(3)
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await app.backend.call('objects:list', { imageId }))[0]!.state, { timeout: 15_000 }).toBe('resolved')
    expect((await manualMasks()).filter((mask) => mask.state === 'accepted')).toHaveLength(3)
  })

  it('shows the effort recorded per person on this image', async () => {
    const summary = await app.backend.call('effort:summary', { imageId })
    expect(summary.total.masks).toBe(3)
    expect(summary.total.skippedObjects).toBe(1)
    const row = page.getByTestId('effort-person')
    await expect.poll(() => row.locator('[data-testid=effort-masks]').innerText()).toBe('3')
    expect(await row.locator('[data-testid=effort-seconds]').innerText()).toBe(summary.people[0]!.medianSecondsPerMask!.toFixed(1))
    await screenshot(page, '43-tools-effort')
    expect(errors).toEqual([])
  })
})

/** [x, y, w, h] of a row-major mask (exclusive extents). */
function bboxOf(mask: Uint8Array, width: number): [number, number, number, number] {
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -1
  let y1 = -1
  for (let k = 0; k < mask.length; k++) {
    if (mask[k] !== 1) continue
    const x = k % width
    const y = Math.floor(k / width)
    x0 = Math.min(x0, x)
    y0 = Math.min(y0, y)
    x1 = Math.max(x1, x)
    y1 = Math.max(y1, y)
  }
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1]
}
