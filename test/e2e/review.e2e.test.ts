/**
 * The review workspace through the web shell, on the demo project with the bundled demo segmenter:
 * run proposals, review the queue with the keyboard only (accept, reject, step, undo, redo), inspect
 * a mask's prompt, see the coverage warning and the gaps, re-seed the gaps, resolve a flagged
 * duplicate, rebind a key, mark the image done through the coverage gate with a reason, reload and
 * find every decision kept.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MaskSummary } from '../../src-preload/contract/dto'
import { bitmapFromRle, CoverageMap, decompressRle } from '../../src-main/core/masks'
import { MaskRepository } from '../../src-main/core/project/mask-repository'
import { startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'

let app: AppHarness
let browser: Browser
let page: Page
let errors: string[]
let imageId: number
const PROPOSE_TIMEOUT_MS = 420_000

beforeAll(async () => {
  app = await startApp()
  browser = await launchChromium()
  ;({ page, errors } = await openPage(browser))
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

const masksOf = (): Promise<MaskSummary[]> => app.backend.call('masks:list', { imageId })
const stateOf = async (id: number) => (await masksOf()).find((mask) => mask.id === id)?.state
const inspected = async () => Number(await page.getByTestId('mask-inspector').getAttribute('data-mask-id'))

describe('reviewing a demo image', () => {
  it(
    'opens the demo project and proposes masks for one scene from the workspace',
    async () => {
      await page.goto(app.shell.url)
      await page.getByTestId('open-demo').click()
      await expect.poll(() => page.getByTestId('image-total').innerText(), { timeout: 60_000 }).toBe('12')
      // Thresholds that send most proposals to review, and a strict coverage rule, so the gate shows.
      await app.backend.call('proposals:setTriage', {
        settings: {
          preset: 'custom',
          auto: { predictedIou: 0.99, stability: 0.99, minArea: 100 },
          review: { predictedIou: 0.5, stability: 0.5, minArea: 10 },
          maxAreaFraction: 0.9,
        },
      })
      await app.backend.call('review:setSettings', { settings: { maxUncoveredFraction: 0.02, minGapArea: 100, overlapIou: 0.5 } })
      await page.locator('[data-testid=grid-cell][title="scene-01.jpg"]').click()
      await expect.poll(() => page.getByTestId('image-title').innerText()).toBe('scene-01.jpg')
      imageId = (await app.backend.call('images:list', { offset: 0, limit: 20 })).items.find(
        (image) => image.relPath === 'scene-01.jpg',
      )!.id
      await page.getByTestId('propose-image').click()
      // SAM's full 32×32 grid on one 1500×1000 scene: ~50 s on an idle 2-core machine, twice that under load.
      await expect.poll(() => page.getByTestId('mask-row').count(), { timeout: PROPOSE_TIMEOUT_MS }).toBeGreaterThan(3)
      await expect.poll(async () => Number(await page.getByTestId('queue-remaining').innerText())).toBeGreaterThan(2)
      const waiting = (await masksOf()).filter((mask) => mask.state === 'proposed').length
      expect(Number(await page.getByTestId('queue-remaining').innerText())).toBe(waiting)
    },
    PROPOSE_TIMEOUT_MS + 60_000,
  )

  it('reviews the queue with the keyboard: accept, reject, step, undo and redo', async () => {
    // Proposals arrive while the image is open, so the current mask may be one that came first:
    // choosing the order starts the queue again from its head.
    await page.getByTestId('queue-order').selectOption('iou')
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur()) // keys go to the workspace again
    const first = await inspected()
    expect(await stateOf(first)).toBe('proposed')
    // The queue starts at the lowest predicted IoU.
    const lowest = (await masksOf())
      .filter((mask) => mask.state === 'proposed')
      .sort((a, b) => a.predictedIou! - b.predictedIou! || a.id - b.id)[0]!
    expect(first).toBe(lowest.id)

    await page.keyboard.press('a')
    await expect.poll(() => stateOf(first)).toBe('accepted')
    await expect.poll(inspected).not.toBe(first)
    const second = await inspected()
    await page.keyboard.press('x')
    await expect.poll(() => stateOf(second)).toBe('rejected')
    await expect.poll(inspected).not.toBe(second) // the decision has reached the screen
    const third = await inspected()
    await page.keyboard.press('e')
    await expect.poll(inspected).not.toBe(third)
    await page.keyboard.press('q')
    await expect.poll(inspected).toBe(third)

    await page.keyboard.press('Control+z')
    await expect.poll(() => stateOf(second)).toBe('proposed')
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => stateOf(second)).toBe('rejected')
    expect(await stateOf(first)).toBe('accepted')
    // The image is now being worked on.
    await expect.poll(() => page.getByTestId('image-status').getAttribute('data-status')).toBe('in_progress')
    await screenshot(page, '20-workspace-review')
  })

  it('shows the selected mask’s prompt point, whether it lies inside, and its scores', async () => {
    const id = await inspected()
    const mask = (await masksOf()).find((candidate) => candidate.id === id)!
    const [x, y] = mask.pointCoords![0]!
    const point = page.getByTestId('prompt-points').locator('li').first()
    await expect.poll(() => point.innerText()).toContain(`${x.toFixed(1)}, ${y.toFixed(1)}`)
    const bitmap = bitmapFromRle(decompressRle(mask.rle))
    const px = Math.floor(x) - bitmap.x
    const py = Math.floor(y) - bitmap.y
    const inside = px >= 0 && py >= 0 && px < bitmap.width && py < bitmap.height && bitmap.pixels[py * bitmap.width + px] === 1
    expect(await point.getAttribute('data-inside')).toBe(String(inside))
    expect(await page.getByTestId('mask-scores').innerText()).toContain(mask.predictedIou!.toFixed(3))
  })

  it('warns while the image is uncovered, shows the gaps and re-seeds them', async () => {
    const coverage = await app.backend.call('coverage:get', { imageId })
    await expect.poll(() => page.getByTestId('uncovered-percent').innerText()).toBe(`${(coverage.uncoveredFraction * 100).toFixed(1)}%`)
    expect(coverage.uncoveredFraction).toBeGreaterThan(0.02)
    await expect(page.getByTestId('coverage-warning').isVisible()).resolves.toBe(true)
    await page.keyboard.press('c')
    await expect.poll(() => page.getByTestId('gap-list').locator('li').count()).toBeGreaterThan(0)
    await page.keyboard.press('g')
    await page.waitForTimeout(200)
    await screenshot(page, '21-coverage-gaps')
    await page.getByTestId('fit').click()

    const before = await masksOf()
    const image = await app.backend.call('images:get', { imageId })
    const covered = new CoverageMap(image.annotationWidth, image.annotationHeight)
    for (const mask of before)
      if (mask.state === 'accepted' || mask.state === 'auto_accepted') covered.add(bitmapFromRle(decompressRle(mask.rle)))
    await page.getByTestId('reseed-gaps').click()
    await expect.poll(() => page.getByTestId('reseed-gaps').innerText(), { timeout: 180_000 }).toBe('Re-seed gaps')
    await expect.poll(async () => (await masksOf()).length, { timeout: 30_000 }).toBeGreaterThan(before.length)
    const known = new Set(before.map((mask) => mask.id))
    const added = (await masksOf()).filter((mask) => !known.has(mask.id))
    for (const mask of added) {
      const [x, y] = mask.pointCoords![0]!
      expect(covered.isCovered(Math.floor(x), Math.floor(y))).toBe(false)
    }
    await expect.poll(() => page.getByTestId('mask-row').count()).toBeGreaterThan(before.filter((m) => m.state !== 'deleted').length)
  })

  it('flags a duplicate of an accepted mask and resolves it', async () => {
    const accepted = (await masksOf()).find((mask) => mask.state === 'accepted')!
    // A second copy of the same object, as an import from another annotator would bring.
    const repository = new MaskRepository(app.backend.currentProject!.db)
    const copy = repository.insert({ imageId, rle: accepted.rle, source: 'imported', state: 'proposed', actor: 'other-annotator' })
    await app.backend.call('proposals:setTriage', { settings: (await app.backend.call('proposals:triage', {})).settings }) // masks:changed → reload
    const pair = page.getByTestId('overlap-pair').filter({ hasText: `${accepted.id} ↔ ${copy.id}` })
    await expect.poll(() => pair.count(), { timeout: 15_000 }).toBe(1)
    await expect.poll(() => pair.innerText()).toContain('IoU 1.00')
    await screenshot(page, '22-overlap')
    await pair.getByRole('button', { name: `Keep ${accepted.id}` }).click()
    await expect.poll(() => stateOf(copy.id)).toBe('rejected')
    expect(await stateOf(accepted.id)).toBe('accepted')
    await expect.poll(() => pair.count()).toBe(0)
  })

  it('rebinds a key in the shortcuts overlay', async () => {
    await page.keyboard.press('?')
    await page.getByTestId('shortcuts-overlay').waitFor()
    await screenshot(page, '23-shortcuts')
    await page.getByTestId('binding-accept').click()
    await page.keyboard.press('x') // taken by reject: refused with a message
    await expect.poll(() => page.getByTestId('shortcuts-overlay').getByRole('alert').innerText()).toContain('Reject')
    await page.keyboard.press('y')
    await expect.poll(() => page.getByTestId('binding-accept').innerText()).toBe('Y')
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('shortcuts-overlay').count()).toBe(0)
    const current = await inspected()
    await page.keyboard.press('y')
    await expect.poll(() => stateOf(current)).toBe('accepted')
    await expect.poll(inspected).not.toBe(current) // the decision has reached the screen
  })

  it('steps through the model’s other candidates for a mask’s prompt and takes one instead', async () => {
    const current = await inspected()
    await page.getByTestId('other-candidates').click()
    await expect.poll(() => page.getByTestId('candidate').count(), { timeout: 30_000 }).toBe(3)
    const shown = async () => page.locator('[data-testid=candidate].active').innerText()
    const first = await shown()
    await page.keyboard.press('Tab')
    await expect.poll(shown).not.toBe(first)
    await expect.poll(() => page.getByTestId('commit-mask').innerText()).toContain(`Take instead of ${current}`)
    await page.keyboard.press('Enter')
    await expect.poll(() => stateOf(current)).toBe('deleted')
    const taken = (await masksOf()).find((mask) => mask.source === 'manual' && mask.state === 'accepted' && mask.id > current)!
    expect(taken).toBeDefined()
    const stored = app.backend.currentProject!.db.prepare('SELECT prompt FROM masks WHERE id = ?').get(taken.id) as { prompt: string }
    expect(JSON.parse(stored.prompt)).toMatchObject({ replaces: current, edited: false })
    await page.keyboard.press('v') // back to the select tool
  })

  it('asks for a reason to mark a gappy image done, records it, and opens the next unfinished image', async () => {
    await page.keyboard.press('Control+Enter')
    await page.getByTestId('done-dialog').waitFor()
    await screenshot(page, '24-done-gate')
    await page.getByTestId('done-reason').fill('Background sky and ground are not objects')
    await page.getByTestId('confirm-done').click()
    await expect.poll(() => page.getByTestId('image-title').innerText()).not.toBe('scene-01.jpg')
    expect((await app.backend.call('images:get', { imageId })).status).toBe('done')
    const event = app.backend
      .currentProject!.db.prepare("SELECT after FROM events WHERE kind = 'image:status' AND entity_id = ? ORDER BY id DESC LIMIT 1")
      .get(imageId) as { after: string }
    const after = JSON.parse(event.after) as { status: string; reason: string; uncoveredFraction: number }
    expect(after.status).toBe('done')
    expect(after.reason).toBe('Background sky and ground are not objects')
    expect(after.uncoveredFraction).toBeGreaterThan(0.02)
  })

  it('keeps every decision across a reload', async () => {
    const states = new Map((await masksOf()).map((mask) => [mask.id, mask.state]))
    await page.reload()
    await page.locator('[data-testid=grid-cell][title="scene-01.jpg"]').click()
    await expect.poll(() => page.getByTestId('mask-row').count()).toBeGreaterThan(0)
    for (const row of await page.getByTestId('mask-row').all()) {
      const id = Number(await row.getAttribute('data-mask-id'))
      expect(await row.locator('[data-state]').getAttribute('data-state')).toBe(states.get(id))
    }
    expect(await page.getByTestId('image-status').getAttribute('data-status')).toBe('done')
    await expect(page.getByTestId('undo').isEnabled()).resolves.toBe(true)
    expect(errors).toEqual([])
  })
})
