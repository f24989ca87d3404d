/**
 * What an export includes: which images, which mask states, and quality thresholds. Shared by the
 * SA-1B, COCO and bundle writers so the three agree on the same selection.
 */
import type { ImageStatus } from '../../../src-preload/contract/dto'
import type { ProjectDb } from '../project/database'
import type { ImageRow } from '../project/image-repository'
import { MaskRepository, type MaskRecord, type MaskState } from '../project/mask-repository'
import { ExchangeError } from './exchange-error'

export type ImageSelection =
  /** Every image of the project. */
  | { kind: 'all' }
  /** These image ids (unknown ids are an error: `unknown_image`). */
  | { kind: 'ids'; ids: readonly number[] }
  /** Images with this status, e.g. 'done'. */
  | { kind: 'status'; status: ImageStatus }
  /** The sample of this audit (audit_items), e.g. to hand the audited images to someone (unknown audit: `unknown_audit`). */
  | { kind: 'audit'; auditId: number }

export interface ExportFilter {
  /** Mask states to export; default `DEFAULT_EXPORT_STATES`. */
  states?: readonly MaskState[]
  /** Masks below this predicted IoU are left out; masks with no predicted IoU too, when set. */
  minPredictedIou?: number
  /** Masks below this stability score are left out; masks with no score too, when set. */
  minStabilityScore?: number
  /** Area bounds in annotation pixels (inclusive). */
  minArea?: number
  maxArea?: number
  /** Largest area as a fraction of the image's annotation area (0..1), e.g. 0.95 drops whole-image masks. */
  maxRelativeArea?: number
  /** Default every image. */
  images?: ImageSelection
}

/** Decided masks: what a dataset export takes by default (proposals, rejections and deletions stay home). */
export const DEFAULT_EXPORT_STATES: readonly MaskState[] = ['accepted', 'auto_accepted']

const IMAGE_COLUMNS =
  'id, content_hash, rel_path, file_size, file_mtime_ms, width, height, orientation, annotation_width, annotation_height, status, missing'

/** Whether one mask passes the filter's quality thresholds (its state is filtered in SQL). */
export function passesQuality(
  mask: MaskRecord,
  image: Pick<ImageRow, 'annotation_width' | 'annotation_height'>,
  filter: ExportFilter,
): boolean {
  if (filter.minPredictedIou !== undefined && (mask.predictedIou === null || mask.predictedIou < filter.minPredictedIou)) return false
  if (filter.minStabilityScore !== undefined && (mask.stabilityScore === null || mask.stabilityScore < filter.minStabilityScore))
    return false
  if (filter.minArea !== undefined && mask.area < filter.minArea) return false
  if (filter.maxArea !== undefined && mask.area > filter.maxArea) return false
  if (filter.maxRelativeArea !== undefined && mask.area > filter.maxRelativeArea * image.annotation_width * image.annotation_height)
    return false
  return true
}

/**
 * passesQuality's rule and the state filter as an SQL condition on `masks m JOIN images i`, with its
 * parameters (the same comparisons in the same order of operations, so the same masks pass:
 * property-tested against passesQuality).
 */
export function qualityCondition(filter: ExportFilter, states: readonly MaskState[]): { sql: string; parameters: unknown[] } {
  const terms = [`m.state IN (${states.map(() => '?').join(', ')})`]
  const parameters: unknown[] = [...states]
  const add = (term: string, value: number | undefined) => {
    if (value === undefined) return
    terms.push(term)
    parameters.push(value)
  }
  // NULL scores fail a set minimum, as in passesQuality.
  add('m.predicted_iou >= ?', filter.minPredictedIou)
  add('m.stability_score >= ?', filter.minStabilityScore)
  add('m.area >= ?', filter.minArea)
  add('m.area <= ?', filter.maxArea)
  add('m.area <= ? * i.annotation_width * i.annotation_height', filter.maxRelativeArea)
  return { sql: terms.join(' AND '), parameters }
}

/**
 * Walks the selected images in id order with their filtered masks, one image in memory at a time.
 * `count()` gives the number of selected images (for progress) without loading them.
 */
export class ExportSelection {
  private readonly masks: MaskRepository
  private readonly imageById
  private auditSample: { kind: 'ids'; ids: readonly number[] } | null = null

  constructor(
    private readonly db: ProjectDb,
    readonly filter: ExportFilter = {},
  ) {
    this.masks = new MaskRepository(db)
    this.imageById = db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = ?`)
  }

  get states(): readonly MaskState[] {
    return this.filter.states ?? DEFAULT_EXPORT_STATES
  }

  /** Throws `unknown_image` when an asked-for id is not in the project, `unknown_audit` when the audit is not. */
  validate(): void {
    const selection = this.selection()
    if (selection.kind !== 'ids') return
    const wanted = new Set(selection.ids)
    let found = 0
    for (const _id of this.masks.imageIds({ imageIds: [...wanted] })) found++
    if (found !== wanted.size) {
      const missing = [...wanted].filter((id) => !this.imageById.get(id)).slice(0, 10)
      throw new ExchangeError('unknown_image', `These images are not in the project: ${missing.join(', ')}.`)
    }
  }

  count(): number {
    const selection = this.selection()
    if (selection.kind === 'ids') return new Set(selection.ids).size
    if (selection.kind === 'status')
      return (this.db.prepare('SELECT count(*) AS n FROM images WHERE status = ?').get(selection.status) as { n: number }).n
    return (this.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n
  }

  /**
   * What an export of this selection writes, counted in SQL without reading a mask into JavaScript
   * (a preview must answer at once for 100,000 images): the selected images (each gets its document),
   * the masks that pass, and the images that have at least one.
   */
  counts(): { images: number; masks: number; imagesWithMasks: number } {
    const selection = this.selection()
    const quality = qualityCondition(this.filter, this.states)
    const scope =
      selection.kind === 'ids'
        ? { sql: 'm.image_id IN (SELECT value FROM json_each(?))', parameters: [JSON.stringify([...new Set(selection.ids)])] }
        : selection.kind === 'status'
          ? { sql: 'i.status = ?', parameters: [selection.status] }
          : { sql: '1', parameters: [] }
    const row = this.db
      .prepare(
        `SELECT count(*) AS masks, count(DISTINCT m.image_id) AS images FROM masks m JOIN images i ON i.id = m.image_id
         WHERE ${scope.sql} AND ${quality.sql}`,
      )
      .get(...scope.parameters, ...quality.parameters) as { masks: number; images: number }
    return { images: this.count(), masks: row.masks, imagesWithMasks: row.images }
  }

  /** Selected image ids, ascending, a page at a time. */
  *imageIds(): Generator<number> {
    const selection = this.selection()
    if (selection.kind === 'ids') yield* this.masks.imageIds({ imageIds: selection.ids })
    else if (selection.kind === 'status') yield* this.masks.imageIds({ imageStatus: selection.status })
    else yield* this.masks.imageIds()
  }

  /**
   * The filter's images with an audit resolved to its sample's ids (read once: a sample is a few
   * percent of the done images, so its ids are held like an explicit selection's).
   */
  private selection(): Exclude<ImageSelection, { kind: 'audit' }> {
    const selection = this.filter.images ?? { kind: 'all' }
    if (selection.kind !== 'audit') return selection
    if (!this.auditSample) {
      const audit = this.db.prepare('SELECT id FROM audits WHERE id = ?').get(selection.auditId)
      if (!audit) throw new ExchangeError('unknown_audit', `There is no audit ${selection.auditId} in this project.`)
      const ids = this.db.prepare('SELECT image_id FROM audit_items WHERE audit_id = ? ORDER BY image_id').pluck().all(selection.auditId)
      this.auditSample = { kind: 'ids', ids: ids as number[] }
    }
    return this.auditSample
  }

  image(id: number): ImageRow {
    return this.imageById.get(id) as ImageRow
  }

  /** The image's masks that pass the filter, in id order. */
  masksOf(image: ImageRow): MaskRecord[] {
    return this.masks.listByImage(image.id, { states: this.states }).filter((mask) => passesQuality(mask, image, this.filter))
  }

  /** Selected images with their filtered masks, in image-id order. */
  *images(): Generator<{ image: ImageRow; masks: MaskRecord[] }> {
    for (const id of this.imageIds()) {
      const image = this.image(id)
      yield { image, masks: this.masksOf(image) }
    }
  }
}
