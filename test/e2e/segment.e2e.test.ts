/**
 * Interactive segmentation in the browser with the bundled demo segmenter (real worker thread and
 * onnxruntime-node behind the web shell): open a demo scene, click an object, see its mask painted
 * and its candidates listed; refine with a negative point; cycle candidates; clear.
 */
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

async function pixelAt(point: { x: number; y: number }): Promise<[number, number, number]> {
  const png = await page.screenshot()
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true })
  const offset = (Math.round(point.y) * info.width + Math.round(point.x)) * info.channels
  return [data[offset] as number, data[offset + 1] as number, data[offset + 2] as number]
}

describe('segmenting a demo object', () => {
  let target: DemoTruthObject
  let click: { x: number; y: number }
  let truthMask: Uint8Array

  it('opens the demo project and a scene whose embedding gets ready', async () => {
    await page.goto(app.shell.url)
    await page.getByTestId('open-demo').click()
    await expect.poll(() => page.getByTestId('image-total').innerText(), { timeout: 60_000 }).toBe('12')
    const truth = await readDemoGroundTruth(join(app.dataDir, 'demo-images'))
    const scene = truth['scene-01.jpg']!
    const childless = scene.objects.filter(
      (object) =>
        object.parentId === null &&
        ['disk', 'ellipse', 'rectangle'].includes(object.kind) &&
        !scene.objects.some((other) => other.parentId === object.id),
    )
    target = childless.sort((a, b) => b.area - a.area)[0]!
    truthMask = decodeMask(decompressRle(target.segmentation))
    click = maskCentroid(truthMask, scene.width)!
    await page.locator('[data-testid=grid-cell][title="scene-01.jpg"]').click()
    await expect.poll(() => page.getByTestId('embedding-state').getAttribute('data-state'), { timeout: 60_000 }).toBe('ready')
    await expect.poll(() => page.getByTestId('model-status').innerText(), { timeout: 30_000 }).toMatch(/Demo segmenter · CPU/)
    await page.keyboard.press('s') // the segment tool: clicks prompt the model
  })

  it('paints the mask of the clicked object and lists three candidates', async () => {
    const at = await screenOf(click.x, click.y)
    const before = await pixelAt(at)
    await page.mouse.click(at.x, at.y)
    await expect.poll(() => page.getByTestId('candidate').count(), { timeout: 30_000 }).toBe(3)
    const after = await pixelAt(at)
    // The overlay tints the object blue.
    expect(after[2] - after[0]).toBeGreaterThan(before[2] - before[0] + 30)
    await screenshot(page, '08-segment-click')
    // The shown candidate matches the object: compare through the API with the true mask.
    const session = app.backend.currentProject!
    const imageId = session.images.all().find((row) => row.rel_path === 'scene-01.jpg')!.id
    const result = await app.backend.call('segment:predict', { imageId, points: [{ x: click.x, y: click.y, label: 'positive' }] })
    const best = decodeMask(decompressRle(result.candidates[result.best]!.rle))
    expect(maskIou(best, truthMask)).toBeGreaterThan(0.85)
  })

  it('cycles candidates with Tab, refines with a negative point, and clears with Esc', async () => {
    const active = () => page.locator('[data-testid=candidate].active').innerText()
    const first = await active()
    await page.keyboard.press('Tab')
    await expect.poll(active).not.toBe(first)
    const far = await screenOf(click.x + 200, click.y)
    await page.mouse.click(far.x, far.y, { button: 'right' })
    await expect.poll(() => page.getByTestId('candidate').count()).toBeGreaterThan(0)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('candidate').count()).toBe(0)
    expect(await page.getByTestId('image-title').innerText()).toBe('scene-01.jpg') // Esc cleared the prompt, did not leave
    expect(errors).toEqual([])
  })
})
