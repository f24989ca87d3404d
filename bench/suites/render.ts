/**
 * The review workspace's canvas with every mask of an image on screen: a 1500×1000 photo-like
 * image with 300 overlapping masks (auto-accepted, needs review, accepted) inserted straight into
 * the project database, opened in the web shell in the system Chromium (software WebGL).
 *
 * Measures, in the page: the time from the route change to the first overlay paint (plus a frame);
 * frame times while panning (mouse drags) and zooming (wheel) with 300 masks and on an image with
 * none; animation frames from the accept key to the repaint; and, in Node, the incremental coverage
 * update of one decision. Needs `npm run build` (the web shell serves out/renderer).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { generateScene } from '../../src-main/core/demo/synthetic-scene'
import { seededRandom } from '../../src-main/core/demo/seeded-random'
import { bitmapFromRle, bitmapToRle, compressRle, CoverageMap, decompressRle, type MaskBitmap } from '../../src-main/core/masks'
import { MaskRepository, type MaskState, type NewMask } from '../../src-main/core/project/mask-repository'
import { createProject, startApp } from '../../test/e2e/support/app-harness'
import { launchChromium, openPage } from '../../test/e2e/support/browser'
import { percentile, round, type BenchRow, type BenchSuite } from '../report'

const WIDTH = 1500
const HEIGHT = 1000
const MASK_COUNT = Number(process.env.BENCH_RENDER_MASKS ?? 300)
const MASKED_FILE = 'masked.jpg'
const EMPTY_FILE = 'empty.jpg'
const FIRST_PAINT_RUNS = 3
/** Drag path: loops of a circle this big (CSS px), this many mouse moves per loop. */
const PAN_RADIUS = 160
const PAN_STEPS_PER_LOOP = 90
const PAN_LOOPS = 1
const ZOOM_ROUNDS = 1
/** Turns of (pan, zoom) on each image. */
const ROUNDS = 3
const ZOOM_TICKS = 10
const DECISION_TIMEOUT_FRAMES = 600
/** Set to a folder to get a V8 CPU profile of the page per measured phase (open in Chrome DevTools). */
const PROFILE_DIR = process.env.BENCH_RENDER_PROFILE_DIR

/** A star-shaped blob (a few harmonics on a radius), cropped tight. */
function blob(random: () => number, cx: number, cy: number, radius: number): MaskBitmap | null {
  const harmonics = [2, 3, 5].map((k) => ({ k, amplitude: (random() * 0.22) / Math.sqrt(k), phase: random() * Math.PI * 2 }))
  const stretch = 0.6 + random() * 0.8
  const angle = random() * Math.PI
  const reach = radius * 1.6 * Math.max(stretch, 1 / stretch)
  const x0 = Math.max(0, Math.floor(cx - reach))
  const y0 = Math.max(0, Math.floor(cy - reach))
  const x1 = Math.min(WIDTH, Math.ceil(cx + reach))
  const y1 = Math.min(HEIGHT, Math.ceil(cy + reach))
  if (x1 <= x0 || y1 <= y0) return null
  const width = x1 - x0
  const height = y1 - y0
  const pixels = new Uint8Array(width * height)
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  let minX = width
  let minY = height
  let maxX = -1
  let maxY = -1
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const dx = x0 + x + 0.5 - cx
      const dy = y0 + y + 0.5 - cy
      const u = (dx * cos + dy * sin) / stretch
      const v = (-dx * sin + dy * cos) * stretch
      const theta = Math.atan2(v, u)
      let r = radius
      for (const h of harmonics) r *= 1 + h.amplitude * Math.sin(h.k * theta + h.phase)
      if (u * u + v * v > r * r) continue
      pixels[y * width + x] = 1
      minX = Math.min(minX, x)
      maxX = Math.max(maxX, x)
      minY = Math.min(minY, y)
      maxY = y
    }
  if (maxX < 0) return null
  const tightWidth = maxX - minX + 1
  const tightHeight = maxY - minY + 1
  const tight = new Uint8Array(tightWidth * tightHeight)
  let area = 0
  for (let y = 0; y < tightHeight; y++)
    for (let x = 0; x < tightWidth; x++) {
      const on = pixels[(minY + y) * width + minX + x] as number
      tight[y * tightWidth + x] = on
      area += on
    }
  return { x: x0 + minX, y: y0 + minY, width: tightWidth, height: tightHeight, pixels: tight, area }
}

/**
 * Masks like an automatic mask generator's on a busy photo: mostly small, some medium, a few large;
 * parts nested in wholes (a third of the masks are centred inside an earlier one) and neighbours
 * overlapping.
 */
function generateMasks(count: number, seed: number): MaskBitmap[] {
  const random = seededRandom(seed)
  const masks: MaskBitmap[] = []
  while (masks.length < count) {
    const radius = 4 + 150 * random() ** 3
    const parent = masks.length > 10 && random() < 0.33 ? masks[Math.floor(random() * masks.length)] : undefined
    const cx = parent ? parent.x + random() * parent.width : random() * WIDTH
    const cy = parent ? parent.y + random() * parent.height : random() * HEIGHT
    const mask = blob(random, cx, cy, parent ? Math.min(radius, Math.max(parent.width, parent.height) / 3) : radius)
    if (mask && mask.area >= 20) masks.push(mask)
  }
  return masks
}

/** A fixed mix of states: half auto-accepted, a third needing review, the rest accepted. */
function stateOf(index: number): MaskState {
  const slot = index % 6
  return slot < 3 ? 'auto_accepted' : slot < 5 ? 'proposed' : 'accepted'
}

async function writePhoto(path: string, stamp: number): Promise<void> {
  const rgb = Buffer.from(generateScene(4242, WIDTH, HEIGHT, 14).rgb)
  // A different stamp per file, so the two pictures have different content hashes.
  for (let i = 0; i < 8 * 8 * 3; i++) rgb[(10 + Math.floor(i / 24)) * WIDTH * 3 + 30 + (i % 24) + stamp * 30] = 255
  await writeFile(
    path,
    await sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  )
}

// ── in-page probes (strings: the bench is type-checked without DOM types) ──

const HOST = `document.querySelector('[data-testid=image-canvas]')`

/** Clicks a grid cell in the page and resolves with the ms until the overlay's first paint, plus one frame. */
function firstPaintProbe(fileName: string, timeoutMs: number): string {
  return `new Promise((resolve) => {
    const cell = document.querySelector('[data-testid=grid-cell][title="${fileName}"]')
    if (!cell) return resolve({ error: 'no grid cell for ${fileName}' })
    const started = performance.now()
    cell.click()
    const tick = () => {
      const host = ${HOST}
      const elapsed = performance.now() - started
      if (host && Number(host.dataset.paintCount || 0) > 0) return requestAnimationFrame(() => resolve({ ms: performance.now() - started }))
      if (elapsed > ${timeoutMs}) return resolve({ error: 'no overlay paint within ${timeoutMs} ms' })
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })`
}

/**
 * Records animation frames; `STOP_FRAMES` returns the durations of the frames that had something to
 * draw: those starting with a camera (the host's data-camera) other than the previous frame's.
 * Input does not arrive on every frame, and idle frames would only measure the display's 60 Hz.
 */
const START_FRAMES = `(() => {
  const host = ${HOST}
  const record = { stamps: [], cameras: [], running: true }
  window.__benchFrames = record
  const tick = (t) => {
    if (!record.running) return
    record.stamps.push(t)
    record.cameras.push(host.dataset.camera)
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
})()`
const STOP_FRAMES = `(() => {
  const record = window.__benchFrames
  record.running = false
  const out = []
  for (let i = 1; i + 1 < record.stamps.length; i++)
    if (record.cameras[i] !== record.cameras[i - 1]) out.push(record.stamps[i + 1] - record.stamps[i])
  return out
})()`

/** Counts frames from the next 'a' keydown until the overlay's paint count changes. */
const DECISION_PROBE = `(() => {
  window.__benchDecision = new Promise((resolve) => {
    const host = ${HOST}
    const before = host.dataset.paintCount
    window.addEventListener('keydown', (event) => {
      if (event.key !== 'a') return
      const started = performance.now()
      let frames = 0
      const tick = () => {
        frames++
        if (host.dataset.paintCount !== before)
          return resolve({ frames, ms: performance.now() - started, paintMs: Number(host.dataset.paintMs), kind: host.dataset.paintKind })
        if (frames >= ${DECISION_TIMEOUT_FRAMES}) return resolve({ error: 'the overlay was not repainted within ${DECISION_TIMEOUT_FRAMES} frames of the accept key' })
        requestAnimationFrame(tick)
      }
      requestAnimationFrame(tick)
    }, { capture: true, once: true })
  })
})()`

async function canvasCentre(page: Page): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId('image-canvas').boundingBox()
  if (!box) throw new Error('the image canvas is not on the page')
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 }
}

/** Waits (in the page: the CSP forbids Playwright's string predicates) until the overlay has painted, then lets it settle. */
async function waitForPaint(page: Page): Promise<void> {
  const painted = await page.evaluate<boolean>(`new Promise((resolve) => {
    const started = performance.now()
    const tick = () => {
      if (Number((${HOST})?.dataset.paintCount || 0) > 0) return resolve(true)
      if (performance.now() - started > 60000) return resolve(false)
      requestAnimationFrame(tick)
    }
    tick()
  })`)
  if (!painted) throw new Error('the overlay was not painted within 60 s')
  await page.waitForTimeout(300)
}

/** The whole picture in view (the workspace opens zoomed on the first mask to review), so both images are measured alike. */
async function fitView(page: Page): Promise<void> {
  const fit = page.getByTestId('fit')
  if ((await fit.count()) > 0) await fit.click()
  await page.waitForTimeout(200)
}

async function panFrames(page: Page): Promise<number[]> {
  await fitView(page)
  const centre = await canvasCentre(page)
  await page.mouse.move(centre.x + PAN_RADIUS, centre.y)
  await page.mouse.down()
  await page.evaluate(START_FRAMES)
  for (let step = 1; step <= PAN_STEPS_PER_LOOP * PAN_LOOPS; step++) {
    const angle = (step / PAN_STEPS_PER_LOOP) * Math.PI * 2
    await page.mouse.move(centre.x + PAN_RADIUS * Math.cos(angle), centre.y + PAN_RADIUS * Math.sin(angle))
  }
  const frames = await page.evaluate<number[]>(STOP_FRAMES)
  await page.mouse.up()
  return frames
}

async function zoomFrames(page: Page): Promise<number[]> {
  await fitView(page)
  const centre = await canvasCentre(page)
  await page.mouse.move(centre.x, centre.y)
  await page.evaluate(START_FRAMES)
  for (let round = 0; round < ZOOM_ROUNDS; round++) {
    for (let tick = 0; tick < ZOOM_TICKS; tick++) await page.mouse.wheel(0, -120)
    for (let tick = 0; tick < ZOOM_TICKS; tick++) await page.mouse.wheel(0, 120)
  }
  return page.evaluate<number[]>(STOP_FRAMES)
}

/** Runs `work`, recording a CPU profile of the page as `<name>.cpuprofile` when PROFILE_DIR is set. */
async function profiled<T>(page: Page, name: string, work: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return work()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.start')
  try {
    return await work()
  } finally {
    const { profile } = await cdp.send('Profiler.stop')
    await mkdir(PROFILE_DIR, { recursive: true })
    await writeFile(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile))
    await cdp.detach()
  }
}

async function firstPaint(page: Page, url: string, fileName: string): Promise<number> {
  await page.goto(url)
  await page.locator(`[data-testid=grid-cell][title="${fileName}"]`).waitFor({ timeout: 60_000 })
  const result = await page.evaluate<{ ms?: number; error?: string }>(firstPaintProbe(fileName, 60_000))
  if (result.error !== undefined || result.ms === undefined) throw new Error(`first paint: ${result.error}`)
  return result.ms
}

/** Coverage after one decision, as the workspace does it: remove + add one mask's bitmap, read the uncovered fraction. */
function coverageRecompute(bitmaps: readonly MaskBitmap[], covering: readonly boolean[]): { updateMs: number; gapsMs: number } {
  const coverage = new CoverageMap(WIDTH, HEIGHT)
  bitmaps.forEach((bitmap, index) => covering[index] && coverage.add(bitmap))
  const picks = bitmaps.filter((_, index) => covering[index]).slice(0, 50)
  const started = performance.now()
  let sink = 0
  for (const bitmap of picks) {
    coverage.remove(bitmap)
    sink += coverage.uncoveredFraction
    coverage.add(bitmap)
    sink += coverage.uncoveredFraction
  }
  const updateMs = (performance.now() - started) / (picks.length * 2)
  const gapsStarted = performance.now()
  const gapRuns = 3
  for (let run = 0; run < gapRuns; run++) sink += coverage.gaps(100).length
  const gapsMs = (performance.now() - gapsStarted) / gapRuns
  if (Number.isNaN(sink)) throw new Error('unreachable')
  return { updateMs, gapsMs }
}

interface Decision {
  frames?: number
  ms?: number
  /** The repaint itself (composite, blend, upload) and whether it was partial. */
  paintMs?: number
  kind?: string
  error?: string
}

/** The last overlay paint's cost and kind, from the host element. */
async function lastPaint(page: Page): Promise<{ ms: number; kind: string }> {
  const host = page.getByTestId('image-canvas')
  return { ms: Number(await host.getAttribute('data-paint-ms')), kind: (await host.getAttribute('data-paint-kind')) ?? '?' }
}

/** A figure that may be missing: JSON null (the report's type has no null; the JSON line carries it as is). */
function orNull(value: number | undefined): number {
  return (value ?? null) as number
}

export const renderSuite: BenchSuite = async () => {
  const work = await mkdtemp(join(tmpdir(), 'tessera-bench-render-'))
  const app = await startApp()
  const browser = await launchChromium()
  try {
    const folder = join(work, 'images')
    await mkdir(folder)
    await writePhoto(join(folder, MASKED_FILE), 0)
    await writePhoto(join(folder, EMPTY_FILE), 1)
    await createProject(app, 'Render bench', folder)
    const session = app.backend.currentProject
    if (!session) throw new Error('the project did not open')
    const images = (await app.backend.call('images:list', { offset: 0, limit: 10 })).items
    const masked = images.find((image) => image.relPath === MASKED_FILE)
    if (!masked) throw new Error(`${MASKED_FILE} was not imported`)
    if (masked.annotationWidth !== WIDTH || masked.annotationHeight !== HEIGHT) throw new Error('unexpected annotation size')

    process.stderr.write(`inserting ${MASK_COUNT} masks…\n`)
    const bitmaps = generateMasks(MASK_COUNT, 77)
    const random = seededRandom(5)
    const newMasks: NewMask[] = bitmaps.map((bitmap, index) => {
      const state = stateOf(index)
      const predictedIou = state === 'proposed' ? 0.7 + random() * 0.18 : 0.88 + random() * 0.11
      return {
        imageId: masked.id,
        rle: compressRle(bitmapToRle(bitmap, HEIGHT, WIDTH)),
        source: 'auto',
        state,
        predictedIou,
        stabilityScore: 0.85 + random() * 0.14,
        pointCoords: [[bitmap.x + bitmap.width / 2, bitmap.y + bitmap.height / 2]],
        cropBox: [0, 0, WIDTH, HEIGHT],
        prompt: { points: [{ x: bitmap.x + bitmap.width / 2, y: bitmap.y + bitmap.height / 2, label: 'positive' }] },
        actor: 'bench',
      }
    })
    new MaskRepository(session.db).insertMany(newMasks)
    // Both images 'skipped': opening one would otherwise prefetch the other (encode it and run
    // proposals over it in the background, adding masks to the empty image and load to the machine).
    for (const image of images) await app.backend.call('images:setStatus', { imageId: image.id, status: 'skipped' })
    const cropSum = bitmaps.reduce((sum, bitmap) => sum + bitmap.width * bitmap.height, 0)
    const areaSum = bitmaps.reduce((sum, bitmap) => sum + bitmap.area, 0)

    const { page, errors } = await openPage(browser)
    const url = app.shell.url
    /** Waits for background jobs (there should be none) so that they do not load the machine while measuring. */
    const settle = async (): Promise<void> => {
      await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
      await page.waitForTimeout(500)
    }

    process.stderr.write('first paint…\n')
    const firstPaints: number[] = []
    for (let run = 0; run < FIRST_PAINT_RUNS; run++)
      firstPaints.push(await profiled(page, `first-paint-${run}`, () => firstPaint(page, url, MASKED_FILE)))
    await waitForPaint(page)
    const fullPaint = await lastPaint(page)

    await settle()
    process.stderr.write('decision repaint…\n')
    let decision: Decision
    try {
      await page.evaluate(DECISION_PROBE)
      await page.keyboard.press('a')
      decision = await page.evaluate<Decision>('window.__benchDecision')
    } catch (error) {
      decision = { error: error instanceof Error ? error.message : String(error) }
    }
    if (decision.error) process.stderr.write(`decision_repaint_frames: null (${decision.error})\n`)
    await page.waitForTimeout(300)

    // The image without masks in a second page; the two are measured in turns, so that load from
    // elsewhere on the machine falls on both alike.
    const { page: bare, errors: bareErrors } = await openPage(browser)
    await bare.goto(url)
    await bare.locator(`[data-testid=grid-cell][title="${EMPTY_FILE}"]`).click()
    await waitForPaint(bare)
    await settle()
    const pan300: number[] = []
    const pan0: number[] = []
    const zoom300: number[] = []
    const zoom0: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`pan and zoom, round ${round + 1} of ${ROUNDS}…\n`)
      pan300.push(...(await profiled(page, `pan-300-${round}`, () => panFrames(page))))
      pan0.push(...(await profiled(bare, `pan-0-${round}`, () => panFrames(bare))))
      zoom300.push(...(await profiled(page, `zoom-300-${round}`, () => zoomFrames(page))))
      zoom0.push(...(await zoomFrames(bare)))
    }
    errors.push(...bareErrors)
    if (errors.length > 0) process.stderr.write(`page errors:\n  ${errors.join('\n  ')}\n`)

    const coverage = coverageRecompute(
      bitmaps,
      bitmaps.map((_, index) => stateOf(index) !== 'proposed'),
    )
    // The stored masks decode back to the same pixels (a check on the bench itself).
    const stored = new MaskRepository(session.db).listByImage(masked.id)
    const check = bitmapFromRle(decompressRle({ size: [HEIGHT, WIDTH], counts: stored[0]!.rleCounts }))
    if (stored.length !== MASK_COUNT || check.area !== bitmaps[0]!.area) throw new Error('masks were not stored as generated')

    const firstPaintMs = percentile(firstPaints, 50)
    const panP50_300 = percentile(pan300, 50)
    const panP50_0 = percentile(pan0, 50)
    const rows: BenchRow[] = [
      {
        metric: 'masks on the image',
        value: MASK_COUNT,
        unit: 'masks',
        note: `crops ${round(cropSum / (WIDTH * HEIGHT), 1)}× the image, areas ${round(areaSum / (WIDTH * HEIGHT), 1)}×`,
      },
      {
        metric: 'first paint (route → overlay + 1 frame)',
        value: round(firstPaintMs),
        unit: 'ms',
        note: `median of ${FIRST_PAINT_RUNS}: ${firstPaints.map((ms) => round(ms, 0)).join(', ')}`,
      },
      { metric: 'pan frame p50, 300 masks', value: round(panP50_300), unit: 'ms', note: `${pan300.length} frames` },
      { metric: 'pan frame p95, 300 masks', value: round(percentile(pan300, 95)), unit: 'ms' },
      { metric: 'pan frame p50, 0 masks', value: round(panP50_0), unit: 'ms', note: `${pan0.length} frames` },
      { metric: 'pan frame p95, 0 masks', value: round(percentile(pan0, 95)), unit: 'ms' },
      { metric: 'pan frame ratio 300 / 0 (p50)', value: round(panP50_300 / panP50_0), unit: '×' },
      { metric: 'zoom frame p50, 300 masks', value: round(percentile(zoom300, 50)), unit: 'ms', note: `${zoom300.length} frames` },
      { metric: 'zoom frame p95, 300 masks', value: round(percentile(zoom300, 95)), unit: 'ms' },
      { metric: 'zoom frame p50, 0 masks', value: round(percentile(zoom0, 50)), unit: 'ms' },
      {
        metric: 'decision → repaint',
        value: decision.frames ?? Number.NaN,
        unit: 'frames',
        note: decision.error ?? `${round(decision.ms ?? Number.NaN, 1)} ms from the key press`,
      },
      {
        metric: 'overlay full paint, 300 masks',
        value: round(fullPaint.ms),
        unit: 'ms',
        note: `composite + blend + upload (${fullPaint.kind})`,
      },
      {
        metric: 'overlay repaint of one decision',
        value: round(decision.paintMs ?? Number.NaN),
        unit: 'ms',
        note: decision.kind ? `${decision.kind} repaint` : 'not measured',
      },
      {
        metric: 'coverage update, one decision',
        value: round(coverage.updateMs, 3),
        unit: 'ms',
        note: 'CoverageMap remove + add + uncoveredFraction',
      },
      { metric: 'coverage gaps, whole image', value: round(coverage.gapsMs), unit: 'ms', note: 'CoverageMap.gaps(100)' },
    ]
    return {
      rows,
      json: {
        masks: MASK_COUNT,
        first_paint_ms: round(firstPaintMs),
        full_paint_ms: round(fullPaint.ms),
        decision_paint_ms: orNull(decision.paintMs === undefined ? undefined : round(decision.paintMs)),
        pan_frame_p50_ms_300: round(panP50_300),
        pan_frame_p95_ms_300: round(percentile(pan300, 95)),
        pan_frame_p50_ms_0: round(panP50_0),
        pan_frame_p95_ms_0: round(percentile(pan0, 95)),
        pan_frame_ratio_300: round(panP50_300 / panP50_0),
        zoom_frame_p50_ms_300: round(percentile(zoom300, 50)),
        zoom_frame_p95_ms_300: round(percentile(zoom300, 95)),
        zoom_frame_p50_ms_0: round(percentile(zoom0, 50)),
        // null when the workspace did not repaint after the accept key (the reason is printed above).
        decision_repaint_frames: orNull(decision.frames),
        decision_repaint_ms: orNull(decision.ms === undefined ? undefined : round(decision.ms)),
        coverage_recompute_ms: round(coverage.updateMs, 3),
        coverage_gaps_ms: round(coverage.gapsMs),
      },
    }
  } finally {
    await browser.close()
    await app.close()
    await rm(work, { recursive: true, force: true })
  }
}
