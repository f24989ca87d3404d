/**
 * The review side of one project database: decisions, the per-image undo/redo history, coverage,
 * overlap pairs and their resolution, the review settings and the status gate. Each request is one
 * transaction, so a decision the caller saw succeed is on disk (WAL) and a killed app loses none.
 *
 * Results carry the masks as records and the history state; the app layer turns them into the
 * contract's ReviewChange (it adds the image summary, which needs embedding readiness).
 */
import type { CoverageReport, HistoryState, ImageStatus, OverlapPair } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { ProjectDb } from '../project/database'
import { ImageRepository, type ImageRow } from '../project/image-repository'
import { MaskRepository, type MaskRecord } from '../project/mask-repository'
import { ActionHistory } from './action-history'
import { commitMask, type CommitRequest } from './commit'
import { coverageReport, imageCoverage, type ImageCoverage } from './coverage'
import { decisionChanges, defaultDecisionLabel, type Decision } from './decisions'
import { markInProgress, statusEventDetails } from './image-status'
import { OverlapResolutions } from './overlap-resolutions'
import { OverlapReview, type ResolveRequest } from './overlaps'
import { EffortReport } from './effort'
import { SkippedObjects } from './skipped-objects'
import { readReviewSettings, writeReviewSettings, type ReviewSettings } from './settings'

export interface ReviewResult {
  /** Masks whose state changed or that were created, as they are now (empty when nothing changed). */
  masks: MaskRecord[]
  history: HistoryState
}

export class ReviewStore {
  readonly masks: MaskRepository
  readonly images: ImageRepository
  readonly history: ActionHistory
  readonly skipped: SkippedObjects
  readonly effort: EffortReport
  private readonly overlapReview: OverlapReview

  constructor(private readonly db: ProjectDb) {
    this.masks = new MaskRepository(db)
    this.images = new ImageRepository(db)
    const resolutions = new OverlapResolutions(db)
    this.history = new ActionHistory(db, this.masks, resolutions)
    this.overlapReview = new OverlapReview(this.masks, resolutions, this.history)
    this.skipped = new SkippedObjects(db)
    this.effort = new EffortReport(db)
  }

  /**
   * Decides masks of one image as one undoable action (no-op decisions left out; nothing recorded when
   * nothing changes). A 'todo' image becomes 'in_progress'.
   */
  decide(imageId: number, decisions: readonly Decision[], actor: string, label?: string): ReviewResult {
    return this.db.transaction((): ReviewResult => {
      const image = this.image(imageId)
      // One query for the image's masks; ids of other images (an error) are looked up one by one.
      const own = new Map(this.masks.listByImage(imageId).map((mask) => [mask.id, mask]))
      const changes = decisionChanges(imageId, decisions, (id) => own.get(id) ?? this.masks.get(id))
      if (changes.length === 0) return { masks: [], history: this.history.state(imageId) }
      const at = new Date().toISOString()
      this.history.record({
        imageId,
        actor,
        kind: 'decide',
        label: label?.trim() || defaultDecisionLabel(changes),
        changes,
        at,
      })
      markInProgress(this.images, image, actor, at)
      return { masks: changes.map((change) => this.masks.get(change.maskId) as MaskRecord), history: this.history.state(imageId) }
    })()
  }

  /** Commits a person's mask (and sets aside the one it replaces) as one undoable action. */
  commit(imageId: number, request: CommitRequest, actor: string): ReviewResult {
    return this.db.transaction((): ReviewResult => {
      const image = this.image(imageId)
      const at = new Date().toISOString()
      const masks = commitMask(this.masks, this.history, image, request, actor, at)
      if (request.resolvesSkipped !== undefined) this.skipped.resolve(request.resolvesSkipped, imageId, masks[0]!.id, actor)
      markInProgress(this.images, image, actor, at)
      return { masks, history: this.history.state(imageId) }
    })()
  }

  undo(imageId: number, actor: string): ReviewResult {
    this.image(imageId)
    const step = this.history.undo(imageId, actor)
    return { masks: step.masks, history: this.history.state(imageId) }
  }

  redo(imageId: number, actor: string): ReviewResult {
    this.image(imageId)
    const step = this.history.redo(imageId, actor)
    return { masks: step.masks, history: this.history.state(imageId) }
  }

  historyState(imageId: number): HistoryState {
    this.image(imageId)
    return this.history.state(imageId)
  }

  settings(): ReviewSettings {
    return readReviewSettings(this.db)
  }

  setSettings(settings: ReviewSettings, actor: string): ReviewSettings {
    return writeReviewSettings(this.db, settings, actor)
  }

  /** Cover counts and gaps of an image (re-seeding uses the map itself). */
  imageCoverage(imageId: number, settings = this.settings()): ImageCoverage {
    return imageCoverage(this.masks, this.image(imageId), settings)
  }

  coverage(imageId: number): CoverageReport {
    const settings = this.settings()
    const image = this.image(imageId)
    return coverageReport(image, imageCoverage(this.masks, image, settings), settings)
  }

  overlaps(imageId: number): OverlapPair[] {
    return this.overlapReview.list(this.image(imageId), this.settings())
  }

  /** Resolves a flagged pair as one undoable action; a 'todo' image becomes 'in_progress'. */
  resolveOverlap(imageId: number, request: ResolveRequest, actor: string): ReviewResult {
    return this.db.transaction((): ReviewResult => {
      const image = this.image(imageId)
      const at = new Date().toISOString()
      const { masks } = this.overlapReview.resolve(image, request, actor, at)
      markInProgress(this.images, image, actor, at)
      return { masks, history: this.history.state(imageId) }
    })()
  }

  /**
   * What the image:status event of a status change records besides the status (reason; uncovered
   * fraction for 'done'); throws 'coverage_gate' when 'done' needs a reason and has none.
   */
  statusEventDetails(imageId: number, status: ImageStatus, reason?: string): Record<string, unknown> {
    const image = this.image(imageId)
    const settings = this.settings()
    return statusEventDetails(status, reason, () => imageCoverage(this.masks, image, settings).map.uncoveredFraction, settings)
  }

  private image(id: number): ImageRow {
    const row = this.images.get(id)
    if (!row) throw new AppError('not_found', `Image ${id} is not in this project.`)
    return row
  }
}
