/**
 * Proposals in the browser: run the automatic mask generator over a small folder project with the
 * demo segmenter, see per-image counts in the grid, see the proposals drawn by triage state in the
 * image view, and re-triage instantly by changing the preset or editing custom thresholds (with the
 * fields validated, and a person's decision left alone).
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
      [...text.matchAll(/(\d+) (auto-accepted|need review|discarded)/g)].map((match) => Number(match[1])).reduce((a, b) => a + b, 0)
    expect(count(await page.getByTestId('triage-counts').innerText())).toBe(count(before))
    expect(session.jobs.list().filter((job) => job.kind === 'propose')).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it('edits custom thresholds: counts re-triage at once, bad values are explained, a person’s decision stays', async () => {
    const session = app.backend.currentProject!
    const imageId = session.images.all()[0]!.id
    // A person decides one proposal first: re-triage must leave it accepted.
    const decided = (await app.backend.call('masks:list', { imageId, states: ['proposed', 'auto_accepted'] }))[0]!
    await app.backend.call('masks:decide', { imageId, decisions: [{ maskId: decided.id, state: 'accepted' }] })
    await page.getByTestId('triage-preset').selectOption('high-precision') // refreshes the counts after the decision
    await expect.poll(async () => (await app.backend.call('proposals:triage', {})).counts.review).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('triage-counts').innerText()).toMatch(/[1-9]\d* need review/)
    /** The three counts shown (auto, review, discarded), without what the last change moved. */
    const shown = async () =>
      [...(await page.getByTestId('triage-counts').innerText()).matchAll(/(\d+) (auto-accepted|need review|discarded)/g)].map((m) =>
        Number(m[1]),
      )
    const before = await shown()

    await page.getByTestId('triage-preset').selectOption('custom')
    await expect.poll(async () => (await app.backend.call('proposals:triage', {})).settings.preset).toBe('custom')
    expect(await shown()).toEqual(before) // same thresholds, same counts
    // Auto-accept thresholds down to the review floor: the review band empties, without a model run.
    await page.getByTestId('triage-autoIou').fill('0.5')
    await page.getByTestId('triage-autoStability').fill('0.5')
    await page.getByTestId('triage-autoArea').fill('10')
    await expect.poll(() => page.getByTestId('triage-counts').innerText()).toMatch(/(^|\s)0 need review/)
    const after = await shown()
    expect(after[0]).toBe(before[0]! + before[1]!) // every proposal in review is now auto-accepted
    expect(after[2]).toBe(before[2])
    // Each count shows what the edits moved.
    expect(await page.locator('.count.auto [data-testid=triage-moved]').innerText()).toBe(`+${before[1]}`)
    expect(await page.locator('.count.review [data-testid=triage-moved]').innerText()).toBe(`−${before[1]}`)
    const custom = (await app.backend.call('proposals:triage', {})).settings
    expect(custom).toEqual({
      preset: 'custom',
      auto: { predictedIou: 0.5, stability: 0.5, minArea: 10 },
      review: { predictedIou: 0.5, stability: 0.5, minArea: 10 },
      maxAreaFraction: 0.95,
    })
    expect(await page.getByTestId('triage-preset').inputValue()).toBe('custom')

    // A review floor above auto-accept is explained next to the field and never sent.
    await page.getByTestId('triage-reviewIou').fill('0.7')
    await expect.poll(() => page.getByTestId('triage-errors').innerText()).toMatch(/Review floor above auto-accept \(0\.5\)/)
    expect(await page.getByTestId('triage-reviewIou').getAttribute('aria-invalid')).toBe('true')
    await page.getByTestId('triage-maxAreaPercent').fill('abc')
    await expect.poll(() => page.getByTestId('triage-errors').innerText()).toMatch(/Max area: Enter a number/)
    await page.waitForTimeout(400) // longer than the edit delay: nothing may have been sent
    expect((await app.backend.call('proposals:triage', {})).settings).toEqual(custom)
    await screenshot(page, '12-triage-custom')
    // Escape goes back to what is stored.
    await page.getByTestId('triage-maxAreaPercent').press('Escape')
    await expect.poll(() => page.getByTestId('triage-errors').count()).toBe(0)
    expect(await page.getByTestId('triage-reviewIou').inputValue()).toBe('0.5')

    const stored = await app.backend.call('masks:list', { imageId })
    expect(stored.find((mask) => mask.id === decided.id)?.state).toBe('accepted')
    expect(session.jobs.list().filter((job) => job.kind === 'propose')).toHaveLength(1)
    expect(errors).toEqual([])
  })
})
