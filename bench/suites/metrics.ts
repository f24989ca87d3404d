/**
 * Dashboard and audit timings on a synthetic project: 100,000 images at annotation size 64×48 with
 * 30 masks each (3,000,000; BENCH_METRICS_IMAGES lowers it), three model cycles, 90% of images done.
 * Per image: 18 auto-accepted, 4 accepted after review, 3 rejected, 2 discarded and 3 manual masks;
 * on every tenth image one proposal is replaced by a person's mask instead of two of the manual ones. Masks are written in one transaction with prepared statements and a few reused
 * RLE strings, through the real schema (its metric triggers run on every insert).
 *
 * Each dashboard panel is timed warm (RUNS runs, the slowest reported); calibration's first run also
 * computes the replaced proposals' IoU once (reported apart). Then an audit of 5% stratified by
 * annotator and source mix is drawn.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditStore } from '../../src-main/core/audit'
import { seededRandom } from '../../src-main/core/demo/seeded-random'
import { compressRle, encodeMask } from '../../src-main/core/masks'
import { DashboardQueries } from '../../src-main/core/metrics'
import { openProjectDb } from '../../src-main/core/project/database'
import { peakRssMb, round, type BenchRow, type BenchSuite } from '../report'

const IMAGE_COUNT = Number(process.env.BENCH_METRICS_IMAGES ?? 100_000)
const WIDTH = 64
const HEIGHT = 48
const DISTINCT_RLES = 24
const CYCLES = 3
const RUNS = 5
const ANNOTATORS = ['ada', 'bo', 'cy', 'dee']

/** Rectangles of varied size and place, as compressed RLE strings at 64×48. */
function rectangleRles(): string[] {
  return Array.from({ length: DISTINCT_RLES }, (_, index) => {
    const pixels = new Uint8Array(WIDTH * HEIGHT)
    const x0 = (index * 7) % 40
    const y0 = (index * 5) % 30
    const w = 6 + (index % 5) * 4
    const h = 5 + (index % 4) * 4
    for (let y = y0; y < Math.min(HEIGHT, y0 + h); y++) for (let x = x0; x < Math.min(WIDTH, x0 + w); x++) pixels[y * WIDTH + x] = 1
    return compressRle(encodeMask(pixels, HEIGHT, WIDTH)).counts
  })
}

export function populate(file: string): { seconds: number; masks: number } {
  const db = openProjectDb(file, { create: true })
  const started = performance.now()
  const random = seededRandom(7)
  const rles = rectangleRles()
  const rle = (n: number) => rles[n % DISTINCT_RLES] as string
  let masks = 0
  db.transaction(() => {
    db.prepare(
      "INSERT INTO project (id, name, image_root, annotation_max_side, created_at) VALUES ('bench', 'Metrics bench', '/bench', 1500, 'now')",
    ).run()
    const model = db.prepare(
      "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at) VALUES (?, 'sam-official', ?, ?, '', '', ?)",
    )
    const run = db.prepare("INSERT INTO proposal_runs (model_id, source, params, params_hash, created_at) VALUES (?, 'grid', '{}', ?, ?)")
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      model.run(`SAM cycle ${cycle}`, `e${cycle}`, `d${cycle}`, `2024-0${cycle}-01T00:00:00Z`)
      run.run(cycle, `p${cycle}`, `2024-0${cycle}-02T00:00:00Z`)
    }
    const image = db.prepare(
      `INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, annotation_width, annotation_height, status, added_at, updated_at)
       VALUES (?, ?, 1, 1, ?, ?, ?, ?, ?, 'now', 'now')`,
    )
    const mask = db.prepare(
      `INSERT INTO masks (image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, predicted_iou, stability_score,
         prompt, model_id, actor, seconds_spent, created_at, updated_at, run_id)
       VALUES (?, ?, 100, 0, 0, 10, 10, ?, ?, ?, ?, ?, ?, ?, ?, 'now', 'now', ?)`,
    )
    const event = db.prepare(
      "INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES ('now', ?, 'image:status', 'image', ?, NULL, ?)",
    )
    for (let index = 0; index < IMAGE_COUNT; index++) {
      const done = index % 10 !== 9
      const imageId = Number(
        image.run(index.toString(16).padStart(64, '0'), `images/${index}.jpg`, WIDTH, HEIGHT, WIDTH, HEIGHT, done ? 'done' : 'in_progress')
          .lastInsertRowid,
      )
      // Cycles in blocks of images, each better than the last: higher predicted IoU, more auto-accepted.
      const cycle = 1 + Math.floor((index * CYCLES) / IMAGE_COUNT)
      const annotator = ANNOTATORS[index % ANNOTATORS.length] as string
      const proposal = (state: string, iou: number, n: number) => {
        mask.run(imageId, rle(n), 'auto', state, iou, Math.min(1, iou + 0.05), null, cycle, 'tessera', null, cycle)
        return masks++
      }
      const score = (low: number) => low + (1 - low) * random()
      for (let n = 0; n < 18; n++) proposal('auto_accepted', score(0.86 + cycle * 0.02), n)
      for (let n = 0; n < 4; n++) proposal('accepted', score(0.7), n + 18)
      for (let n = 0; n < 3; n++) proposal('rejected', score(0.4), n + 22)
      for (let n = 0; n < 2; n++) proposal('discarded', score(0.1) * 0.5, n)
      const replaced = index % 10 === 0
      let replacedId = 0
      if (replaced) {
        mask.run(imageId, rle(3), 'auto', 'deleted', score(0.6), 0.9, null, cycle, 'tessera', null, cycle)
        replacedId = masks + 1
        masks++
      }
      const manual = replaced ? 1 : 3
      for (let n = 0; n < manual; n++) {
        mask.run(
          imageId,
          rle(n + 5),
          'manual',
          'accepted',
          null,
          null,
          JSON.stringify({ points: [], replaces: null }),
          cycle,
          annotator,
          5 + 40 * random(),
          null,
        )
        masks++
      }
      if (replaced) {
        mask.run(
          imageId,
          rle(4),
          'manual',
          'accepted',
          null,
          null,
          JSON.stringify({ points: [], replaces: replacedId }),
          cycle,
          annotator,
          20,
          null,
        )
        masks++
      }
      if (done)
        event.run(annotator, imageId, JSON.stringify({ status: 'done', uncoveredFraction: 0.1 * random(), maxUncoveredFraction: 0.1 }))
    }
  })()
  db.close()
  return { seconds: (performance.now() - started) / 1000, masks }
}

/** Slowest of `RUNS` runs, in ms. */
function slowest(run: () => unknown): number {
  let worst = 0
  for (let index = 0; index < RUNS; index++) {
    const started = performance.now()
    run()
    worst = Math.max(worst, performance.now() - started)
  }
  return worst
}

export const metricsSuite: BenchSuite = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-metrics-'))
  try {
    const file = join(dir, 'project.sqlite')
    process.stderr.write(`Writing ${IMAGE_COUNT} images and ${IMAGE_COUNT * 30} masks…\n`)
    const written = populate(file)
    const db = openProjectDb(file)
    try {
      const queries = new DashboardQueries(db)
      const firstCalibrationStarted = performance.now()
      queries.calibration(null)
      const calibrationFirstMs = performance.now() - firstCalibrationStarted
      const cycles = queries.cycles()
      const latest = cycles[cycles.length - 1]?.modelId ?? 1
      const panels: [string, () => unknown][] = [
        ['figures', () => queries.figures(null)],
        ['figures_one_model', () => queries.figures(latest)],
        ['cycles', () => queries.cycles()],
        ['histograms', () => queries.histograms(null)],
        ['calibration', () => queries.calibration(null)],
        ['calibration_one_model', () => queries.calibration(latest)],
        ['readiness', () => queries.readiness(cycles)],
      ]
      const panelMs = panels.map(([name, run]) => [name, slowest(run)] as const)
      const dashboardMs = slowest(() => queries.dashboard(null))
      const store = new AuditStore(db)
      const previewMs = slowest(() => store.preview(0.05, ['annotator', 'source_mix']))
      const drawStarted = performance.now()
      const audit = store.draw({ fraction: 0.05, strata: ['annotator', 'source_mix'], seed: 'bench' }, 'bench')
      const auditDrawMs = performance.now() - drawStarted
      const itemsMs = slowest(() => store.items(audit.id))
      const dashboardMaxMs = Math.max(...panelMs.map(([, ms]) => ms))
      const rows: BenchRow[] = [
        { metric: 'images', value: IMAGE_COUNT, unit: 'images', note: `${round((IMAGE_COUNT * 9) / 10, 0)} done` },
        { metric: 'masks', value: written.masks, unit: 'masks', note: `${CYCLES} model cycles` },
        { metric: 'write (triggers on)', value: round(written.seconds, 1), unit: 's', note: 'one transaction' },
        ...panelMs.map(([name, ms]) => ({ metric: `panel ${name}`, value: round(ms), unit: 'ms', note: `slowest of ${RUNS}` })),
        { metric: 'whole dashboard request', value: round(dashboardMs), unit: 'ms', note: `every panel, slowest of ${RUNS}` },
        {
          metric: 'calibration, first run',
          value: round(calibrationFirstMs),
          unit: 'ms',
          note: `incl. IoU of ${IMAGE_COUNT / 10} replaced proposals, once`,
        },
        { metric: 'audit preview (5%, 2 strata)', value: round(previewMs), unit: 'ms', note: `slowest of ${RUNS}` },
        {
          metric: 'audit draw (5%, 2 strata)',
          value: round(auditDrawMs),
          unit: 'ms',
          note: `${audit.sampleSize} images of ${audit.populationSize}`,
        },
        { metric: 'audit items list', value: round(itemsMs), unit: 'ms', note: `${audit.sampleSize} items with counts` },
        { metric: 'peak RSS', value: round(peakRssMb(), 0), unit: 'MiB' },
      ]
      return {
        rows,
        json: {
          images: IMAGE_COUNT,
          masks: written.masks,
          write_s: round(written.seconds, 1),
          dashboard_max_ms: round(dashboardMaxMs),
          dashboard_request_ms: round(dashboardMs),
          ...Object.fromEntries(panelMs.map(([name, ms]) => [`panel_${name}_ms`, round(ms)])),
          calibration_first_ms: round(calibrationFirstMs),
          audit_preview_ms: round(previewMs),
          audit_draw_ms: round(auditDrawMs),
          audit_items_ms: round(itemsMs),
          audit_sample_images: audit.sampleSize,
          peak_rss_mb: round(peakRssMb(), 0),
        },
      }
    } finally {
      db.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
