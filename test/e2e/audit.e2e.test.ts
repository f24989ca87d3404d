/**
 * A reviewer's audit through the web shell: on a project of 40 done images (masks seeded through the
 * backend: auto-accepted, accepted after review, rejected and manual masks by two annotators over two
 * model cycles), draw a 5% audit with a fixed seed in the UI, check it is the sample the seeded draw
 * gives, give every mask a verdict with the keyboard, mark missing objects, finish both images, read
 * the report and check its numbers against a hand computation, export it as CSV, then open the
 * dashboard and check its figures against a count of the seeded masks. Screenshots 30–33.
 */
import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuditStore } from '../../src-main/core/audit/audit-store'
import { drawSample } from '../../src-main/core/audit/sampling'
import { compressRle, encodeMask } from '../../src-main/core/masks'
import { MaskRepository, type NewMask } from '../../src-main/core/project/mask-repository'
import { createProject, startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'
import { makeImageFolder } from './support/image-folder'

const IMAGES = 40
const SEED = 'e2e-audit-seed'

let app: AppHarness
let browser: Browser
let page: Page
let errors: string[]
let folder: string

/** A rectangle mask at an image's annotation size. */
function rect(width: number, height: number, x0: number, y0: number, w: number, h: number): NewMask['rle'] {
  const pixels = new Uint8Array(width * height)
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) pixels[y * width + x] = 1
  return compressRle(encodeMask(pixels, height, width))
}

/** Two annotators; per image: 2 auto-accepted, 1 accepted after review, 1 rejected (cycle by image), 1 manual. */
async function seedProject(): Promise<{ models: [number, number] }> {
  const session = app.backend.currentProject!
  const db = session.db
  const bundled = db.prepare('SELECT id FROM models WHERE bundled = 1').pluck().get() as number
  const second = Number(
    db
      .prepare(
        "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at) VALUES ('SAM ViT-B v2', 'sam-official', 'e2', 'd2', '', '', '2999-01-01T00:00:00Z')",
      )
      .run().lastInsertRowid,
  )
  const masks = new MaskRepository(db)
  const images = session.images.page(0, 100)
  for (const [index, image] of images.entries()) {
    const { annotation_width: w, annotation_height: h } = image
    const modelId = index < 20 ? bundled : second
    const annotator = index % 2 === 0 ? 'ann-a' : 'ann-b'
    const auto = (state: NewMask['state'], iou: number, x: number, y: number, size: number): NewMask => ({
      imageId: image.id,
      rle: rect(w, h, x, y, size, size),
      source: 'auto',
      state,
      predictedIou: iou,
      stabilityScore: Math.min(1, iou + 0.03),
      modelId,
      actor: 'tessera',
    })
    masks.insertMany([
      auto('auto_accepted', 0.95, 5, 5, 20), // 400 px: small
      auto('auto_accepted', 0.93, 40, 5, 40), // 1600 px: medium
      auto('accepted', 0.8, 5, 60, 30),
      auto('rejected', 0.62, 100, 100, 25),
      {
        imageId: image.id,
        rle: rect(w, h, 120, 10, 100, 100),
        source: 'manual',
        state: 'accepted',
        modelId,
        actor: annotator,
        secondsSpent: 10 + index,
      },
    ])
    session.setStatus(image.id, 'done', annotator, { uncoveredFraction: 0.04, maxUncoveredFraction: 0.1 })
  }
  return { models: [bundled, second] }
}

beforeAll(async () => {
  app = await startApp()
  folder = await mkdtemp(join(tmpdir(), 'tessera-audit-e2e-'))
  await makeImageFolder(folder, IMAGES)
  await createProject(app, 'Audit project', folder)
  await seedProject()
  browser = await launchChromium()
  ;({ page, errors } = await openPage(browser))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
  if (folder) await rm(folder, { recursive: true, force: true })
})

/** Wilson 95% interval by hand: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n). */
function wilsonByHand(successes: number, n: number): string {
  const z = 1.959964
  const p = successes / n
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n)
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n)
  const pct = (value: number) => (value * 100).toFixed(1)
  return `${pct(p)}% (${pct(centre - half)}–${pct(centre + half)})`
}

describe('auditing a 5% sample', () => {
  it('draws a reproducible 5% sample of the 40 done images from the audit screen', async () => {
    await page.goto(app.shell.url)
    await page.getByTestId('nav-audit').click()
    await page.getByTestId('reviewer-name').fill('rita')
    await page.getByTestId('audit-seed').fill(SEED)
    await expect.poll(() => page.getByTestId('audit-preview').innerText()).toContain('Draws 2 of 40 done images')
    await screenshot(page, '30-audit-draw')
    await page.getByTestId('draw-audit-button').click()
    await expect.poll(() => page.getByTestId('audit-item').count()).toBe(2)

    // The same seed over the same population gives the same images, in the same order.
    const store = new AuditStore(app.backend.currentProject!.db)
    const expected = drawSample(store.population(), { seed: SEED, fraction: 0.05, strata: [] }).images.map((image) => image.imageId)
    const [audit] = await app.backend.call('audits:list', {})
    expect(audit).toMatchObject({ seed: SEED, fraction: 0.05, populationSize: 40, sampleSize: 2, drawnBy: 'rita' })
    const items = await app.backend.call('audits:items', { auditId: audit!.id })
    expect(items.map((item) => item.imageId)).toEqual(expected)
    await expect.poll(() => page.getByTestId('audit-image-name').innerText()).toBe(items[0]!.relPath.split('/').pop())
  })

  it('reviews both images with the keyboard: verdicts, missing objects, notes, finish', async () => {
    const masksBefore = app.backend.currentProject!.db.prepare('SELECT id, state, updated_at FROM masks ORDER BY id').all()
    // Image 1, masks in id order: correct, boundary poor, correct, correct; two missing objects.
    await expect.poll(() => page.getByTestId('audit-judged').innerText()).toBe('0 of 4 masks judged')
    for (const key of ['1', '2', '1', '1']) await page.keyboard.press(key)
    await expect.poll(() => page.getByTestId('audit-judged').innerText()).toBe('4 of 4 masks judged')
    await page.keyboard.press('m')
    const box = (await page.getByTestId('audit-canvas').boundingBox())!
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.click(box.x + box.width / 2 + 30, box.y + box.height / 2 + 20)
    await page.keyboard.press('m')
    await expect.poll(() => page.locator('.points li').count()).toBe(2)
    await page.getByTestId('audit-notes').fill('two objects without masks')
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await screenshot(page, '31-audit-review')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('audit-progress').innerText()).toContain('1 of 2 images finished')

    // Image 2: correct, should not exist, wrong object, correct; no missing objects.
    await expect.poll(() => page.getByTestId('audit-judged').innerText()).toBe('0 of 4 masks judged')
    for (const key of ['1', '4', '3']) await page.keyboard.press(key)
    // Change of mind on the third: latest verdict wins.
    await page.keyboard.press('q')
    await page.keyboard.press('2')
    await page.keyboard.press('1')
    await expect.poll(() => page.getByTestId('audit-judged').innerText()).toBe('4 of 4 masks judged')
    await page.keyboard.press('Enter')
    // The last image finished: the report opens.
    await expect.poll(() => page.getByTestId('audit-report').count()).toBe(1)
    // The annotators' masks were not changed by the review.
    expect(app.backend.currentProject!.db.prepare('SELECT id, state, updated_at FROM masks ORDER BY id').all()).toEqual(masksBefore)
  })

  it('reports what the reviewer judged, matching a hand computation, and exports it', async () => {
    // Hand count over 8 masks: correct 5 (1, 1, 1 | 1, 1), boundary poor 2 (image 1 second | image 2 third), should not exist 1.
    // Masks: image 1 [auto, auto, reviewed, manual], image 2 the same.
    await expect.poll(() => page.getByTestId('report-judged').innerText()).toBe('8')
    expect(await page.getByTestId('report-precision').innerText()).toBe(wilsonByHand(5, 8))
    expect(await page.getByTestId('report-right-object').innerText()).toBe(wilsonByHand(7, 8))
    expect(await page.getByTestId('report-missing').innerText()).toBe('1.00') // 2 points / 2 images
    expect(await page.getByTestId('report-finished').innerText()).toBe('2 of 2 images finished')
    // By source: auto-accepted 4 masks (image 1: correct, boundary poor; image 2: correct, should not exist) → 2 / 4.
    expect(await page.getByTestId('report-row-auto_accepted').locator('td').nth(6).innerText()).toBe(wilsonByHand(2, 4))
    // Manual masks (the last of each image): both correct.
    expect(await page.getByTestId('report-row-manual').locator('td').nth(6).innerText()).toBe(wilsonByHand(2, 2))
    await screenshot(page, '32-audit-report')

    const target = join(app.dataDir, 'reports', 'audit.csv')
    await page.getByTestId('report-target').fill(target)
    await page.getByTestId('report-export').click()
    await expect.poll(() => page.getByTestId('report-written').count()).toBe(1)
    const csv = await readFile(target, 'utf8')
    const overall = csv
      .split('\n')
      .find((line) => line.startsWith('overall,'))!
      .split(',')
    expect(overall.slice(0, 7)).toEqual(['overall', 'all finished images', '8', '5', '2', '0', '1'])
    expect(Number(overall[7])).toBeCloseTo(5 / 8, 12)
  })

  it('shows the dashboard with the data engine’s figures and plots', async () => {
    await page.getByTestId('nav-dashboard').click()
    await expect.poll(() => page.getByTestId('figure-doneImages').locator('.tile-value').innerText()).toBe('40')
    // Per image: 2 auto-accepted, 1 accepted after review, 1 manual → 4 final masks; auto-accept 2 / 4; rejected 1 / (2 + 1 + 1).
    expect(await page.getByTestId('figure-autoAcceptRate').locator('.tile-value').innerText()).toBe('50.0%')
    expect(await page.getByTestId('figure-rejectionRate').locator('.tile-value').innerText()).toBe('25.0%')
    expect(await page.getByTestId('figure-totalPerImage').locator('.tile-value').innerText()).toBe('4.0')
    expect(await page.getByTestId('figure-manualPerImage').locator('.tile-value').innerText()).toBe('1.0')
    // Seconds 10 … 49: median 29.5.
    expect(await page.getByTestId('figure-medianSecondsPerMask').locator('.tile-value').innerText()).toBe('29.5')
    expect(await page.getByTestId('figure-coverageAtDone').locator('.tile-value').innerText()).toBe('96.0%')
    await expect.poll(() => page.getByTestId('cycle-table').locator('tbody tr').count()).toBe(2)
    // Calibration: per image kept 0.95, 0.93, 0.80 → 1 and rejected 0.62 → 0; ECE = (0.05 + 0.07 + 0.2 + 0.62) / 4.
    expect(await page.getByTestId('ece').innerText()).toBe(`ECE ${(((0.05 + 0.07 + 0.2 + 0.62) / 4) * 100).toFixed(1)}%`)
    expect(await page.getByTestId('criterion-auto_accept').getAttribute('data-state')).toBe('not_met')
    expect(await page.getByTestId('criterion-cycle_gain').getAttribute('data-state')).toBe('met')
    await page.waitForTimeout(300) // charts draw on the next frame
    await screenshot(page, '33-dashboard')
    expect(errors).toEqual([])
  })
})
