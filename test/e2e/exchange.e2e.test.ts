/**
 * Export and import in the browser: the demo project's true masks (as accepted masks, plus some
 * proposals) are exported as a filtered bundle through the export dialog, with the preview counting
 * exactly the filtered masks; the bundle is imported into a new project made from the same folder
 * through the import dialog, and the masks arrive identical.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDemoGroundTruth } from '../../src-main/core/demo/demo-project'
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
    await expect.poll(() => page.getByTestId('export-preview').innerText()).toBe(`Will write ${expected.length} masks of 4 images.`)
    bundle = join(app.dataDir, 'work-package.zip')
    await page.getByTestId('export-target').fill(bundle)
    await screenshot(page, '12-export-dialog')
    await page.getByTestId('exchange-submit').click()
    await expect.poll(() => existsSync(bundle), { timeout: 60_000 }).toBe(true)
    const jobs = await app.backend.call('jobs:list', {})
    await expect.poll(async () => (await app.backend.call('jobs:list', {})).find((job) => job.kind === 'export')?.state).toBe('done')
    expect(jobs.some((job) => job.kind === 'export')).toBe(true)
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
