/**
 * Automatic proposals in the project database: runs, per-image progress (for resume), saving an
 * image's proposals (replacing only the run's untouched ones), and re-triage of stored proposals when
 * thresholds change — one UPDATE, no model run, never touching a person's decision.
 */
import { createHash } from 'node:crypto'
import { actorName, type Actor } from '../project/actor'
import type { ProjectDb } from '../project/database'
import { DEFAULT_TRIAGE, classify, validateTriage, type TriageClass, type TriageSettings } from './triage'
import { AppError } from '../../../src-preload/contract/errors'

/** One generator record (SA-1B fields) at annotation size. */
export interface ProposalRecord {
  /** COCO compressed RLE counts at the image's annotation size. */
  rleCounts: string
  area: number
  /** SA-1B convention [x, y, w, h]. */
  bbox: [number, number, number, number]
  predictedIou: number
  stabilityScore: number
  pointCoords: [number, number][]
  cropBox: [number, number, number, number]
  /** Box prompt when the proposal came from an imported detection, XYXY. */
  box?: [number, number, number, number]
}

export interface TriageCounts {
  auto: number
  review: number
  discarded: number
}

/** States a proposal has until a person decides: only these are re-triaged or replaced. */
export const UNTOUCHED_PROPOSAL_STATES = ['auto_accepted', 'proposed', 'discarded'] as const
const UNTOUCHED_SQL = `('auto_accepted', 'proposed', 'discarded')`
const STATE_OF: Record<TriageClass, (typeof UNTOUCHED_PROPOSAL_STATES)[number]> = {
  auto: 'auto_accepted',
  review: 'proposed',
  discard: 'discarded',
}

/** JSON with sorted keys, so equal parameters always hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export class ProposalStore {
  constructor(
    private readonly db: ProjectDb,
    private readonly actor: Actor,
  ) {}

  triage(): TriageSettings {
    const row = this.db.prepare('SELECT triage FROM project').get() as { triage: string | null } | undefined
    return row?.triage ? (JSON.parse(row.triage) as TriageSettings) : DEFAULT_TRIAGE
  }

  /** The run for this model + source + parameters, created on first use. */
  ensureRun(modelId: number, source: 'grid' | 'boxes', params: unknown): number {
    const json = canonicalJson(params)
    const hash = createHash('sha256').update(json).digest('hex')
    const existing = this.db
      .prepare('SELECT id FROM proposal_runs WHERE model_id = ? AND source = ? AND params_hash = ?')
      .get(modelId, source, hash) as { id: number } | undefined
    if (existing) return existing.id
    return Number(
      this.db
        .prepare('INSERT INTO proposal_runs (model_id, source, params, params_hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(modelId, source, json, hash, new Date().toISOString()).lastInsertRowid,
    )
  }

  /** Images of `imageIds` this run has not finished (failed ones are retried). */
  pendingImages(runId: number, imageIds: readonly number[]): number[] {
    const done = new Set(
      (this.db.prepare("SELECT image_id AS id FROM run_images WHERE run_id = ? AND state = 'done'").all(runId) as { id: number }[]).map(
        (row) => row.id,
      ),
    )
    return imageIds.filter((id) => !done.has(id))
  }

  /**
   * Stores one image's proposals for a run in one transaction: the run's untouched proposals of the
   * image are replaced; masks a person accepted, rejected or edited stay as they are.
   */
  saveImage(runId: number, modelId: number, imageId: number, records: readonly ProposalRecord[], seconds: number): TriageCounts {
    const image = this.db.prepare('SELECT annotation_width AS w, annotation_height AS h FROM images WHERE id = ?').get(imageId) as
      { w: number; h: number } | undefined
    if (!image) throw new AppError('not_found', `Image ${imageId} is not in this project.`)
    const settings = this.triage()
    const counts: TriageCounts = { auto: 0, review: 0, discarded: 0 }
    const now = new Date().toISOString()
    const insert = this.db.prepare(
      `INSERT INTO masks (image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, predicted_iou, stability_score,
         point_coords, crop_box, prompt, model_id, actor, created_at, updated_at, run_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'auto', ?, ?, ?, ?, ?, ?, ?, 'tessera', ?, ?, ?)`,
    )
    this.db.transaction(() => {
      const removed = this.db
        .prepare(`DELETE FROM masks WHERE run_id = ? AND image_id = ? AND source = 'auto' AND state IN ${UNTOUCHED_SQL}`)
        .run(runId, imageId).changes
      for (const record of records) {
        const triageClass = classify(
          { predictedIou: record.predictedIou, stability: record.stabilityScore, area: record.area },
          image.w * image.h,
          settings,
        )
        counts[triageClass === 'discard' ? 'discarded' : triageClass]++
        const prompt = {
          points: record.pointCoords.map(([x, y]) => ({ x, y, label: 'positive' })),
          ...(record.box ? { box: record.box } : {}),
        }
        insert.run(
          imageId,
          record.rleCounts,
          record.area,
          ...record.bbox,
          STATE_OF[triageClass],
          record.predictedIou,
          record.stabilityScore,
          JSON.stringify(record.pointCoords),
          JSON.stringify(record.cropBox),
          JSON.stringify(prompt),
          modelId,
          now,
          now,
          runId,
        )
      }
      this.db
        .prepare(
          "INSERT OR REPLACE INTO run_images (run_id, image_id, state, error, proposals, seconds, at) VALUES (?, ?, 'done', NULL, ?, ?, ?)",
        )
        .run(runId, imageId, records.length, seconds, now)
      this.db
        .prepare(
          "INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, 'proposals:saved', 'image', ?, ?, ?)",
        )
        .run(now, actorName(this.actor), imageId, JSON.stringify({ replaced: removed }), JSON.stringify({ runId, ...counts }))
    })()
    return counts
  }

  /**
   * Whether a point-grid run of the model has been over the image (done or failed): re-seeding runs,
   * which only prompt inside gaps, do not count.
   */
  gridRunVisited(modelId: number, imageId: number): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM run_images ri JOIN proposal_runs r ON r.id = ri.run_id
           WHERE ri.image_id = ? AND r.model_id = ? AND r.source = 'grid' AND json_extract(r.params, '$.reseed') IS NULL LIMIT 1`,
        )
        .get(imageId, modelId) !== undefined
    )
  }

  /** Parameters of the model's latest point-grid run (re-seeding runs left out), or null when it has none. */
  latestGridParams(modelId: number): Record<string, unknown> | null {
    const row = this.db
      .prepare(
        `SELECT params FROM proposal_runs WHERE model_id = ? AND source = 'grid' AND json_extract(params, '$.reseed') IS NULL
         ORDER BY id DESC LIMIT 1`,
      )
      .get(modelId) as { params: string } | undefined
    return row ? (JSON.parse(row.params) as Record<string, unknown>) : null
  }

  markFailed(runId: number, imageId: number, error: string): void {
    this.db
      .prepare("INSERT OR REPLACE INTO run_images (run_id, image_id, state, error, proposals, at) VALUES (?, ?, 'failed', ?, 0, ?)")
      .run(runId, imageId, error, new Date().toISOString())
  }

  /** New thresholds: every untouched proposal is re-triaged in one statement (no model run). */
  setTriage(settings: TriageSettings): TriageCounts {
    const problems = validateTriage(settings)
    if (problems.length > 0) throw new AppError('invalid_request', `Triage settings: ${problems.join('; ')}.`)
    const before = this.triage()
    const now = new Date().toISOString()
    this.db.transaction(() => {
      this.db.prepare('UPDATE project SET triage = ?').run(JSON.stringify(settings))
      // Mirrors classify(): area fraction first, then auto, then the review floor.
      this.db
        .prepare(
          `UPDATE masks SET updated_at = @now, state = (
             SELECT CASE
               WHEN CAST(masks.area AS REAL) / (i.annotation_width * i.annotation_height) > @maxFraction THEN 'discarded'
               WHEN masks.predicted_iou >= @autoIou AND masks.stability_score >= @autoStability AND masks.area >= @autoArea THEN 'auto_accepted'
               WHEN masks.predicted_iou >= @reviewIou AND masks.stability_score >= @reviewStability AND masks.area >= @reviewArea THEN 'proposed'
               ELSE 'discarded' END
             FROM images i WHERE i.id = masks.image_id)
           WHERE source = 'auto' AND state IN ${UNTOUCHED_SQL}`,
        )
        .run({
          now,
          maxFraction: settings.maxAreaFraction,
          autoIou: settings.auto.predictedIou,
          autoStability: settings.auto.stability,
          autoArea: settings.auto.minArea,
          reviewIou: settings.review.predictedIou,
          reviewStability: settings.review.stability,
          reviewArea: settings.review.minArea,
        })
      this.db
        .prepare(
          "INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, 'triage:changed', 'project', NULL, ?, ?)",
        )
        .run(now, actorName(this.actor), JSON.stringify(before), JSON.stringify(settings))
    })()
    return this.totals()
  }

  totals(): TriageCounts {
    const rows = this.db
      .prepare(`SELECT state, count(*) AS n FROM masks WHERE source = 'auto' AND state IN ${UNTOUCHED_SQL} GROUP BY state`)
      .all() as { state: string; n: number }[]
    const counts: TriageCounts = { auto: 0, review: 0, discarded: 0 }
    for (const row of rows) counts[row.state === 'auto_accepted' ? 'auto' : row.state === 'proposed' ? 'review' : 'discarded'] += row.n
    return counts
  }
}
