/**
 * Preferences through the web shell: the home screen asks once who is working; the top bar's chip
 * opens Preferences, where a bad name is refused next to the field and a good one shows in the top
 * bar at once; a decision made in the workspace afterwards is recorded under the new name; the name
 * survives a reload; the keyboard section opens the shortcuts overlay; the light theme is applied,
 * kept across a reload, and the grid, workspace, export dialog and dashboard are shot in it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compressRle, encodeMask } from '../../src-main/core/masks'
import { MaskRepository } from '../../src-main/core/project/mask-repository'
import { createProject, startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'
import { makeImageFolder } from './support/image-folder'

let app: AppHarness
let browser: Browser
let page: Page
let folder: string
let pageErrors: string[]
/** The first image (in grid order) and the two masks waiting for review on it. */
let imageId: number
let imageName: string
let maskIds: number[]

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tessera-e2e-prefs-'))
  await makeImageFolder(folder, 4)
  app = await startApp()
  await createProject(app, 'Field survey', folder)
  const [image] = (await app.backend.call('images:list', { offset: 0, limit: 10 })).items
  if (!image) throw new Error('no image imported')
  imageId = image.id
  imageName = image.relPath
  const { annotationWidth: width, annotationHeight: height } = image
  // Two squares waiting for review (row-major bitmaps, as encodeMask takes them).
  const rectangle = (x0: number, y0: number, size: number) => {
    const bitmap = new Uint8Array(width * height)
    for (let y = y0; y < y0 + size; y++) bitmap.fill(1, y * width + x0, y * width + x0 + size)
    return compressRle(encodeMask(bitmap, height, width))
  }
  maskIds = new MaskRepository(app.backend.currentProject!.db).insertMany([
    { imageId, rle: rectangle(10, 10, 60), source: 'auto', state: 'proposed', predictedIou: 0.8, stabilityScore: 0.9, actor: 'model' },
    { imageId, rle: rectangle(100, 60, 50), source: 'auto', state: 'proposed', predictedIou: 0.85, stabilityScore: 0.9, actor: 'model' },
  ])
  browser = await launchChromium()
  ;({ page, errors: pageErrors } = await openPage(browser))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await rm(folder, { recursive: true, force: true })
})

const topBarName = () => page.getByTestId('person-name').innerText()

describe('preferences', () => {
  it('asks once on the home screen who is working, without blocking anything', async () => {
    await page.goto(app.shell.url)
    await expect.poll(topBarName).toBe('e2e-annotator')
    await page.locator('.topbar .brand').click()
    const banner = page.getByTestId('identity-banner')
    await expect.poll(() => banner.innerText()).toContain('You are working as e2e-annotator')
    // The rest of the home screen works with the banner shown.
    expect(await page.getByTestId('open-demo').isEnabled()).toBe(true)
    await screenshot(page, '55-home-identity')
    await page.getByTestId('identity-change').click()
    await expect.poll(() => page.getByTestId('preferences-screen').isVisible()).toBe(true)
    expect(await page.getByTestId('person-name-input').inputValue()).toBe('e2e-annotator')
  })

  it('refuses a bad name next to the field, saves a good one and shows it in the top bar', async () => {
    const input = page.getByTestId('person-name-input')
    await input.fill('x'.repeat(65))
    await page.getByTestId('person-name-save').click()
    await expect.poll(() => page.getByTestId('person-name-error').innerText()).toMatch(/at most 64 characters/)
    expect(await topBarName()).toBe('e2e-annotator')
    // The backend refuses it too, with its own specific error (not only the form).
    await expect(app.backend.call('preferences:set', { name: 'a\u0007b' })).rejects.toMatchObject({ code: 'invalid_name' })

    await input.fill('  Ada Lovelace ')
    expect(await page.getByTestId('person-name-error').count()).toBe(0)
    await page.getByTestId('person-name-save').click()
    await expect.poll(topBarName).toBe('Ada Lovelace')
    await expect.poll(() => page.getByTestId('person-name-saved').innerText()).toContain('Ada Lovelace')
    expect((await app.backend.call('preferences:get', {})).name).toBe('Ada Lovelace')
  })

  it('opens the shortcuts overlay from the keyboard section', async () => {
    await page.getByTestId('open-shortcuts').click()
    await expect.poll(() => page.getByTestId('shortcuts-overlay').isVisible()).toBe(true)
    expect(await page.getByTestId('binding-accept').innerText()).toContain('A')
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('shortcuts-overlay').count()).toBe(0)
    expect(await page.getByTestId('preferences-provider').innerText()).toMatch(/Demo segmenter/)
  })

  it('records a decision made in the workspace under the new name', async () => {
    await page.getByTestId('project-name').click()
    await page.locator(`[data-testid=grid-cell][title="${imageName}"]`).click()
    await expect.poll(() => page.getByTestId('image-title').innerText()).toBe(imageName)
    await expect.poll(async () => Number(await page.getByTestId('queue-remaining').innerText())).toBe(2)
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('a')
    await expect.poll(async () => Number(await page.getByTestId('queue-remaining').innerText())).toBe(1)
    const events = app.backend
      .currentProject!.db.prepare("SELECT actor, entity_id FROM events WHERE kind = 'mask:state' AND entity = 'mask' ORDER BY id")
      .all() as { actor: string; entity_id: number }[]
    expect(events).toHaveLength(1)
    expect(maskIds).toContain(events[0]!.entity_id)
    expect(events[0]!.actor).toBe('Ada Lovelace')
  })

  it('keeps the name across a reload, and does not ask again', async () => {
    await page.reload()
    await expect.poll(topBarName).toBe('Ada Lovelace')
    await page.locator('.topbar .brand').click()
    await expect.poll(() => page.getByText('Recent projects').isVisible()).toBe(true)
    expect(await page.getByTestId('identity-banner').count()).toBe(0)
  })

  it('offers the saved name as the reviewer of an audit', async () => {
    await page.reload()
    await page.getByTestId('nav-audit').click()
    await expect.poll(() => page.getByTestId('reviewer-name').inputValue()).toBe('Ada Lovelace')
  })

  it('switches to the light theme, keeps it across a reload, and every screen stays legible', async () => {
    await page.getByTestId('preferences-chip').click()
    await page.getByTestId('theme-light').check()
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light')
    // The theme's colours are applied, not only the attribute.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(238, 240, 243)')
    await page.waitForTimeout(300) // buttons fade their colours for 80 ms
    await screenshot(page, '50-preferences')

    await page.reload()
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light')
    await page.getByTestId('project-name').click()
    await expect.poll(() => page.getByTestId('grid-cell').count()).toBe(4)
    await page.locator(`[data-testid=grid-cell][title="${imageName}"] img`).waitFor()
    await screenshot(page, '51-light-grid')

    await page.getByTestId('open-export').click()
    await expect.poll(() => page.getByTestId('export-preview').innerText()).toMatch(/\d/)
    await screenshot(page, '53-light-export')
    await page.keyboard.press('Escape')

    await page.locator(`[data-testid=grid-cell][title="${imageName}"]`).click()
    await expect.poll(() => page.getByTestId('image-title').innerText()).toBe(imageName)
    await expect.poll(async () => Number(await page.getByTestId('queue-remaining').innerText())).toBe(1)
    await page.waitForTimeout(500) // the first frame of the canvas
    await screenshot(page, '52-light-workspace')

    await page.getByTestId('nav-dashboard').click()
    await page.waitForTimeout(800)
    await screenshot(page, '54-light-dashboard')

    await page.getByTestId('nav-audit').click()
    await page.waitForTimeout(500)
    await screenshot(page, '56-light-audit')

    await page.getByTestId('preferences-chip').click()
    await page.getByTestId('theme-dark').check()
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    expect(pageErrors).toEqual([])
  })
})
