/**
 * The models screen: the bundled demo segmenter is listed and active; a SAM 2 pair (generated probe
 * model with SAM 2's exact ONNX signature) is added through the file chooser and recognised from its
 * graphs; a corrupt encoder is refused with a specific message and nothing is added; the demo
 * segmenter can be made active again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProbeModel } from '../../src-main/core/segmentation/probe-models/build-probe-models'
import { createProject, startApp, type AppHarness } from './support/app-harness'
import { launchChromium, openPage, screenshot } from './support/browser'
import { makeImageFolder } from './support/image-folder'

let app: AppHarness
let browser: Browser
let page: Page
let modelDir: string
let imageDir: string
let errors: string[]

beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-models-'))
  imageDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-model-images-'))
  await makeImageFolder(imageDir, 3)
  const probe = buildProbeModel('sam2')
  await writeFile(join(modelDir, 'sam2.1_tiny.encoder.onnx'), probe.encoder)
  await writeFile(join(modelDir, 'sam2.1_tiny.decoder.onnx'), probe.decoder)
  await writeFile(join(modelDir, 'broken.encoder.onnx'), probe.encoder.subarray(0, 200))
  app = await startApp()
  await createProject(app, 'Models', imageDir)
  browser = await launchChromium()
  ;({ page, errors } = await openPage(browser))
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await rm(modelDir, { recursive: true, force: true })
  await rm(imageDir, { recursive: true, force: true })
})

async function chooseFile(button: string, name: string): Promise<void> {
  await page.getByTestId(button).click()
  const pathInput = page.getByLabel('Folder path')
  await expect.poll(() => pathInput.inputValue()).not.toBe('') // the first folder has loaded
  await pathInput.fill(modelDir)
  await pathInput.press('Enter')
  await page.locator('[data-testid=pick-file]', { hasText: name }).click()
}

describe('models', () => {
  it('lists the bundled demo segmenter as active', async () => {
    await page.goto(app.shell.url)
    await page.getByTestId('model-chip').click()
    await expect.poll(() => page.getByTestId('model-list').innerText()).toContain('Demo segmenter')
    expect(await page.locator('[data-testid=model-list] li.active').count()).toBe(1)
  })

  it('refuses a corrupt encoder with a specific message and adds nothing', async () => {
    await chooseFile('pick-encoder', 'broken.encoder.onnx')
    await chooseFile('pick-decoder', 'sam2.1_tiny.decoder.onnx')
    await page.getByTestId('add-model').click()
    await expect.poll(() => page.getByTestId('add-model-error').innerText(), { timeout: 30_000 }).toMatch(/broken\.encoder\.onnx/)
    expect(await page.getByTestId('add-model-error').innerText()).toMatch(/not a valid ONNX|corrupt|truncated/i)
    expect(await page.locator('[data-testid=model-list] li').count()).toBe(1)
  })

  it('adds a SAM 2 pair, recognised from its graphs, and shows where it runs', async () => {
    await chooseFile('pick-encoder', 'sam2.1_tiny.encoder.onnx')
    await page.getByTestId('add-model').click()
    await expect.poll(() => page.locator('[data-testid=model-list] li').count(), { timeout: 30_000 }).toBe(2)
    expect(await page.getByTestId('model-list').innerText()).toContain('SAM 2 / 2.1')
    await page.locator('[data-testid=model-list] li', { hasText: 'SAM 2' }).getByRole('button', { name: 'Use' }).click()
    await expect.poll(() => page.getByTestId('provider').innerText(), { timeout: 30_000 }).toBe('CPU')
    await expect.poll(() => page.getByTestId('model-chip').innerText()).toContain('SAM 2')
    await screenshot(page, '09-models')
    await page.locator('[data-testid=model-list] li', { hasText: 'Demo segmenter' }).getByRole('button', { name: 'Use' }).click()
    await expect.poll(() => page.getByTestId('model-chip').innerText()).toContain('Demo segmenter')
    expect(errors).toEqual([])
  })
})
