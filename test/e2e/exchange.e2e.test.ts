/**
 * Export and import in the browser: the demo project's true masks (as accepted masks, plus some
 * proposals) are exported as a filtered bundle through the export dialog, with the preview counting
 * exactly the filtered masks; the bundle is imported into a new project made from the same folder
 * through the import dialog, and the masks arrive identical. Two images Ctrl+clicked in the grid
 * are exported from the selection bar as SA-1B with their original files, under a quality preset
 * whose effect the preview shows first.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDemoGroundTruth } from '../../src-main/core/demo/demo-project'
import type { Sa1bDocument } from '../../src-main/core/exchange/export-sa1b'
import { TRIAGE_PRESETS } from '../../src-main/core/proposals/triage'
import { MaskRepository } from '../../src-main/core/project/mask-repository'
import { startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'

let app: AppHarness
let browser: Browser
let page: Page
let errors: string[]
let bundle: string
let expected: string[]

beforeAll(async () => {
  app = await startApp()
  await app.backend.call('projects:openDemo', {})
  const session = app.backend.currentProject!
  await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
  // The demo's true masks become accepted masks; a few extra proposals must not be exported.
  const truth = await readDemoGroundTruth(join(app.dataDir, 'demo-images'))
  const masks = new MaskRepository(session.db)
  expected = []
  for (const row of session.images.all().slice(0, 4)) {
    const objects = truth[row.rel_path]!.objects
    masks.insertMany(
      objects.map((object) => ({ imageId: row.id, rle: object.segmentation, source: 'manual', state: 'accepted', actor: 'ada' })),
    )
    masks.insert({ imageId: row.id, rle: objects[0]!.segmentation, source: 'auto', state: 'proposed', actor: 'tessera', predictedIou: 0.7 })
    // Automatic masks with scores, for the quality filters: one passes High precision, one only General.
    for (const [object, predictedIou, stabilityScore] of [
      [objects[1]!, 0.97, 0.99],
      [objects[2]!, 0.9, 0.96],
    ] as const)
      masks.insert({
        imageId: row.id,
        rle: object.segmentation,
        source: 'auto',
        state: 'auto_accepted',
        actor: 'tessera',
        predictedIou,
        stabilityScore,
      })
    expected.push(...objects.map((object) => `${row.content_hash}:${object.segmentation.counts}`))
  }
  browser = await launchChromium()
  ;({ page, errors } = await openPage(browser))
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

function accepted(): string[] {
  const session = app.backend.currentProject!
  const rows = session.db
    .prepare(
      "SELECT i.content_hash AS hash, m.rle_counts AS counts FROM masks m JOIN images i ON i.id = m.image_id WHERE m.state = 'accepted'",
    )
    .all() as { hash: string; counts: string }[]
  return rows.map((row) => `${row.hash}:${row.counts}`).sort()
}

describe('export and import', () => {
  it('exports a filtered bundle after previewing its counts', async () => {
    await page.goto(app.shell.url)
    await page.getByTestId('open-export').click()
    await page.getByTestId('format-bundle').check()
    await page.getByTestId('state-auto_accepted').uncheck()
    const images = app.backend.currentProject!.db.prepare('SELECT count(*) FROM images').pluck().get() as number
    await expect
      .poll(() => page.getByTestId('export-preview').innerText())
      .toBe(`Will write ${expected.length} masks on 4 of the ${images} selected images.`)
    bundle = join(app.dataDir, 'work-package.zip')
    await page.getByTestId('export-target').fill(bundle)
    await screenshot(page, '12-export-dialog')
    await page.getByTestId('exchange-submit').click()
    await expect.poll(() => existsSync(bundle), { timeout: 60_000 }).toBe(true)
    const jobs = await app.backend.call('jobs:list', {})
    await expect.poll(async () => (await app.backend.call('jobs:list', {})).find((job) => job.kind === 'export')?.state).toBe('done')
    expect(jobs.some((job) => job.kind === 'export')).toBe(true)
  })

  it('exports two images Ctrl+clicked in the grid, with a quality preset and their original files', async () => {
    const session = app.backend.currentProject!
    await page.goto(app.shell.url)
    const cells = page.getByTestId('grid-cell')
    await cells.nth(3).waitFor()
    await cells.nth(1).click({ modifiers: ['Control'] })
    await cells.nth(3).click({ modifiers: ['Control'] })
    const chosen = [Number(await cells.nth(1).getAttribute('data-image-id')), Number(await cells.nth(3).getAttribute('data-image-id'))]
    // Selecting opens nothing: still the grid, two cells marked, the bar counting them.
    expect(await page.getByTestId('exchange-dialog').count()).toBe(0)
    await expect.poll(() => page.locator('[data-testid=grid-cell][data-selected=true]').count()).toBe(2)
    await expect.poll(() => page.getByTestId('selection-count').innerText()).toBe('2 selected')
    await screenshot(page, '13-grid-selection')

    // The masks of the chosen images the export takes, without and with the High precision preset.
    const precise = TRIAGE_PRESETS['high-precision']
    const rows = session.db
      .prepare(
        `SELECT id, image_id AS imageId, predicted_iou AS iou, stability_score AS stability, area FROM masks
         WHERE image_id IN (?, ?) AND state IN ('accepted', 'auto_accepted') ORDER BY id`,
      )
      .all(...chosen) as { id: number; imageId: number; iou: number | null; stability: number | null; area: number }[]
    const kept = rows.filter(
      (row) => (row.iou ?? -1) >= precise.predictedIou && (row.stability ?? -1) >= precise.stability && row.area >= precise.minArea,
    )
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.length).toBeLessThan(rows.length)

    await page.getByTestId('export-selection').click()
    await expect.poll(() => page.getByTestId('export-images').inputValue()).toBe('selection')
    await page.getByTestId('format-sa1b').check()
    const on = (masks: readonly { imageId: number }[]) =>
      new Set(masks.map((row) => row.imageId)).size === 2 ? 'all' : `${new Set(masks.map((row) => row.imageId)).size} of the`
    await expect
      .poll(() => page.getByTestId('export-preview').innerText())
      .toBe(`Will write ${rows.length} masks on ${on(rows)} 2 selected images.`)
    await page.getByTestId('quality-preset').selectOption('high-precision')
    expect(await page.getByTestId('min-iou').inputValue()).toBe(String(precise.predictedIou))
    expect(await page.getByTestId('min-area').inputValue()).toBe(String(precise.minArea))
    await expect
      .poll(() => page.getByTestId('export-preview').innerText())
      .toBe(`Will write ${kept.length} masks on ${on(kept)} 2 selected images.`)
    await page.getByTestId('frame-original').check()
    await page.getByTestId('include-images').check()
    const out = join(app.dataDir, 'selection-sa1b')
    await page.getByTestId('export-target').fill(out)
    await screenshot(page, '14-export-selection-dialog')
    // Editing a threshold by hand makes the preset custom; putting it back keeps the same count.
    await page.getByTestId('min-area').fill(String(precise.minArea))
    expect(await page.getByTestId('quality-preset').inputValue()).toBe('custom')
    await page.getByTestId('exchange-submit').click()
    await expect.poll(() => existsSync(out), { timeout: 60_000 }).toBe(true)

    const files = (await readdir(out)).sort()
    const documents = await Promise.all(
      files
        .filter((file) => file.endsWith('.json'))
        .map(async (file) => JSON.parse(await readFile(join(out, file), 'utf8')) as Sa1bDocument),
    )
    expect(documents.map((document) => document.image.image_id).sort((a, b) => a - b)).toEqual([...chosen].sort((a, b) => a - b))
    expect(documents.flatMap((document) => document.annotations.map((annotation) => annotation.id)).sort((a, b) => a - b)).toEqual(
      kept.map((row) => row.id),
    )
    expect(files).toHaveLength(4)
    for (const document of documents) {
      // The original file beside its JSON, at the original size the masks were resampled to.
      expect(files).toContain(document.image.file_name)
      const meta = await sharp(join(out, document.image.file_name)).metadata()
      expect({ width: meta.width, height: meta.height }).toEqual({ width: document.image.width, height: document.image.height })
      expect(document.tessera.frame).toBe('original')
    }
    // Esc clears the selection once the dialog is gone.
    await expect.poll(() => page.getByTestId('exchange-dialog').count()).toBe(0)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('selection-bar').count()).toBe(0)
    // Shift+click adds the range from the last Ctrl+clicked image; Clear empties the selection.
    await cells.nth(5).click({ modifiers: ['Control'] })
    await cells.nth(8).click({ modifiers: ['Shift'] })
    await expect.poll(() => page.getByTestId('selection-count').innerText()).toBe('4 selected')
    const marked = await page
      .locator('[data-testid=grid-cell][data-selected=true]')
      .evaluateAll((found) => found.map((cell) => cell.getAttribute('data-image-id')))
    expect(marked).toEqual(await Promise.all([5, 6, 7, 8].map((index) => cells.nth(index).getAttribute('data-image-id'))))
    await page.getByTestId('clear-selection').click()
    await expect.poll(() => page.getByTestId('selection-bar').count()).toBe(0)
    expect(errors).toEqual([])
  })

  it('imports the bundle into a new project made from the same folder, masks identical', async () => {
    await app.backend.call('projects:create', { name: 'Second annotator', imageRoot: join(app.dataDir, 'demo-images') })
    const session = app.backend.currentProject!
    await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
    expect(accepted()).toEqual([])
    await page.reload()
    await expect.poll(() => page.getByTestId('project-name').innerText()).toContain('Second annotator')
    await page.getByTestId('open-import').click()
    await page.getByTestId('choose-import').click()
    const pathInput = page.getByLabel('Folder path')
    await expect.poll(() => pathInput.inputValue()).not.toBe('')
    await pathInput.fill(app.dataDir)
    await pathInput.press('Enter')
    await page.locator('[data-testid=pick-file]', { hasText: 'work-package.zip' }).click()
    await page.getByTestId('exchange-submit').click()
    await expect.poll(() => accepted().length, { timeout: 60_000 }).toBe(expected.length)
    expect(accepted()).toEqual([...expected].sort())
    expect(errors).toEqual([])
  })

  it('says why a bundle without images cannot be opened as a work package', async () => {
    await page.getByRole('button', { name: 'Tessera' }).click()
    await page.getByTestId('open-bundle').click()
    const pathInput = page.getByLabel('Folder path')
    await expect.poll(() => pathInput.inputValue()).not.toBe('')
    await pathInput.fill(app.dataDir)
    await pathInput.press('Enter')
    await page.locator('[data-testid=pick-file]', { hasText: 'work-package.zip' }).click()
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/carries no image files.*import the bundle/)
  })
})
