/**
 * Proposals in the browser: run the automatic mask generator over a small folder project with the
 * demo segmenter, see per-image counts in the grid, see the proposals drawn by triage state in the
 * image view, and re-triage instantly by changing the preset.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateScene } from '../../src-main/core/demo/synthetic-scene'
import { createProject, startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'

let app: AppHarness
let browser: Browser
let page: Page
let folder: string
let errors: string[]

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tessera-e2e-proposals-'))
  for (const index of [0, 1]) {
    const scene = generateScene(300 + index, 400, 300, 5)
    await writeFile(
      join(folder, `scene-${index}.png`),
      await sharp(scene.rgb, { raw: { width: 400, height: 300, channels: 3 } })
        .png()
        .toBuffer(),
    )
  }
  app = await startApp()
  await createProject(app, 'Proposals', folder)
  browser = await launchChromium()
  ;({ page, errors } = await openPage(browser))
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await rm(folder, { recursive: true, force: true })
})

describe('proposals', () => {
  it('runs over the project and shows per-image counts in the grid', async () => {
    await page.goto(app.shell.url)
    await page.getByTestId('propose-all').click()
    await expect.poll(() => page.getByTestId('proposal-counts').count(), { timeout: 150_000 }).toBe(2)
    await expect.poll(() => page.getByTestId('triage-counts').innerText(), { timeout: 30_000 }).toMatch(/[1-9]\d* auto-accepted/)
    await screenshot(page, '10-grid-proposals')
  })

  it('draws the image’s proposals by state and re-triages when the preset changes', async () => {
    const before = await page.getByTestId('triage-counts').innerText()
    await page.locator('[data-testid=grid-cell][title="scene-0.png"]').click()
    await expect.poll(() => page.getByTestId('mask-row').count()).toBeGreaterThan(0)
    await page.waitForTimeout(300)
    await screenshot(page, '11-image-proposals')
    await page.keyboard.press('Escape')
    await page.getByTestId('triage-preset').selectOption('high-precision')
    await expect.poll(() => page.getByTestId('triage-counts').innerText()).not.toBe(before)
    const session = app.backend.currentProject!
    const settings = (await app.backend.call('proposals:triage', {})).settings
    expect(settings.preset).toBe('high-precision')
    // Re-triage changed states only: the number of stored proposals is the same.
    const count = (text: string) =>
      text
        .match(/\d+/g)!
        .map(Number)
        .reduce((a, b) => a + b, 0)
    expect(count(await page.getByTestId('triage-counts').innerText())).toBe(count(before))
    expect(session.jobs.list().filter((job) => job.kind === 'propose')).toHaveLength(1)
    expect(errors).toEqual([])
  })
})
