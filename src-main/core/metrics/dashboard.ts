/**
 * The data engine's own figures, per project and per model version ("cycle"), as SQL aggregates
 * over the tally tables that migration 0005's triggers keep current — a few thousand rows whatever
 * the number of masks, so each panel stays well under 200 ms on 100,000 images and 3,000,000 masks
 * (bench/suites/metrics.ts measures it).
 *
 * Definitions (counts on done images; sources 'auto' and 'manual' only — imported masks, gold
 * included, are not the engine's work):
 * - final masks = auto-accepted + accepted after review + manual (accepted);
 * - auto-accept rate = auto-accepted / final masks: the share of the dataset no person had to touch;
 * - rejection rate = rejected / proposals that reached a decision (auto-accepted, accepted,
 *   rejected, replaced by a person's mask);
 * - manual / image and total / image = manual and final masks / done images of the cycle (images
 *   where the model made at least one mask);
 * - masks per hour = 3600 · manual masks / Σ their seconds spent; median seconds per mask over manual
 *   masks — both over every image, since time spent is spent whether or not the image is done yet;
 * - coverage at done = mean of (1 − uncovered fraction) recorded when each done image was marked done.
 * A manual mask belongs to the model that was active when it was drawn.
 *
 * Calibration: each proposal on a done image with an outcome is one point (predicted IoU, measured
 * IoU): kept (auto-accepted or accepted) → 1; rejected → 0 (no usable mask of that object); replaced
 * → IoU between the proposal and the person's mask that replaced it (computed once, cached in
 * proposal_outcomes). Proposals still needing review and discarded ones have no outcome. Reliability
 * in 10 bins of predicted IoU; ECE = Σ_b (n_b / N) · |mean predicted_b − mean measured_b|.
 */
import type {
  Calibration,
  CalibrationBin,
  Dashboard,
  EngineCycle,
  EngineFigures,
  ReadinessCriterion,
  ScoreHistogram,
} from '../../../src-preload/contract/audit'
import { iouMatrix } from '../audit/matching'
import type { ProjectDb } from '../project/database'
import { REPLACES_SQL } from '../project/migrations/0005-add-audits'

/** Score histogram bins (0.05 wide), as stored in mask_tallies. */
export const SCORE_BINS = 20
/** Reliability-plot bins (0.1 wide). */
export const CALIBRATION_BINS = 10

/** Stage 3 readiness: the data engine's own criteria. */
export const READINESS = { minAutoAcceptRate: 0.65, maxCalibrationError: 0.05, maxCycleGain: 0.05 } as const

interface StateTally {
  source: string
  state: string
  image_done: number
  n: number
  seconds_sum: number
  seconds_n: number
}

/** model_key filter: null = every model. */
type ModelKey = number | null

function modelFilter(modelKey: ModelKey, column = 'model_key'): { sql: string; params: number[] } {
  return modelKey === null ? { sql: '', params: [] } : { sql: ` AND ${column} = ?`, params: [modelKey] }
}

/** Manual accepted masks that record seconds spent. */
function timedCount(tallies: readonly StateTally[]): number {
  return tallies.filter((t) => t.source === 'manual' && t.state === 'accepted').reduce((sum, t) => sum + t.seconds_n, 0)
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator
}

/** EngineFigures from state tallies and the per-image figures (pure). */
export function figuresFrom(
  tallies: readonly StateTally[],
  doneImages: number,
  medianSecondsPerMask: number | null,
  coverageAtDone: number | null,
): EngineFigures {
  const count = (source: string, state: string, done = 1) =>
    tallies.filter((t) => t.source === source && t.state === state && t.image_done === done).reduce((sum, t) => sum + t.n, 0)
  const proposals = tallies.filter((t) => t.source === 'auto' && t.image_done === 1).reduce((sum, t) => sum + t.n, 0)
  const autoAccepted = count('auto', 'auto_accepted')
  const acceptedAfterReview = count('auto', 'accepted')
  const rejected = count('auto', 'rejected')
  const replaced = count('auto', 'deleted')
  const manual = count('manual', 'accepted')
  const final = autoAccepted + acceptedAfterReview + manual
  const manualTimed = tallies.filter((t) => t.source === 'manual' && t.state === 'accepted')
  const seconds = manualTimed.reduce((sum, t) => sum + t.seconds_sum, 0)
  const timed = manualTimed.reduce((sum, t) => sum + t.seconds_n, 0)
  return {
    doneImages,
    proposals,
    autoAccepted,
    acceptedAfterReview,
    rejected,
    replaced,
    manual,
    autoAcceptRate: ratio(autoAccepted, final),
    rejectionRate: ratio(rejected, autoAccepted + acceptedAfterReview + rejected + replaced),
    manualPerImage: ratio(manual, doneImages),
    totalPerImage: ratio(final, doneImages),
    masksPerHour: seconds > 0 ? (3600 * timed) / seconds : null,
    medianSecondsPerMask,
    coverageAtDone,
  }
}

export class DashboardQueries {
  constructor(private readonly db: ProjectDb) {}

  /** Figures of one model (or all, null). */
  figures(modelKey: ModelKey): EngineFigures {
    const filter = modelFilter(modelKey)
    const tallies = this.db
      .prepare(
        `SELECT source, state, image_done, sum(n) AS n, total(seconds_sum) AS seconds_sum, sum(seconds_n) AS seconds_n
         FROM mask_tallies WHERE source IN ('auto', 'manual')${filter.sql} GROUP BY source, state, image_done`,
      )
      .all(...filter.params) as StateTally[]
    const images = this.doneImages(modelKey)
    return figuresFrom(tallies, images.done, this.medianSeconds(modelKey, timedCount(tallies)), images.coverage)
  }

  /** Every model that made masks, in order of first use (its first proposal run, else when it was added). */
  cycles(): EngineCycle[] {
    const rows = this.db
      .prepare(
        `SELECT k.model_key AS id, m.name, m.bundled,
           coalesce((SELECT min(r.created_at) FROM proposal_runs r WHERE r.model_id = k.model_key), m.created_at) AS firstUsedAt
         FROM (SELECT model_key FROM mask_tallies GROUP BY model_key HAVING sum(n) > 0) k LEFT JOIN models m ON m.id = k.model_key`,
      )
      .all() as { id: number; name: string | null; bundled: number | null; firstUsedAt: string | null }[]
    rows.sort(
      (a, b) => (a.id === 0 ? 1 : 0) - (b.id === 0 ? 1 : 0) || (a.firstUsedAt ?? '').localeCompare(b.firstUsedAt ?? '') || a.id - b.id,
    )
    // One pass each over the tallies and over the images of every model.
    const tallies = this.db
      .prepare(
        `SELECT model_key, source, state, image_done, sum(n) AS n, total(seconds_sum) AS seconds_sum, sum(seconds_n) AS seconds_n
         FROM mask_tallies WHERE source IN ('auto', 'manual') GROUP BY model_key, source, state, image_done`,
      )
      .all() as (StateTally & { model_key: number })[]
    const images = new Map(
      (
        this.db
          .prepare(
            `SELECT im.model_id AS model, count(*) AS done, avg(1 - l.uncovered_fraction) AS coverage
             FROM image_models im CROSS JOIN images i ON i.id = im.image_id LEFT JOIN image_status_log l ON l.image_id = im.image_id AND l.status = 'done'
             WHERE i.status = 'done' GROUP BY im.model_id`,
          )
          .all() as { model: number; done: number; coverage: number | null }[]
      ).map((row) => [row.model, row]),
    )
    return rows.map((row) => {
      const own = tallies.filter((tally) => tally.model_key === row.id)
      const image = images.get(row.id)
      return {
        modelId: row.id,
        name: row.id === 0 ? 'without a model' : row.bundled ? 'Demo segmenter' : (row.name ?? `model ${row.id}`),
        firstUsedAt: row.firstUsedAt,
        figures: figuresFrom(own, image?.done ?? 0, this.medianSeconds(row.id, timedCount(own)), image?.coverage ?? null),
      }
    })
  }

  /** Predicted IoU and stability of proposals on done images: kept (auto-accepted or accepted) vs rejected. */
  histograms(modelKey: ModelKey): { predictedIou: ScoreHistogram; stability: ScoreHistogram } {
    const filter = modelFilter(modelKey)
    const histogram = (column: 'iou_bin' | 'stability_bin'): ScoreHistogram => {
      const rows = this.db
        .prepare(
          `SELECT ${column} AS bin, state = 'rejected' AS rejected, sum(n) AS n FROM mask_tallies
           WHERE source = 'auto' AND image_done = 1 AND state IN ('accepted', 'auto_accepted', 'rejected') AND ${column} >= 0${filter.sql}
           GROUP BY bin, rejected`,
        )
        .all(...filter.params) as { bin: number; rejected: number; n: number }[]
      const accepted = Array.from({ length: SCORE_BINS }, () => 0)
      const rejected = Array.from({ length: SCORE_BINS }, () => 0)
      for (const row of rows) (row.rejected ? rejected : accepted)[row.bin] = row.n
      return { edges: Array.from({ length: SCORE_BINS + 1 }, (_, index) => index / SCORE_BINS), accepted, rejected }
    }
    return { predictedIou: histogram('iou_bin'), stability: histogram('stability_bin') }
  }

  calibration(modelKey: ModelKey): Calibration {
    refreshProposalOutcomes(this.db)
    const filter = modelFilter(modelKey)
    const sums = Array.from({ length: CALIBRATION_BINS }, () => ({ count: 0, predicted: 0, measured: 0 }))
    const kept = this.db
      .prepare(
        `SELECT iou_bin / 2 AS bin, state = 'rejected' AS rejected, sum(n) AS n, total(iou_sum) AS predicted FROM mask_tallies
         WHERE source = 'auto' AND image_done = 1 AND state IN ('accepted', 'auto_accepted', 'rejected') AND iou_bin >= 0${filter.sql}
         GROUP BY bin, rejected`,
      )
      .all(...filter.params) as { bin: number; rejected: number; n: number; predicted: number }[]
    for (const row of kept) {
      const bin = sums[row.bin] as (typeof sums)[number]
      bin.count += row.n
      bin.predicted += row.predicted
      bin.measured += row.rejected ? 0 : row.n
    }
    const replacedFilter = modelFilter(modelKey, 'm.model_id')
    const replaced = this.db
      .prepare(
        `SELECT min(${CALIBRATION_BINS - 1}, max(0, CAST(m.predicted_iou * ${CALIBRATION_BINS} AS INTEGER))) AS bin, count(*) AS n,
           total(m.predicted_iou) AS predicted, total(o.measured_iou) AS measured
         FROM proposal_outcomes o CROSS JOIN masks m ON m.id = o.mask_id CROSS JOIN images i ON i.id = m.image_id
         WHERE m.source = 'auto' AND m.state = 'deleted' AND m.predicted_iou IS NOT NULL AND i.status = 'done'${replacedFilter.sql}
         GROUP BY bin`,
      )
      .all(...replacedFilter.params) as { bin: number; n: number; predicted: number; measured: number }[]
    for (const row of replaced) {
      const bin = sums[row.bin] as (typeof sums)[number]
      bin.count += row.n
      bin.predicted += row.predicted
      bin.measured += row.measured
    }
    return calibrationFrom(sums)
  }

  /** Stage 3 readiness from the cycles (latest model cycle with done images) and its calibration. */
  readiness(cycles: readonly EngineCycle[]): ReadinessCriterion[] {
    const measured = cycles.filter((cycle) => cycle.modelId !== 0 && cycle.figures.doneImages > 0)
    const latest = measured[measured.length - 1]
    return readinessFrom(measured, latest ? this.calibration(latest.modelId) : null)
  }

  /** Every panel, each timed (ms). */
  dashboard(modelKey: ModelKey): Dashboard {
    const panelMs: Record<string, number> = {}
    const timed = <T>(name: string, run: () => T): T => {
      const started = performance.now()
      const result = run()
      panelMs[name] = performance.now() - started
      return result
    }
    const figures = timed('figures', () => this.figures(modelKey))
    const cycles = timed('cycles', () => this.cycles())
    const { predictedIou, stability } = timed('histograms', () => this.histograms(modelKey))
    const calibration = timed('calibration', () => this.calibration(modelKey))
    const readiness = timed('readiness', () => this.readiness(cycles))
    return { modelId: modelKey, figures, cycles, predictedIou, stability, calibration, readiness, panelMs }
  }

  /** Done images of a model (images where it made a mask) or of the project, and their mean coverage at done. */
  private doneImages(modelKey: ModelKey): { done: number; coverage: number | null } {
    const coverage = 'avg(1 - l.uncovered_fraction) AS coverage'
    if (modelKey === null)
      return this.db
        .prepare(
          `SELECT count(*) AS done, ${coverage} FROM images i LEFT JOIN image_status_log l ON l.image_id = i.id AND l.status = 'done'
           WHERE i.status = 'done'`,
        )
        .get() as { done: number; coverage: number | null }
    return this.db
      .prepare(
        `SELECT count(*) AS done, ${coverage} FROM image_models im CROSS JOIN images i ON i.id = im.image_id
           LEFT JOIN image_status_log l ON l.image_id = im.image_id AND l.status = 'done'
         WHERE im.model_id = ? AND i.status = 'done'`,
      )
      .get(modelKey) as { done: number; coverage: number | null }
  }

  /** The median of `count` timed manual masks by an OFFSET walk of the partial index (mean of the middle two when even). */
  private medianSeconds(modelKey: ModelKey, count: number): number | null {
    if (count === 0) return null
    const at = (offset: number): number =>
      (modelKey === null
        ? this.db
            .prepare(
              "SELECT seconds_spent FROM masks WHERE source = 'manual' AND state = 'accepted' AND seconds_spent IS NOT NULL ORDER BY seconds_spent LIMIT 1 OFFSET ?",
            )
            .pluck()
            .get(offset)
        : this.db
            .prepare(
              "SELECT seconds_spent FROM masks WHERE source = 'manual' AND state = 'accepted' AND seconds_spent IS NOT NULL AND model_id IS ? ORDER BY seconds_spent LIMIT 1 OFFSET ?",
            )
            .pluck()
            .get(modelKey === 0 ? null : modelKey, offset)) as number
    const middle = Math.floor((count - 1) / 2)
    return count % 2 === 1 ? at(middle) : (at(middle) + at(middle + 1)) / 2
  }
}

/** Reliability bins and ECE from per-bin sums (pure). */
export function calibrationFrom(sums: readonly { count: number; predicted: number; measured: number }[]): Calibration {
  const total = sums.reduce((sum, bin) => sum + bin.count, 0)
  const bins: CalibrationBin[] = sums.map((bin, index) => ({
    low: index / sums.length,
    high: (index + 1) / sums.length,
    count: bin.count,
    meanPredicted: bin.count === 0 ? null : bin.predicted / bin.count,
    meanMeasured: bin.count === 0 ? null : bin.measured / bin.count,
  }))
  const ece =
    total === 0 ? null : sums.reduce((sum, bin) => (bin.count === 0 ? sum : sum + Math.abs(bin.predicted - bin.measured) / total), 0)
  return { bins, proposals: total, expectedCalibrationError: ece }
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`
}

/** The three Stage 3 criteria from the measured cycles (oldest first) and the latest cycle's calibration (pure). */
export function readinessFrom(measured: readonly EngineCycle[], latestCalibration: Calibration | null): ReadinessCriterion[] {
  const latest = measured[measured.length - 1]
  const previous = measured[measured.length - 2]
  const rate = latest?.figures.autoAcceptRate ?? null
  const ece = latestCalibration?.expectedCalibrationError ?? null
  const previousRate = previous?.figures.autoAcceptRate ?? null
  const gain = rate !== null && previousRate !== null ? rate - previousRate : null
  const state = (value: number | null, met: (value: number) => boolean) => (value === null ? 'unknown' : met(value) ? 'met' : 'not_met')
  const cycle = latest ? `latest cycle: ${latest.name}` : 'no cycle has done images yet'
  return [
    {
      key: 'auto_accept',
      label: 'Auto-accept rate',
      value: rate,
      target: `above ${percent(READINESS.minAutoAcceptRate)}`,
      state: state(rate, (value) => value > READINESS.minAutoAcceptRate),
      detail: rate === null ? cycle : `${percent(rate)} of final masks needed no person (${cycle})`,
    },
    {
      key: 'calibration',
      label: 'Calibration error (ECE)',
      value: ece,
      target: `below ${percent(READINESS.maxCalibrationError)}`,
      state: state(ece, (value) => value < READINESS.maxCalibrationError),
      detail:
        ece === null
          ? `no decided proposals on done images (${cycle})`
          : `predicted IoU is off by ${percent(ece)} on average over ${latestCalibration?.proposals ?? 0} proposals (${cycle})`,
    },
    {
      key: 'cycle_gain',
      label: 'Cycle-over-cycle gain',
      value: gain,
      target: `below ${percent(READINESS.maxCycleGain)} (auto-accept rate, points)`,
      state: state(gain, (value) => value < READINESS.maxCycleGain),
      detail:
        gain === null
          ? 'needs two model cycles with done images'
          : `${previous?.name ?? ''} → ${latest?.name ?? ''}: ${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(1)} points`,
    },
  ]
}

/**
 * Measured IoU of proposals replaced by a person's mask that have none yet: IoU(proposal,
 * replacement) with the COCO RLE maths, stored in proposal_outcomes. Returns how many were computed.
 * Cost: one RLE IoU per newly replaced proposal; earlier ones are cached.
 */
export function refreshProposalOutcomes(db: ProjectDb): number {
  const pending = db
    .prepare(
      `SELECT m.id, m.rle_counts AS counts, i.annotation_height AS h, i.annotation_width AS w FROM masks m JOIN images i ON i.id = m.image_id
       WHERE m.source = 'auto' AND m.state = 'deleted' AND NOT EXISTS (SELECT 1 FROM proposal_outcomes o WHERE o.mask_id = m.id)`,
    )
    .all() as { id: number; counts: string; h: number; w: number }[]
  if (pending.length === 0) return 0
  const replacement = db.prepare(
    `SELECT id, rle_counts AS counts FROM masks WHERE source = 'manual' AND ${REPLACES_SQL} = ? ORDER BY id DESC LIMIT 1`,
  )
  const insert = db.prepare('INSERT OR REPLACE INTO proposal_outcomes (mask_id, replaced_by, measured_iou) VALUES (?, ?, ?)')
  db.transaction(() => {
    for (const proposal of pending) {
      const by = replacement.get(proposal.id) as { id: number; counts: string } | undefined
      const size: [number, number] = [proposal.h, proposal.w]
      const iou = by ? (iouMatrix([{ size, counts: proposal.counts }], [{ size, counts: by.counts }])[0]?.[0] ?? 0) : 0
      insert.run(proposal.id, by?.id ?? null, iou)
    }
  })()
  return pending.length
}
