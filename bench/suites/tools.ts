/**
 * The manual tools as a person feels them, in the system Chromium through the web shell with the
 * bundled demo segmenter (real worker, real onnxruntime-node), on a 1500×1000 demo scene whose
 * embedding is cached:
 * - click → mask painted: from the pointer release to the frame that shows the model's mask, split
 *   into the answer reaching the page (the predict's result message dispatched) and the renderer's
 *   work after it (decode, composite, draw, commit);
 * - brush: from a pointer move of a stroke to the frame that shows the painted segment;
 * - undo: from the Ctrl+Z keydown (an undone brush stroke) to the frame that shows it gone.
 * Times are taken in the page (performance.now()), so the CDP round trips of the driver are not
 * counted. A frame counts once the page has handed it to the compositor (the viewer's
 * `data-committed-at`, a task after the frame's commit): with WebGL under software compositing that
 * commit waits for the GPU process to draw and read the canvas back, which `data-rendered-at`
 * (app.render() returned) does not see. Both are reported. `BENCH_TOOLS_RENDERER=webgl|canvas`
 * forces the canvas's renderer (default: the app's choice). Needs `npm run build`.
 */
import type { Page } from 'playwright-core'
import { join } from 'node:path'
import { readDemoGroundTruth } from '../../src-main/core/demo/demo-project'
import { decodeMask, decompressRle } from '../../src-main/core/masks'
import { startApp } from '../../test/e2e/support/app-harness'
import { launchChromium, openPage } from '../../test/e2e/support/browser'
import { maskCentroid } from '../../test/support/mask-geometry'
import { peakRssMb, percentile, round, type BenchRow, type BenchSuite } from '../report'

const SCENE = 'scene-01.jpg'
const CLICKS = Number(process.env.BENCH_TOOLS_CLICKS ?? 30)
/** Clicks held down this long, as a hand does (~80–120 ms): the prompt is asked for at the press. */
const HELD_CLICKS = Math.ceil(CLICKS / 2)
const PRESS_MS = Number(process.env.BENCH_TOOLS_PRESS_MS ?? 80)
/** Clicks where the cursor rested first with the hover preview on (its answer is the first click's). */
const RESTED_CLICKS = Math.ceil(CLICKS / 3)
const REST_MS = 300
const STROKE_SEGMENTS = 60
const UNDOS = 20
const HOST = `document.querySelector('[data-testid=image-canvas]')`
/** The model's candidates listed in the segment panel: the answer has landed. */
const CANDIDATES_LISTED = '[data-testid=candidate]'

/**
 * Before the app loads: timestamps every request result the page's WebSocket dispatches (this
 * listener is registered before the app's own handler, so it runs first).
 */
const RESULT_CLOCK = `(() => {
  const Native = window.WebSocket
  window.__results = []
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args)
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string' && event.data.startsWith('{"type":"result"')) window.__results.push(performance.now())
      })
    }
  }
})()`

interface ProbeResult {
  /** Event → frame drawn (app.render() returned). */
  drawn?: number
  /** Event → that frame handed to the compositor. */
  committed?: number
  /** Event → the last request result dispatched before that frame (click only). */
  answered?: number
  /** Frames that began after the event and went out without the change (0: the first frame after it showed it). */
  framesLate?: number
  error?: string
}

/**
 * In the page: waits for the next `type` event (real input from the driver) and resolves with the ms
 * from its dispatch to the first frame drawn after the overlay's paint count changed (and to its
 * commit), and how many frames late that was.
 */
function afterEventProbe(type: 'pointerup' | 'keydown', readySelector: string | null = null): string {
  return `new Promise((resolve) => {
    const host = ${HOST}
    const before = host.dataset.paintCount
    const listener = (event) => {
      // A chord's modifier arrives as a keydown of its own first (Control of Ctrl+Z): the chord starts with its key.
      if (['Control', 'Shift', 'Alt', 'Meta'].includes(event.key)) return
      window.removeEventListener('${type}', listener, { capture: true })
      // Capture on the window runs before the app's own handlers. (Not event.timeStamp: for input
      // injected through CDP its clock is not performance.now()'s.)
      const started = performance.now()
      // With a selector: only a frame drawn after it matched counts (a click's other paints, such as
      // the hover preview going, are not the mask).
      const selector = ${JSON.stringify(readySelector)}
      let readyAt = selector === null ? started : null
      if (selector !== null) {
        const observer = new MutationObserver(() => {
          if (readyAt !== null || !document.querySelector(selector)) return
          readyAt = performance.now()
          observer.disconnect()
        })
        observer.observe(document.body, { childList: true, subtree: true })
      }
      let frames = 0
      const begun = []
      const committed = (drawn) => {
        if (!(Number(host.dataset.committedAt) >= drawn)) return setTimeout(() => committed(drawn), 0)
        const answers = window.__results.filter((at) => at >= started && at <= drawn)
        resolve({
          drawn: drawn - started,
          committed: Number(host.dataset.committedAt) - started,
          answered: answers.length > 0 ? answers[answers.length - 1] - started : undefined,
          framesLate: Math.max(0, begun.filter((t) => t > started && t <= drawn).length - 1),
        })
      }
      const tick = (t) => {
        frames++
        begun.push(t)
        const drawn = Number(host.dataset.renderedAt)
        if (host.dataset.paintCount !== before && readyAt !== null && drawn >= started && drawn >= readyAt) return committed(drawn)
        if (frames > 120) return resolve({ error: 'no repaint within 120 frames' })
        requestAnimationFrame(tick)
      }
      requestAnimationFrame(tick)
    }
    window.addEventListener('${type}', listener, { capture: true })
  })`
}

/** In the page: records pointer-move timestamps and each frame's last draw time, until STROKE_STOP. */
const STROKE_START = `(() => {
  const host = ${HOST}
  const record = { moves: [], frames: [], renders: [], commits: [], running: true }
  window.__stroke = record
  window.addEventListener('pointermove', () => record.running && record.moves.push(performance.now()), { capture: true })
  const tick = (t) => {
    if (!record.running) return
    record.frames.push(t)
    record.renders.push(Number(host.dataset.renderedAt))
    record.commits.push(Number(host.dataset.committedAt))
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
})()`

/** Per move: ms until the first frame drawn after it (and until its commit), and how many frames late that was. */
const STROKE_STOP = `(() => {
  const record = window.__stroke
  record.running = false
  const ms = []
  const committed = []
  const frames = []
  for (const at of record.moves) {
    const k = record.renders.findIndex((drawn) => drawn >= at)
    if (k < 0) continue
    ms.push(record.renders[k] - at)
    const c = record.commits.find((time) => time >= record.renders[k])
    if (c !== undefined) committed.push(c - at)
    frames.push(Math.max(0, record.frames.filter((t) => t > at && t <= record.renders[k]).length - 1))
  }
  return { ms, committed, frames }
})()`

async function clientOf(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const host = page.getByTestId('image-canvas')
  const [scale, offsetX, offsetY] = ((await host.getAttribute('data-camera')) ?? '').split(' ').map(Number) as [number, number, number]
  const box = (await host.boundingBox())!
  return { x: box.x + offsetX + x * scale, y: box.y + offsetY + y * scale }
}

/** The p50 row (with the note) and the p95 row of one latency, in ms. */
function percentileRows(metric: string, p50: number, p95: number, note: string): BenchRow[] {
  return [
    { metric: `${metric} p50`, value: p50, unit: 'ms', note },
    { metric: `${metric} p95`, value: p95, unit: 'ms' },
  ]
}

export const toolsSuite: BenchSuite = async () => {
  const app = await startApp()
  const browser = await launchChromium()
  try {
    const { page, errors } = await openPage(browser)
    page.on('crash', () => process.stderr.write('the page crashed\n'))
    await page.addInitScript(RESULT_CLOCK)
    const forced = process.env.BENCH_TOOLS_RENDERER
    if (forced) await page.addInitScript(`localStorage.setItem('tessera.renderer', ${JSON.stringify(forced)})`)
    await page.goto(app.shell.url)
    await page.getByTestId('open-demo').click()
    await page.locator(`[data-testid=grid-cell][title="${SCENE}"]`).click()
    const truth = await readDemoGroundTruth(join(app.dataDir, 'demo-images'))
    const scene = truth[SCENE]!
    const targets = scene.objects
      .filter((object) => object.parentId === null && object.area > 2000)
      .map((object) => maskCentroid(decodeMask(decompressRle(object.segmentation)), scene.width)!)
    process.stderr.write('waiting for the embedding…\n')
    await page.getByTestId('embedding-state').and(page.locator('[data-state=ready]')).waitFor({ timeout: 120_000 })
    // Opening an image proposes masks for the next one ahead of the person (a full AMG pass in the same
    // worker); measure with the worker otherwise idle, as the sam bench does.
    const session = app.backend.currentProject!
    for (const job of session.jobs.list()) if (job.state === 'running' || job.state === 'queued') session.jobs.cancel(job.id)
    await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id).catch(() => undefined)))
    await page.getByTestId('hover-preview').uncheck() // previews would repaint under the measured clicks
    await page.evaluate('document.activeElement && document.activeElement.blur()') // keys go to the workspace again
    await page.keyboard.press('s')
    await page.waitForTimeout(300)

    const renderer = (await page.getByTestId('image-canvas').getAttribute('data-renderer')) ?? 'webgl'
    process.stderr.write(`${CLICKS} clicks (${renderer} renderer)…\n`)
    /** Click → frame committed, → frame drawn, → answer in the page, and answer → frame committed. */
    const clickMs: number[] = []
    const clickDrawnMs: number[] = []
    const answeredMs: number[] = []
    const afterAnswerMs: number[] = []
    /** The predict request alone, as the renderer timed it (transport + worker + model). */
    const roundTripMs: number[] = []
    /** What drawing the frame that showed the mask cost (software WebGL here). */
    const renderMs: number[] = []
    /** What painting the mask into the overlay cost in that frame (composite, blend, upload). */
    const paintMs: number[] = []
    for (let i = 0; i < CLICKS; i++) {
      const target = targets[i % targets.length]!
      const at = await clientOf(page, target.x, target.y)
      await page.mouse.move(at.x, at.y)
      const probe = page.evaluate<ProbeResult>(afterEventProbe('pointerup', CANDIDATES_LISTED))
      await page.evaluate('0') // evaluations run in order: the probe's listener is in place now
      await page.mouse.down()
      await page.mouse.up()
      const result = await probe
      if (result.committed === undefined || result.drawn === undefined) throw new Error(`click ${i}: ${result.error}`)
      clickMs.push(result.committed)
      clickDrawnMs.push(result.drawn)
      if (result.answered !== undefined) {
        answeredMs.push(result.answered)
        afterAnswerMs.push(result.committed - result.answered)
      }
      roundTripMs.push(Number.parseFloat(await page.getByTestId('round-trip').innerText()))
      renderMs.push(Number(await page.getByTestId('image-canvas').getAttribute('data-render-ms')))
      paintMs.push(Number(await page.getByTestId('image-canvas').getAttribute('data-paint-ms')))
      // A fresh object each time (first click, no refinement). Backspace, not Esc: Esc on an empty object leaves the image.
      await page.keyboard.press('Backspace')
      await page.waitForTimeout(50)
    }

    process.stderr.write(`${HELD_CLICKS} clicks held ${PRESS_MS} ms…\n`)
    /** Release → frame committed for clicks held PRESS_MS (the model is asked at the press). */
    const heldMs: number[] = []
    for (let i = 0; i < HELD_CLICKS; i++) {
      const target = targets[(i + 1) % targets.length]!
      const at = await clientOf(page, target.x, target.y)
      await page.mouse.move(at.x, at.y)
      const probe = page.evaluate<ProbeResult>(afterEventProbe('pointerup', CANDIDATES_LISTED))
      await page.evaluate('0')
      await page.mouse.down()
      await page.waitForTimeout(PRESS_MS)
      await page.mouse.up()
      const result = await probe
      if (result.committed === undefined) throw new Error(`held click ${i}: ${result.error}`)
      heldMs.push(result.committed)
      await page.keyboard.press('Backspace')
      await page.waitForTimeout(50)
    }

    process.stderr.write(`${RESTED_CLICKS} clicks after resting ${REST_MS} ms with the hover preview on…\n`)
    /** Release → frame committed when the cursor rested on the spot first (the preview asked the model already). */
    const restedMs: number[] = []
    await page.getByTestId('hover-preview').check()
    await page.evaluate('document.activeElement && document.activeElement.blur()')
    for (let i = 0; i < RESTED_CLICKS; i++) {
      const target = targets[(i + 2) % targets.length]!
      const at = await clientOf(page, target.x, target.y)
      await page.mouse.move(at.x - 3, at.y - 3)
      await page.mouse.move(at.x, at.y)
      await page.waitForTimeout(REST_MS)
      const probe = page.evaluate<ProbeResult>(afterEventProbe('pointerup', CANDIDATES_LISTED))
      await page.evaluate('0')
      await page.mouse.down()
      await page.mouse.up()
      const result = await probe
      if (result.committed === undefined) throw new Error(`rested click ${i}: ${result.error}`)
      restedMs.push(result.committed)
      await page.keyboard.press('Backspace')
      await page.waitForTimeout(50)
    }
    await page.getByTestId('hover-preview').uncheck()
    await page.evaluate('document.activeElement && document.activeElement.blur()')

    // The same request from Node, to tell the transport and the page's own frames apart from the model.
    const imageId = (await app.backend.call('images:list', { offset: 0, limit: 20 })).items.find((image) => image.relPath === SCENE)!.id
    const directMs: number[] = []
    for (let i = 0; i < 10; i++) {
      const started = performance.now()
      await app.backend.call('segment:predict', { imageId, points: [{ x: targets[0]!.x, y: targets[0]!.y, label: 'positive' }] })
      directMs.push(performance.now() - started)
    }
    process.stderr.write('brush strokes…\n')
    const first = targets[0]!
    const at = await clientOf(page, first.x, first.y)
    await page.mouse.click(at.x, at.y) // an object to brush on
    await page.getByTestId('candidate').first().waitFor()
    await page.keyboard.press('b')
    await page.evaluate(STROKE_START)
    for (let stroke = 0; stroke < UNDOS; stroke++) {
      const y = at.y - 60 + stroke * 6
      await page.mouse.move(at.x - 150, y)
      await page.mouse.down()
      for (let step = 1; step <= STROKE_SEGMENTS / 4; step++) await page.mouse.move(at.x - 150 + step * 5, y + Math.sin(step / 5) * 20)
      await page.mouse.up()
    }
    const strokes = await page.evaluate<{ ms: number[]; committed: number[]; frames: number[] }>(STROKE_STOP)
    const brushMs = strokes.ms
    const brushCommittedMs = strokes.committed
    const brushFrames = strokes.frames

    if (process.env.BENCH_TOOLS_SHOT) await page.screenshot({ path: process.env.BENCH_TOOLS_SHOT })
    process.stderr.write('undo…\n')
    const undoMs: number[] = []
    const undoCommittedMs: number[] = []
    const undoFrames: number[] = []
    for (let i = 0; i < UNDOS; i++) {
      const probe = page.evaluate<ProbeResult>(afterEventProbe('keydown'))
      await page.evaluate('0')
      await page.keyboard.press('Control+z')
      const result = await probe
      if (result.drawn === undefined || result.committed === undefined) throw new Error(`undo ${i}: ${result.error}`)
      undoMs.push(result.drawn)
      undoCommittedMs.push(result.committed)
      undoFrames.push(result.framesLate!)
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`)

    const p = (values: number[], q: number) => round(percentile(values, q))
    const json = {
      renderer,
      click_to_paint_p50_ms: p(clickMs, 50),
      click_to_paint_p95_ms: p(clickMs, 95),
      held_click_to_paint_p50_ms: p(heldMs, 50),
      held_click_to_paint_p95_ms: p(heldMs, 95),
      rested_click_to_paint_p50_ms: p(restedMs, 50),
      rested_click_to_paint_p95_ms: p(restedMs, 95),
      click_to_drawn_p50_ms: p(clickDrawnMs, 50),
      click_to_drawn_p95_ms: p(clickDrawnMs, 95),
      answer_in_page_p50_ms: p(answeredMs, 50),
      answer_in_page_p95_ms: p(answeredMs, 95),
      renderer_after_answer_p50_ms: p(afterAnswerMs, 50),
      renderer_after_answer_p95_ms: p(afterAnswerMs, 95),
      predict_round_trip_p50_ms: p(roundTripMs, 50),
      predict_round_trip_p95_ms: p(roundTripMs, 95),
      predict_in_process_p50_ms: p(directMs, 50),
      predict_in_process_p95_ms: p(directMs, 95),
      frame_render_p50_ms: p(renderMs, 50),
      mask_paint_p50_ms: p(paintMs, 50),
      mask_paint_p95_ms: p(paintMs, 95),
      brush_segment_p50_ms: p(brushMs, 50),
      brush_segment_p95_ms: p(brushMs, 95),
      brush_segment_committed_p95_ms: p(brushCommittedMs, 95),
      brush_segment_p95_frames_late: percentile(brushFrames, 95),
      undo_p50_ms: p(undoMs, 50),
      undo_p95_ms: p(undoMs, 95),
      undo_committed_p95_ms: p(undoCommittedMs, 95),
      undo_p95_frames_late: percentile(undoFrames, 95),
      peak_rss_mb: round(peakRssMb(), 1),
    }
    return {
      rows: [
        {
          metric: 'clicks measured',
          value: CLICKS,
          unit: 'clicks',
          note: `${SCENE}, 1500×1000, demo segmenter, embedding cached, pixi ${renderer} renderer`,
        },
        { metric: 'click → mask painted p50', value: json.click_to_paint_p50_ms, unit: 'ms', note: 'pointer release → frame committed' },
        { metric: 'click → mask painted p95', value: json.click_to_paint_p95_ms, unit: 'ms', note: 'target ≤ 50 ms' },
        {
          metric: 'click → frame drawn p95',
          value: json.click_to_drawn_p95_ms,
          unit: 'ms',
          note: 'to app.render() returning (before the commit)',
        },
        ...percentileRows(
          `click held ${PRESS_MS} ms → painted`,
          json.held_click_to_paint_p50_ms,
          json.held_click_to_paint_p95_ms,
          `release → frame committed, ${HELD_CLICKS} clicks (asked at the press)`,
        ),
        ...percentileRows(
          'click after a rest → painted',
          json.rested_click_to_paint_p50_ms,
          json.rested_click_to_paint_p95_ms,
          `${RESTED_CLICKS} clicks, cursor still ${REST_MS} ms with the hover preview on`,
        ),
        ...percentileRows(
          'of which answer in the page',
          json.answer_in_page_p50_ms,
          json.answer_in_page_p95_ms,
          'pointer release → predict result dispatched',
        ),
        ...percentileRows(
          'renderer after the answer',
          json.renderer_after_answer_p50_ms,
          json.renderer_after_answer_p95_ms,
          'result dispatched → frame committed',
        ),
        ...percentileRows(
          'of which predict round trip',
          json.predict_round_trip_p50_ms,
          json.predict_round_trip_p95_ms,
          'WebSocket + worker + onnxruntime',
        ),
        { metric: 'same predict from Node p50', value: json.predict_in_process_p50_ms, unit: 'ms', note: 'no page, no WebSocket' },
        {
          metric: 'same predict from Node p95',
          value: json.predict_in_process_p95_ms,
          unit: 'ms',
          note: 'the floor under click → painted',
        },
        { metric: 'drawing one frame p50', value: json.frame_render_p50_ms, unit: 'ms', note: `app.render() (${renderer})` },
        ...percentileRows(
          'painting the mask in that frame',
          json.mask_paint_p50_ms,
          json.mask_paint_p95_ms,
          'composite + blend + upload of the rectangles it touched',
        ),
        { metric: 'brush segment p50', value: json.brush_segment_p50_ms, unit: 'ms', note: `${brushMs.length} pointer moves` },
        { metric: 'brush segment p95', value: json.brush_segment_p95_ms, unit: 'ms', note: 'pointer move → frame drawn' },
        {
          metric: 'brush segment, committed p95',
          value: json.brush_segment_committed_p95_ms,
          unit: 'ms',
          note: 'pointer move → frame committed',
        },
        {
          metric: 'brush segment p95',
          value: json.brush_segment_p95_frames_late,
          unit: 'frames',
          note: 'late (0 = in the first frame after the move); target 0',
        },
        { metric: 'undo p50', value: json.undo_p50_ms, unit: 'ms', note: `${UNDOS} undone strokes` },
        { metric: 'undo p95', value: json.undo_p95_ms, unit: 'ms', note: 'Ctrl+Z → frame drawn' },
        { metric: 'undo, committed p95', value: json.undo_committed_p95_ms, unit: 'ms', note: 'Ctrl+Z → frame committed' },
        {
          metric: 'undo p95',
          value: json.undo_p95_frames_late,
          unit: 'frames',
          note: 'late (0 = in the first frame after the key); target 0',
        },
        { metric: 'peak RSS (bench process)', value: json.peak_rss_mb, unit: 'MiB' },
      ],
      json,
    }
  } finally {
    await browser.close()
    await app.close()
  }
}
