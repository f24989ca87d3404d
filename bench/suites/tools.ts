/**
 * The manual tools as a person feels them, in the system Chromium through the web shell with the
 * bundled demo segmenter (real worker, real onnxruntime-node), on a 1500×1000 demo scene whose
 * embedding is cached:
 * - click → mask painted: from the pointer release to the frame that shows the model's mask;
 * - brush: from a pointer move of a stroke to the frame that shows the painted segment;
 * - undo: from the Ctrl+Z keydown (an undone brush stroke) to the frame that shows it gone.
 * Times are taken in the page (performance.now()) against the viewer's `data-rendered-at`, so the
 * CDP round trips of the driver are not counted. Needs `npm run build`.
 */
import type { Page } from 'playwright-core'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeMask, decompressRle } from '../../src-main/core/masks'
import { startApp } from '../../test/e2e/support/app-harness'
import { launchChromium, openPage } from '../../test/e2e/support/browser'
import { maskCentroid } from '../../test/support/mask-geometry'
import { peakRssMb, percentile, round, type BenchSuite } from '../report'

const SCENE = 'scene-01.jpg'
const CLICKS = Number(process.env.BENCH_TOOLS_CLICKS ?? 30)
const STROKE_SEGMENTS = 60
const UNDOS = 20
const HOST = `document.querySelector('[data-testid=image-canvas]')`

/**
 * In the page: dispatches a click (pointerdown + pointerup) at client (x, y) on the canvas and
 * resolves with the ms until a frame was drawn after the overlay's paint count changed.
 */
function clickProbe(x: number, y: number, button: number): string {
  return `new Promise((resolve) => {
    const host = ${HOST}
    const canvas = host.querySelector('canvas')
    const before = host.dataset.paintCount
    const init = { clientX: ${x}, clientY: ${y}, button: ${button}, buttons: ${button === 2 ? 2 : 1}, pointerId: 1, isPrimary: true, bubbles: true }
    canvas.dispatchEvent(new PointerEvent('pointerdown', init))
    const started = performance.now()
    canvas.dispatchEvent(new PointerEvent('pointerup', { ...init, buttons: 0 }))
    const tick = () => {
      if (host.dataset.paintCount !== before && Number(host.dataset.renderedAt) >= started)
        return resolve({ ms: Number(host.dataset.renderedAt) - started })
      if (performance.now() - started > 20000) return resolve({ error: 'no repaint within 20 s' })
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })`
}

/** In the page: one brush stroke of `segments` moves; resolves with per-move ms to the drawn frame and frames waited. */
function strokeProbe(x: number, y: number, dx: number, segments: number): string {
  return `(async () => {
    const host = ${HOST}
    const canvas = host.querySelector('canvas')
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve))
    const base = { pointerId: 1, isPrimary: true, bubbles: true, button: 0 }
    canvas.dispatchEvent(new PointerEvent('pointerdown', { ...base, clientX: ${x}, clientY: ${y}, buttons: 1 }))
    await frame()
    const ms = []
    const frames = []
    for (let i = 1; i <= ${segments}; i++) {
      const started = performance.now()
      canvas.dispatchEvent(new PointerEvent('pointermove', { ...base, clientX: ${x} + i * ${dx}, clientY: ${y} + Math.sin(i / 5) * 20, buttons: 1 }))
      let waited = 0
      while (!(Number(host.dataset.renderedAt) >= started) && waited < 60) { await frame(); waited++ }
      ms.push(Number(host.dataset.renderedAt) - started)
      frames.push(waited)
    }
    canvas.dispatchEvent(new PointerEvent('pointerup', { ...base, clientX: ${x} + ${segments} * ${dx}, clientY: ${y}, buttons: 0 }))
    await frame()
    return { ms, frames }
  })()`
}

/** In the page: Ctrl+Z as a keydown on the window; resolves with ms and frames until a frame was drawn after a repaint. */
const UNDO_PROBE = `new Promise((resolve) => {
  const host = ${HOST}
  const before = host.dataset.paintCount
  const started = performance.now()
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', code: 'KeyZ', ctrlKey: true, bubbles: true }))
  let frames = 0
  const tick = () => {
    frames++
    if (host.dataset.paintCount !== before && Number(host.dataset.renderedAt) >= started)
      return resolve({ ms: Number(host.dataset.renderedAt) - started, frames })
    if (frames > 600) return resolve({ error: 'no repaint within 600 frames' })
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
})`

async function clientOf(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const host = page.getByTestId('image-canvas')
  const [scale, offsetX, offsetY] = ((await host.getAttribute('data-camera')) ?? '').split(' ').map(Number) as [number, number, number]
  const box = (await host.boundingBox())!
  return { x: box.x + offsetX + x * scale, y: box.y + offsetY + y * scale }
}

export const toolsSuite: BenchSuite = async () => {
  const app = await startApp()
  const browser = await launchChromium()
  try {
    const { page, errors } = await openPage(browser)
    await page.goto(app.shell.url)
    await page.getByTestId('open-demo').click()
    await page.locator(`[data-testid=grid-cell][title="${SCENE}"]`).click()
    const truth = JSON.parse(await readFile(join(app.dataDir, 'demo-images', 'ground-truth.json'), 'utf8')) as Record<
      string,
      { width: number; objects: { parentId: number | null; area: number; segmentation: { size: [number, number]; counts: string } }[] }
    >
    const scene = truth[SCENE]!
    const targets = scene.objects
      .filter((object) => object.parentId === null && object.area > 2000)
      .map((object) => maskCentroid(decodeMask(decompressRle(object.segmentation)), scene.width)!)
    process.stderr.write('waiting for the embedding…\n')
    await page.getByTestId('embedding-state').and(page.locator('[data-state=ready]')).waitFor({ timeout: 120_000 })
    await page.getByTestId('hover-preview').uncheck() // previews would repaint under the measured clicks
    await page.keyboard.press('s')
    await page.waitForTimeout(300)

    process.stderr.write(`${CLICKS} clicks…\n`)
    const clickMs: number[] = []
    for (let i = 0; i < CLICKS; i++) {
      const target = targets[i % targets.length]!
      const at = await clientOf(page, target.x, target.y)
      const result = await page.evaluate<{ ms?: number; error?: string }>(clickProbe(at.x, at.y, 0))
      if (result.ms === undefined) throw new Error(`click ${i}: ${result.error}`)
      clickMs.push(result.ms)
      await page.keyboard.press('Escape') // a fresh object each time (first click, no refinement)
      await page.waitForTimeout(50)
    }

    process.stderr.write('brush strokes…\n')
    const first = targets[0]!
    const at = await clientOf(page, first.x, first.y)
    await page.evaluate(clickProbe(at.x, at.y, 0)) // an object to brush on
    await page.keyboard.press('b')
    const strokes: { ms: number[]; frames: number[] }[] = []
    for (let stroke = 0; stroke < UNDOS; stroke++)
      strokes.push(await page.evaluate<{ ms: number[]; frames: number[] }>(strokeProbe(at.x - 150, at.y - 60 + stroke * 6, 5, STROKE_SEGMENTS / 4)))
    // One long stroke for the per-segment figure.
    strokes.push(await page.evaluate<{ ms: number[]; frames: number[] }>(strokeProbe(at.x - 150, at.y + 80, 5, STROKE_SEGMENTS)))
    const brushMs = strokes.flatMap((stroke) => stroke.ms)
    const brushFrames = strokes.flatMap((stroke) => stroke.frames)

    process.stderr.write('undo…\n')
    const undoMs: number[] = []
    const undoFrames: number[] = []
    for (let i = 0; i < UNDOS; i++) {
      const result = await page.evaluate<{ ms?: number; frames?: number; error?: string }>(UNDO_PROBE)
      if (result.ms === undefined) throw new Error(`undo ${i}: ${result.error}`)
      undoMs.push(result.ms)
      undoFrames.push(result.frames!)
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`)

    const p = (values: number[], q: number) => round(percentile(values, q))
    const json = {
      click_to_paint_p50_ms: p(clickMs, 50),
      click_to_paint_p95_ms: p(clickMs, 95),
      brush_segment_p50_ms: p(brushMs, 50),
      brush_segment_p95_ms: p(brushMs, 95),
      brush_segment_p95_frames: percentile(brushFrames, 95),
      undo_p50_ms: p(undoMs, 50),
      undo_p95_ms: p(undoMs, 95),
      undo_p95_frames: percentile(undoFrames, 95),
      peak_rss_mb: round(peakRssMb(), 1),
    }
    return {
      rows: [
        { metric: 'clicks measured', value: CLICKS, unit: 'clicks', note: `${SCENE}, 1500×1000, demo segmenter, embedding cached` },
        { metric: 'click → mask painted p50', value: json.click_to_paint_p50_ms, unit: 'ms', note: 'pointer release → frame drawn' },
        { metric: 'click → mask painted p95', value: json.click_to_paint_p95_ms, unit: 'ms', note: 'target ≤ 50 ms' },
        { metric: 'brush segment p50', value: json.brush_segment_p50_ms, unit: 'ms', note: `${brushMs.length} pointer moves` },
        { metric: 'brush segment p95', value: json.brush_segment_p95_ms, unit: 'ms', note: 'pointer move → frame drawn' },
        { metric: 'brush segment p95', value: json.brush_segment_p95_frames, unit: 'frames', note: 'target: within one frame' },
        { metric: 'undo p50', value: json.undo_p50_ms, unit: 'ms', note: `${UNDOS} undone strokes` },
        { metric: 'undo p95', value: json.undo_p95_ms, unit: 'ms', note: 'Ctrl+Z → frame drawn' },
        { metric: 'undo p95', value: json.undo_p95_frames, unit: 'frames', note: 'target: within one frame' },
        { metric: 'peak RSS (bench process)', value: json.peak_rss_mb, unit: 'MiB' },
      ],
      json,
    }
  } finally {
    await browser.close()
    await app.close()
  }
}
