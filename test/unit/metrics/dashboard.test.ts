import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { EngineCycle, EngineFigures } from '../../../src-preload/contract/audit'
import { DashboardQueries, calibrationFrom, readinessFrom } from '../../../src-main/core/metrics'
import type { ProjectDb } from '../../../src-main/core/project/database'
import { markDone } from '../audit/audit-fixture'
import { addMasks, openReviewDb } from '../review/review-fixture'

const STATES = ['proposed', 'accepted', 'rejected', 'auto_accepted', 'discarded', 'deleted'] as const

function addModel(db: ProjectDb, name: string, at: string): number {
  return Number(
    db
      .prepare(
        "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at) VALUES (?, 'sam-official', ?, ?, '', '', ?)",
      )
      .run(name, `e-${name}`, `d-${name}`, at).lastInsertRowid,
  )
}

interface Row {
  image_id: number
  source: string
  state: string
  model_id: number | null
  seconds_spent: number | null
  status: string
}

/** The figures computed the slow way, from every mask row. */
function bruteForce(db: ProjectDb, modelId: number | null): Omit<EngineFigures, 'coverageAtDone'> {
  const rows = (
    db
      .prepare(
        'SELECT m.image_id, m.source, m.state, m.model_id, m.seconds_spent, i.status FROM masks m JOIN images i ON i.id = m.image_id',
      )
      .all() as Row[]
  ).filter((row) => modelId === null || (row.model_id ?? 0) === modelId)
  const done = rows.filter((row) => row.status === 'done')
  const n = (source: string, state: string) => done.filter((row) => row.source === source && row.state === state).length
  const doneImages =
    modelId === null
      ? (db.prepare("SELECT count(*) FROM images WHERE status = 'done'").pluck().get() as number)
      : new Set(done.filter((row) => row.model_id === modelId).map((row) => row.image_id)).size
  const autoAccepted = n('auto', 'auto_accepted')
  const acceptedAfterReview = n('auto', 'accepted')
  const rejected = n('auto', 'rejected')
  const replaced = n('auto', 'deleted')
  const manual = n('manual', 'accepted')
  const final = autoAccepted + acceptedAfterReview + manual
  const timed = rows
    .filter((row) => row.source === 'manual' && row.state === 'accepted' && row.seconds_spent !== null)
    .map((row) => row.seconds_spent as number)
  timed.sort((a, b) => a - b)
  const half = Math.floor(timed.length / 2)
  return {
    doneImages,
    proposals: done.filter((row) => row.source === 'auto').length,
    autoAccepted,
    acceptedAfterReview,
    rejected,
    replaced,
    manual,
    autoAcceptRate: final === 0 ? null : autoAccepted / final,
    rejectionRate:
      autoAccepted + acceptedAfterReview + rejected + replaced === 0
        ? null
        : rejected / (autoAccepted + acceptedAfterReview + rejected + replaced),
    manualPerImage: doneImages === 0 ? null : manual / doneImages,
    totalPerImage: doneImages === 0 ? null : final / doneImages,
    masksPerHour: timed.reduce((a, b) => a + b, 0) > 0 ? (3600 * timed.length) / timed.reduce((a, b) => a + b, 0) : null,
    medianSecondsPerMask:
      timed.length === 0
        ? null
        : timed.length % 2 === 1
          ? (timed[half] as number)
          : ((timed[half - 1] as number) + (timed[half] as number)) / 2,
  }
}

describe('dashboard queries', () => {
  it('equal a brute-force count over the masks, per project and per model', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            image: fc.integer({ min: 1, max: 6 }),
            source: fc.constantFrom('auto', 'manual', 'imported'),
            state: fc.constantFrom(...STATES),
            model: fc.constantFrom(null, 1, 2),
            seconds: fc.option(fc.integer({ min: 1, max: 90 })),
          }),
          { maxLength: 40 },
        ),
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 6 }),
        (masks, done) => {
          const db = openReviewDb(':memory:', 6)
          try {
            addModel(db, 'v1', '2024-01-01')
            addModel(db, 'v2', '2024-02-01')
            for (const mask of masks) {
              const [id] = addMasks(db, [{ imageId: mask.image, rects: [[0, 0, 3, 3]], state: mask.state, source: mask.source }])
              db.prepare('UPDATE masks SET model_id = ?, seconds_spent = ? WHERE id = ?').run(mask.model, mask.seconds, id)
            }
            for (const imageId of new Set(done)) markDone(db, imageId, 'ada', 0.1)
            const queries = new DashboardQueries(db)
            for (const model of [null, 0, 1, 2]) {
              const figures = queries.figures(model)
              const expected = bruteForce(db, model)
              for (const [key, value] of Object.entries(expected)) {
                if (value === null) expect(figures[key as keyof EngineFigures], key).toBeNull()
                else expect(figures[key as keyof EngineFigures], key).toBeCloseTo(value, 9)
              }
            }
            expect(queries.figures(null).coverageAtDone).toBe(new Set(done).size === 0 ? null : 0.9)
          } finally {
            db.close()
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('orders cycles by first use and measures calibration: kept → 1, rejected → 0, replaced → IoU with its replacement', () => {
    const db = openReviewDb(':memory:', 2)
    try {
      const late = addModel(db, 'v2', '2024-05-01')
      const early = addModel(db, 'v1', '2024-01-01')
      // Image 1, model v1: three proposals with predicted IoU 0.92 (kept), 0.84 (rejected), 0.86 (replaced).
      const [kept, rejected, replaced] = addMasks(db, [
        { rects: [[0, 0, 10, 10]], state: 'auto_accepted' },
        { rects: [[20, 0, 5, 5]], state: 'rejected' },
        { rects: [[0, 20, 10, 10]], state: 'deleted' },
      ])
      const set = db.prepare('UPDATE masks SET model_id = ?, predicted_iou = ?, stability_score = ? WHERE id = ?')
      set.run(early, 0.92, 0.97, kept)
      set.run(early, 0.84, 0.9, rejected)
      set.run(early, 0.86, 0.93, replaced)
      // The person's mask replacing it covers 10×10 of the proposal plus 10×5 more: IoU 100 / 150.
      addMasks(db, [{ rects: [[0, 15, 10, 15]], state: 'accepted', source: 'manual', prompt: { replaces: replaced } }])
      db.prepare("UPDATE masks SET model_id = ?, seconds_spent = 12 WHERE source = 'manual'").run(early)
      // Image 2, model v2: one auto-accepted proposal.
      const [second] = addMasks(db, [{ imageId: 2, rects: [[0, 0, 5, 5]], state: 'auto_accepted' }])
      set.run(late, 0.97, 0.99, second)
      markDone(db, 1, 'ada', 0.2)
      markDone(db, 2, 'bo', 0)

      const queries = new DashboardQueries(db)
      const dashboard = queries.dashboard(null)
      expect(dashboard.cycles.map((cycle) => cycle.name)).toEqual(['v1', 'v2'])
      const v1 = dashboard.cycles[0]!.figures
      expect(v1).toMatchObject({
        doneImages: 1,
        proposals: 3,
        autoAccepted: 1,
        rejected: 1,
        replaced: 1,
        manual: 1,
        medianSecondsPerMask: 12,
      })
      expect(v1.autoAcceptRate).toBe(1 / 2)
      expect(v1.rejectionRate).toBe(1 / 3)
      expect(v1.coverageAtDone).toBeCloseTo(0.8, 12)
      expect(dashboard.figures.coverageAtDone).toBeCloseTo(0.9, 12)

      const calibration = queries.calibration(early)
      const bin8 = calibration.bins[8]!
      expect(bin8.count).toBe(2) // 0.84 and 0.86
      expect(bin8.meanPredicted).toBeCloseTo(0.85, 12)
      expect(bin8.meanMeasured).toBeCloseTo((0 + 100 / 150) / 2, 12)
      expect(calibration.bins[9]).toMatchObject({ count: 1, meanMeasured: 1 })
      expect(calibration.bins[9]!.meanPredicted).toBeCloseTo(0.92, 12)
      const ece = (Math.abs(0.84 + 0.86 - 100 / 150) + Math.abs(0.92 - 1)) / 3
      expect(calibration.expectedCalibrationError).toBeCloseTo(ece, 12)
      expect(db.prepare('SELECT replaced_by, measured_iou FROM proposal_outcomes').get()).toEqual({
        replaced_by: 4,
        measured_iou: 100 / 150,
      })

      expect(dashboard.predictedIou.accepted[18]).toBe(1) // 0.92 → bin [0.90, 0.95)
      expect(dashboard.predictedIou.rejected[16]).toBe(1) // 0.84 → bin [0.80, 0.85)
      expect(dashboard.stability.accepted[19]).toBe(2) // 0.97 (v1) and 0.99 (v2)

      // Latest cycle v2: every final mask auto-accepted, calibration off by 0.03; gain 100% − 50%.
      expect(dashboard.readiness.map((criterion) => [criterion.key, criterion.state])).toEqual([
        ['auto_accept', 'met'],
        ['calibration', 'met'],
        ['cycle_gain', 'not_met'],
      ])
      expect(dashboard.readiness[2]!.value).toBeCloseTo(0.5, 12)
      expect(Object.keys(dashboard.panelMs)).toEqual(['figures', 'cycles', 'histograms', 'calibration', 'readiness'])
    } finally {
      db.close()
    }
  })

  it('says what is unknown without data, and judges each criterion against its target', () => {
    expect(calibrationFrom([{ count: 0, predicted: 0, measured: 0 }])).toMatchObject({ proposals: 0, expectedCalibrationError: null })
    expect(readinessFrom([], null).map((criterion) => criterion.state)).toEqual(['unknown', 'unknown', 'unknown'])
    const cycle = (name: string, autoAcceptRate: number): EngineCycle =>
      ({ modelId: 1, name, firstUsedAt: null, figures: { autoAcceptRate } as EngineFigures }) as EngineCycle
    const calibration = calibrationFrom([{ count: 10, predicted: 9, measured: 8.6 }])
    const states = readinessFrom([cycle('v1', 0.64), cycle('v2', 0.66)], calibration).map((criterion) => criterion.state)
    expect(states).toEqual(['met', 'met', 'met'])
    expect(
      readinessFrom([cycle('v1', 0.5), cycle('v2', 0.6)], calibrationFrom([{ count: 10, predicted: 9, measured: 8 }])).map((c) => c.state),
    ).toEqual(['not_met', 'not_met', 'not_met'])
  })
})
