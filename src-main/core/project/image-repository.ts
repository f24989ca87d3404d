/**
 * Queries on the images, import_issues and events tables. Every statement is parameterised and
 * prepared once per database handle.
 */
import type { ImageStatus, ImageSummary, ImportIssue } from '../../../src-preload/contract/dto'
import type { ProjectDb } from './database'

export interface ImageRow {
  id: number
  content_hash: string
  rel_path: string
  file_size: number
  file_mtime_ms: number
  width: number
  height: number
  orientation: number
  annotation_width: number
  annotation_height: number
  status: ImageStatus
  missing: 0 | 1
}

export interface NewImage {
  contentHash: string
  relPath: string
  fileSize: number
  fileMtimeMs: number
  width: number
  height: number
  orientation: number
  annotationWidth: number
  annotationHeight: number
}

export const SYSTEM_ACTOR = 'tessera'

/** What the summary adds to the row: embedding readiness (per active model) and mask counts. */
export interface ImageExtras {
  embeddingReady: boolean
  autoCount: number
  reviewCount: number
  acceptedCount: number
}

/** Per-image mask counts the grid shows: auto-accepted, needs review, accepted by a person. */
export interface ImageMaskCounts {
  auto: number
  review: number
  accepted: number
}

const NO_EXTRAS: ImageExtras = { embeddingReady: false, autoCount: 0, reviewCount: 0, acceptedCount: 0 }

/** Statuses of images still to be worked on. */
const UNFINISHED_SQL = "('todo', 'in_progress')"

export function toImageSummary(row: ImageRow, extras: ImageExtras = NO_EXTRAS): ImageSummary {
  return {
    id: row.id,
    relPath: row.rel_path,
    contentHash: row.content_hash,
    width: row.width,
    height: row.height,
    annotationWidth: row.annotation_width,
    annotationHeight: row.annotation_height,
    orientation: row.orientation,
    status: row.status,
    missing: row.missing === 1,
    ...extras,
  }
}

const IMAGE_COLUMNS =
  'id, content_hash, rel_path, file_size, file_mtime_ms, width, height, orientation, annotation_width, annotation_height, status, missing'

export class ImageRepository {
  private readonly statements

  constructor(private readonly db: ProjectDb) {
    this.statements = {
      all: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images`),
      byId: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = ?`),
      page: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images ORDER BY rel_path LIMIT ? OFFSET ?`),
      pageByStatus: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE status = ? ORDER BY rel_path LIMIT ? OFFSET ?`),
      count: db.prepare('SELECT count(*) AS n FROM images'),
      countByStatus: db.prepare('SELECT status, count(*) AS n FROM images GROUP BY status'),
      next: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path > ? ORDER BY rel_path LIMIT 1`),
      previous: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path < ? ORDER BY rel_path DESC LIMIT 1`),
      // `+status`: walk the rel_path index and test the status, rather than let the planner pick
      // images_by_status and sort every image of that status (6–11 ms a key press at 100,000 images).
      nextByStatus: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path > ? AND +status = ? ORDER BY rel_path LIMIT 1`),
      previousByStatus: db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path < ? AND +status = ? ORDER BY rel_path DESC LIMIT 1`),
      // An image's place: a walk of the rel_path index up to it, O(place); only asked for a place the renderer has not paged to.
      rankOf: db.prepare('SELECT count(*) AS n FROM images WHERE rel_path < ?'),
      rankByStatusOf: db.prepare('SELECT count(*) AS n FROM images WHERE rel_path < ? AND +status = ?'),
      // Grid order is rel_path order (UNIQUE, so indexed); both halves walk that index.
      unfinishedAfter: db.prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path > ? AND status IN ${UNFINISHED_SQL} ORDER BY rel_path LIMIT 1`,
      ),
      unfinishedBefore: db.prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path <= ? AND status IN ${UNFINISHED_SQL} ORDER BY rel_path LIMIT 1`,
      ),
      maskCounts: db.prepare(
        `SELECT image_id AS id, sum(state = 'auto_accepted') AS auto, sum(state = 'proposed') AS review,
           sum(state = 'accepted') AS accepted FROM masks
         WHERE image_id IN (SELECT value FROM json_each(?)) AND state IN ('auto_accepted', 'proposed', 'accepted') GROUP BY image_id`,
      ),
      insert: db.prepare(`INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, orientation,
          annotation_width, annotation_height, added_at, updated_at)
        VALUES (@contentHash, @relPath, @fileSize, @fileMtimeMs, @width, @height, @orientation, @annotationWidth,
          @annotationHeight, @now, @now)`),
      replaceContent: db.prepare(`UPDATE images SET content_hash = @contentHash, file_size = @fileSize,
          file_mtime_ms = @fileMtimeMs, width = @width, height = @height, orientation = @orientation,
          annotation_width = @annotationWidth, annotation_height = @annotationHeight, missing = 0, updated_at = @now
        WHERE id = @id`),
      move: db.prepare('UPDATE images SET rel_path = ?, file_size = ?, file_mtime_ms = ?, missing = 0, updated_at = ? WHERE id = ?'),
      touch: db.prepare('UPDATE images SET file_size = ?, file_mtime_ms = ?, missing = 0, updated_at = ? WHERE id = ?'),
      setMissing: db.prepare('UPDATE images SET missing = ?, updated_at = ? WHERE id = ?'),
      setStatus: db.prepare('UPDATE images SET status = ?, updated_at = ? WHERE id = ?'),
      // Relative paths never start with '/'; the old name stays readable for a row left missing.
      parkPath: db.prepare("UPDATE images SET rel_path = '/parked/' || id || '/' || rel_path WHERE id = ?"),
      issues: db.prepare('SELECT rel_path AS relPath, reason, at FROM import_issues ORDER BY rel_path'),
      putIssue: db.prepare('INSERT OR REPLACE INTO import_issues (rel_path, reason, at) VALUES (?, ?, ?)'),
      clearIssue: db.prepare('DELETE FROM import_issues WHERE rel_path = ?'),
      event: db.prepare('INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    }
  }

  all(): ImageRow[] {
    return this.statements.all.all() as ImageRow[]
  }

  get(id: number): ImageRow | undefined {
    return this.statements.byId.get(id) as ImageRow | undefined
  }

  page(offset: number, limit: number, status?: ImageStatus): ImageRow[] {
    return (status ? this.statements.pageByStatus.all(status, limit, offset) : this.statements.page.all(limit, offset)) as ImageRow[]
  }

  count(): number {
    return (this.statements.count.get() as { n: number }).n
  }

  countsByStatus(): Record<ImageStatus, number> {
    const counts: Record<ImageStatus, number> = { todo: 0, in_progress: 0, done: 0, skipped: 0 }
    for (const row of this.statements.countByStatus.all() as { status: ImageStatus; n: number }[]) counts[row.status] = row.n
    return counts
  }

  /** The row after or before `row` in grid order; with `status`, among rows with that status only. */
  neighbour(row: ImageRow, direction: 'next' | 'previous', status?: ImageStatus): ImageRow | undefined {
    if (status)
      return (direction === 'next' ? this.statements.nextByStatus : this.statements.previousByStatus).get(row.rel_path, status) as
        ImageRow | undefined
    return (direction === 'next' ? this.statements.next : this.statements.previous).get(row.rel_path) as ImageRow | undefined
  }

  /** `row`'s 0-based place in grid order (among rows with `status` when given); null when it lacks that status. */
  position(row: ImageRow, status?: ImageStatus): number | null {
    if (!status) return (this.statements.rankOf.get(row.rel_path) as { n: number }).n
    if (row.status !== status) return null
    return (this.statements.rankByStatusOf.get(row.rel_path, status) as { n: number }).n
  }

  /**
   * The first image after `row` in grid order whose status is todo or in progress, wrapping round to
   * the start and so reaching `row` itself last. Undefined when no image is unfinished.
   */
  nextUnfinished(row: ImageRow): ImageRow | undefined {
    return (this.statements.unfinishedAfter.get(row.rel_path) ?? this.statements.unfinishedBefore.get(row.rel_path)) as ImageRow | undefined
  }

  insert(image: NewImage, now: string): number {
    return Number(this.statements.insert.run({ ...image, now }).lastInsertRowid)
  }

  replaceContent(id: number, image: Omit<NewImage, 'relPath'>, now: string): void {
    this.statements.replaceContent.run({ ...image, id, now })
  }

  /** Moves a row to a new path; call `parkPath` first when paths are being swapped in one batch. */
  move(id: number, relPath: string, fileSize: number, fileMtimeMs: number, now: string): void {
    this.statements.move.run(relPath, fileSize, fileMtimeMs, now, id)
  }

  /**
   * Frees a row's path (UNIQUE) while several moves in one transaction swap paths between rows, or
   * when a missing row's path is taken by another file.
   */
  parkPath(id: number): void {
    this.statements.parkPath.run(id)
  }

  touch(id: number, fileSize: number, fileMtimeMs: number, now: string): void {
    this.statements.touch.run(fileSize, fileMtimeMs, now, id)
  }

  setMissing(id: number, missing: boolean, now: string): void {
    this.statements.setMissing.run(missing ? 1 : 0, now, id)
  }

  setStatus(id: number, status: ImageStatus, now: string): void {
    this.statements.setStatus.run(status, now, id)
  }

  /**
   * Auto-accepted, needs-review and accepted masks per image, for the given images (absent = none).
   * One query per page of the grid; it reads the (image_id, state) index only.
   */
  proposalCounts(imageIds: readonly number[]): Map<number, ImageMaskCounts> {
    const counts = new Map<number, ImageMaskCounts>()
    if (imageIds.length === 0) return counts
    const rows = this.statements.maskCounts.all(JSON.stringify(imageIds)) as ({ id: number } & ImageMaskCounts)[]
    for (const row of rows) counts.set(row.id, { auto: row.auto, review: row.review, accepted: row.accepted })
    return counts
  }

  issues(): ImportIssue[] {
    return this.statements.issues.all() as ImportIssue[]
  }

  putIssue(relPath: string, reason: string, now: string): void {
    this.statements.putIssue.run(relPath, reason, now)
  }

  clearIssue(relPath: string): void {
    this.statements.clearIssue.run(relPath)
  }

  /** Appends to the event log (actor, what, before/after as JSON). */
  recordEvent(event: { at: string; actor: string; kind: string; entityId: number | null; before?: unknown; after?: unknown }): void {
    this.statements.event.run(
      event.at,
      event.actor,
      event.kind,
      'image',
      event.entityId,
      event.before === undefined ? null : JSON.stringify(event.before),
      event.after === undefined ? null : JSON.stringify(event.after),
    )
  }
}
