/**
 * The audit side of a project database: drawing samples, verdicts, missing objects, notes and
 * finished images. Nothing here changes an annotator's masks: verdicts live in their own tables and
 * every write is also an event with the reviewer as actor (entity 'audit', entity_id the audit id),
 * so a changed verdict keeps its history. Each request is one transaction.
 *
 * The masks an image is audited on are its final masks (accepted and auto-accepted), gold-standard
 * masks excluded.
 */
import { randomBytes } from 'node:crypto'
import type {
  AuditItem,
  AuditStratifier,
  AuditStratumSummary,
  AuditSummary,
  AuditVerdict,
  MissingPoint,
  Verdict,
} from '../../../src-preload/contract/audit'
import { AppError } from '../../../src-preload/contract/errors'
import type { ProjectDb } from '../project/database'
import { MaskRepository, type MaskRecord, type MaskSource, type MaskState } from '../project/mask-repository'
import { drawSample, type PopulationImage, type Sample } from './sampling'

/** Masks that are part of the dataset, the ones an audit judges. */
export const FINAL_STATES_SQL = "('accepted', 'auto_accepted')"
/** SQL condition: mask `alias` is not a gold-standard mask. */
export function notGold(alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM gold_masks g WHERE g.mask_id = ${alias}.id)`
}

export interface DrawOptions {
  fraction: number
  strata: readonly AuditStratifier[]
  seed?: string | undefined
  name?: string | undefined
}

/** A verdict row as stored, with the snapshot of the mask it judged. */
export interface VerdictRow {
  imageId: number
  maskId: number
  verdict: Verdict
  reviewer: string
  at: string
  maskState: MaskState
  maskSource: MaskSource
  modelId: number | null
  area: number
}

export interface ItemRow {
  imageId: number
  position: number
  stratum: string
  annotator: string
  reviewedAt: string | null
}

/** Everything a report is computed from: only stored rows, nothing read from the masks now. */
export interface ReportInput {
  audit: AuditSummary
  items: ItemRow[]
  verdicts: VerdictRow[]
  missing: { imageId: number }[]
}

interface AuditRow {
  id: number
  name: string
  drawn_by: string
  drawn_at: string
  seed: string
  fraction: number
  strata: string
  population_size: number
  population_hash: string
  sample_size: number
  strata_counts: string
  reviewed: number
  verdicts: number
}

const AUDIT_SELECT = `SELECT a.*,
    (SELECT count(*) FROM audit_items i WHERE i.audit_id = a.id AND i.reviewed_at IS NOT NULL) AS reviewed,
    (SELECT count(*) FROM audit_verdicts v WHERE v.audit_id = a.id) AS verdicts
  FROM audits a`

const ITEM_SELECT = `SELECT i.image_id AS imageId, i.position, im.rel_path AS relPath, im.content_hash AS contentHash, i.stratum,
    i.annotator, i.notes, i.reviewed_by AS reviewedBy, i.reviewed_at AS reviewedAt,
    (SELECT count(*) FROM masks m WHERE m.image_id = i.image_id AND m.state IN ${FINAL_STATES_SQL} AND ${notGold('m')}) AS maskCount,
    (SELECT count(*) FROM audit_verdicts v WHERE v.audit_id = i.audit_id AND v.image_id = i.image_id) AS verdictCount,
    (SELECT count(*) FROM audit_missing p WHERE p.audit_id = i.audit_id AND p.image_id = i.image_id) AS missingCount
  FROM audit_items i JOIN images im ON im.id = i.image_id`

function toSummary(row: AuditRow): AuditSummary {
  return {
    id: row.id,
    name: row.name,
    drawnBy: row.drawn_by,
    drawnAt: row.drawn_at,
    seed: row.seed,
    fraction: row.fraction,
    strata: JSON.parse(row.strata) as AuditStratifier[],
    populationSize: row.population_size,
    populationHash: row.population_hash,
    sampleSize: row.sample_size,
    reviewedImages: row.reviewed,
    verdicts: row.verdicts,
    strataCounts: JSON.parse(row.strata_counts) as AuditStratumSummary[],
  }
}

/** "5%", "2.5%". */
function percentLabel(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`
}

export class AuditStore {
  readonly masks: MaskRepository

  constructor(private readonly db: ProjectDb) {
    this.masks = new MaskRepository(db)
  }

  /** Done images present on disk, with who marked them done and their final masks by source. */
  population(): PopulationImage[] {
    return this.db
      .prepare(
        `SELECT i.id AS imageId, i.content_hash AS contentHash,
           CASE WHEN l.status = 'done' THEN l.actor ELSE 'unknown' END AS annotator,
           ifnull(t.final_auto, 0) AS finalAuto, ifnull(t.final_manual, 0) AS finalManual
         FROM images i LEFT JOIN image_status_log l ON l.image_id = i.id LEFT JOIN image_tallies t ON t.image_id = i.id
         WHERE i.status = 'done' AND i.missing = 0`,
      )
      .all() as PopulationImage[]
  }

  /** The sample sizes an audit would have (they do not depend on the seed). */
  preview(fraction: number, strata: readonly AuditStratifier[]): Pick<Sample, 'populationSize' | 'strata'> & { sampleSize: number } {
    const sample = drawSample(this.population(), { seed: 'preview', fraction, strata })
    return { populationSize: sample.populationSize, sampleSize: sample.images.length, strata: sample.strata }
  }

  draw(options: DrawOptions, actor: string): AuditSummary {
    const seed = options.seed ?? randomBytes(4).toString('hex')
    const strata = [...new Set(options.strata)].sort()
    return this.db.transaction(() => {
      const sample = drawSample(this.population(), { seed, fraction: options.fraction, strata })
      if (sample.populationSize === 0)
        throw new AppError('conflict', 'No image is done yet: an audit samples done images. Mark images done in the workspace first.')
      const at = new Date().toISOString()
      const count = this.db.prepare('SELECT count(*) FROM audits').pluck().get() as number
      const name = options.name ?? `Audit ${count + 1} · ${percentLabel(options.fraction)} of ${sample.populationSize} done`
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO audits (name, drawn_by, drawn_at, seed, fraction, strata, population_size, population_hash, sample_size, strata_counts)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            name,
            actor,
            at,
            seed,
            options.fraction,
            JSON.stringify(strata),
            sample.populationSize,
            sample.populationHash,
            sample.images.length,
            JSON.stringify(sample.strata),
          ).lastInsertRowid,
      )
      const insertItem = this.db.prepare(
        'INSERT INTO audit_items (audit_id, image_id, position, stratum, annotator) VALUES (?, ?, ?, ?, ?)',
      )
      sample.images.forEach((image, position) => insertItem.run(id, image.imageId, position, image.stratum, image.annotator))
      this.event(actor, 'audit:drawn', id, null, {
        name,
        seed,
        fraction: options.fraction,
        strata,
        populationSize: sample.populationSize,
        populationHash: sample.populationHash,
        imageIds: sample.images.map((image) => image.imageId),
      })
      return this.summary(id)
    })()
  }

  list(): AuditSummary[] {
    return (this.db.prepare(`${AUDIT_SELECT} ORDER BY a.id DESC`).all() as AuditRow[]).map(toSummary)
  }

  summary(auditId: number): AuditSummary {
    const row = this.db.prepare(`${AUDIT_SELECT} WHERE a.id = ?`).get(auditId) as AuditRow | undefined
    if (!row) throw new AppError('not_found', `Audit ${auditId} is not in this project.`)
    return toSummary(row)
  }

  items(auditId: number): AuditItem[] {
    this.summary(auditId)
    return this.db.prepare(`${ITEM_SELECT} WHERE i.audit_id = ? ORDER BY i.position`).all(auditId) as AuditItem[]
  }

  item(auditId: number, imageId: number): AuditItem {
    const row = this.db.prepare(`${ITEM_SELECT} WHERE i.audit_id = ? AND i.image_id = ?`).get(auditId, imageId) as AuditItem | undefined
    if (!row) throw new AppError('not_found', `Image ${imageId} is not in audit ${auditId}.`)
    return row
  }

  /** The image's final masks (gold excluded), in id order: what the reviewer judges. */
  auditedMasks(imageId: number): MaskRecord[] {
    const ids = this.db
      .prepare(`SELECT id FROM masks m WHERE m.image_id = ? AND m.state IN ${FINAL_STATES_SQL} AND ${notGold('m')} ORDER BY id`)
      .pluck()
      .all(imageId) as number[]
    return ids.map((id) => this.masks.get(id) as MaskRecord)
  }

  verdicts(auditId: number, imageId: number): AuditVerdict[] {
    return this.db
      .prepare('SELECT mask_id AS maskId, verdict, reviewer, at FROM audit_verdicts WHERE audit_id = ? AND image_id = ? ORDER BY mask_id')
      .all(auditId, imageId) as AuditVerdict[]
  }

  missing(auditId: number, imageId: number): MissingPoint[] {
    return this.db
      .prepare('SELECT id, x, y, reviewer, at FROM audit_missing WHERE audit_id = ? AND image_id = ? ORDER BY id')
      .all(auditId, imageId) as MissingPoint[]
  }

  /** Sets or changes a verdict (latest wins); the mask is snapshotted as it is now. */
  setVerdict(auditId: number, imageId: number, maskId: number, verdict: Verdict, reviewer: string): AuditItem {
    return this.db.transaction(() => {
      this.item(auditId, imageId)
      const mask = this.masks.get(maskId)
      const audited = mask && mask.imageId === imageId && (mask.state === 'accepted' || mask.state === 'auto_accepted')
      const before = this.db
        .prepare('SELECT verdict FROM audit_verdicts WHERE audit_id = ? AND mask_id = ?')
        .pluck()
        .get(auditId, maskId) as Verdict | undefined
      if (!mask || (!audited && before === undefined))
        throw new AppError('invalid_request', `Mask ${maskId} is not one of the final masks of image ${imageId}.`)
      if (before === verdict) return this.item(auditId, imageId)
      const at = new Date().toISOString()
      this.db
        .prepare(
          `INSERT INTO audit_verdicts (audit_id, image_id, mask_id, verdict, reviewer, at, mask_state, mask_source, model_id, area)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (audit_id, mask_id) DO UPDATE SET verdict = excluded.verdict, reviewer = excluded.reviewer, at = excluded.at`,
        )
        .run(auditId, imageId, maskId, verdict, reviewer, at, mask.state, mask.source, mask.modelId, mask.area)
      this.event(reviewer, 'audit:verdict', auditId, before === undefined ? null : { maskId, verdict: before }, {
        imageId,
        maskId,
        verdict,
      })
      return this.item(auditId, imageId)
    })()
  }

  addMissing(auditId: number, imageId: number, x: number, y: number, reviewer: string): { item: AuditItem; point: MissingPoint } {
    return this.db.transaction(() => {
      this.item(auditId, imageId)
      const size = this.db.prepare('SELECT annotation_width AS w, annotation_height AS h FROM images WHERE id = ?').get(imageId) as {
        w: number
        h: number
      }
      if (x > size.w || y > size.h) throw new AppError('invalid_request', `(${x}, ${y}) is outside the image (${size.w} × ${size.h}).`)
      const at = new Date().toISOString()
      const id = Number(
        this.db
          .prepare('INSERT INTO audit_missing (audit_id, image_id, x, y, reviewer, at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(auditId, imageId, x, y, reviewer, at).lastInsertRowid,
      )
      this.event(reviewer, 'audit:missing-added', auditId, null, { imageId, pointId: id, x, y })
      return { item: this.item(auditId, imageId), point: { id, x, y, reviewer, at } }
    })()
  }

  removeMissing(auditId: number, imageId: number, pointId: number, reviewer: string): AuditItem {
    return this.db.transaction(() => {
      const point = this.db
        .prepare('SELECT x, y FROM audit_missing WHERE id = ? AND audit_id = ? AND image_id = ?')
        .get(pointId, auditId, imageId) as { x: number; y: number } | undefined
      if (!point) throw new AppError('not_found', `Missing-object point ${pointId} is not on image ${imageId} of audit ${auditId}.`)
      this.db.prepare('DELETE FROM audit_missing WHERE id = ?').run(pointId)
      this.event(reviewer, 'audit:missing-removed', auditId, { imageId, pointId, ...point }, null)
      return this.item(auditId, imageId)
    })()
  }

  setNotes(auditId: number, imageId: number, notes: string, reviewer: string): AuditItem {
    return this.db.transaction(() => {
      const before = this.item(auditId, imageId).notes
      if (before === notes) return this.item(auditId, imageId)
      this.db.prepare('UPDATE audit_items SET notes = ? WHERE audit_id = ? AND image_id = ?').run(notes, auditId, imageId)
      this.event(reviewer, 'audit:notes', auditId, { imageId, notes: before }, { imageId, notes })
      return this.item(auditId, imageId)
    })()
  }

  /** Finishes an image (every final mask needs a verdict) or reopens it. */
  setReviewed(auditId: number, imageId: number, reviewed: boolean, reviewer: string): AuditItem {
    return this.db.transaction(() => {
      const item = this.item(auditId, imageId)
      if ((item.reviewedAt !== null) === reviewed) return item
      if (reviewed) {
        const judged = new Set(this.verdicts(auditId, imageId).map((verdict) => verdict.maskId))
        const open = this.auditedMasks(imageId).filter((mask) => !judged.has(mask.id)).length
        if (open > 0)
          throw new AppError('conflict', `${open} ${open === 1 ? 'mask needs' : 'masks need'} a verdict before this image is finished.`)
      }
      const at = new Date().toISOString()
      this.db
        .prepare('UPDATE audit_items SET reviewed_by = ?, reviewed_at = ? WHERE audit_id = ? AND image_id = ?')
        .run(reviewed ? reviewer : null, reviewed ? at : null, auditId, imageId)
      this.event(reviewer, reviewed ? 'audit:image-finished' : 'audit:image-reopened', auditId, null, { imageId })
      return this.item(auditId, imageId)
    })()
  }

  reportInput(auditId: number): ReportInput {
    const audit = this.summary(auditId)
    const items = this.db
      .prepare(
        'SELECT image_id AS imageId, position, stratum, annotator, reviewed_at AS reviewedAt FROM audit_items WHERE audit_id = ? ORDER BY position',
      )
      .all(auditId) as ItemRow[]
    const verdicts = this.db
      .prepare(
        `SELECT image_id AS imageId, mask_id AS maskId, verdict, reviewer, at, mask_state AS maskState, mask_source AS maskSource,
           model_id AS modelId, area FROM audit_verdicts WHERE audit_id = ? ORDER BY image_id, mask_id`,
      )
      .all(auditId) as VerdictRow[]
    const missing = this.db.prepare('SELECT image_id AS imageId FROM audit_missing WHERE audit_id = ?').all(auditId) as {
      imageId: number
    }[]
    return { audit, items, verdicts, missing }
  }

  private event(actor: string, kind: string, auditId: number, before: unknown, after: unknown): void {
    this.db
      .prepare("INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, 'audit', ?, ?, ?)")
      .run(
        new Date().toISOString(),
        actor,
        kind,
        auditId,
        before === null ? null : JSON.stringify(before),
        after === null ? null : JSON.stringify(after),
      )
  }
}
