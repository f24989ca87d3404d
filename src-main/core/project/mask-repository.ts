/**
 * Queries on the masks table. A mask is stored at its image's annotation size as a COCO compressed
 * RLE string; area and box are derived from that string on insert, never taken from the caller, so
 * they cannot disagree with the pixels. Every insert and state change appends an event in the same
 * transaction (entity 'mask', before/after as JSON).
 *
 * Reads that cover the whole project go image by image (keyset pages of image ids, then one image's
 * masks at a time), so memory stays at one image's masks however large the project is, and no
 * SQLite cursor stays open between two steps of the caller (other requests keep using the connection).
 */
import type { Statement } from 'better-sqlite3'
import type { ImageStatus } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import { RleFormatError, decompressRle, rleArea, rleToSa1bBbox, type BboxXywh, type CompressedRle, type Rle } from '../masks'
import type { ProjectDb } from './database'
import { BULK_TALLY_SQL } from './migrations/0007-add-bulk-tallies'

/** proposed = needs review; discarded = below the review floor (kept, can be shown). */
export const MASK_STATES = ['proposed', 'accepted', 'rejected', 'auto_accepted', 'discarded', 'deleted'] as const
export type MaskState = (typeof MASK_STATES)[number]
export const MASK_SOURCES = ['auto', 'manual', 'imported'] as const
export type MaskSource = (typeof MASK_SOURCES)[number]
const STATE_SET: ReadonlySet<string> = new Set(MASK_STATES)
const SOURCE_SET: ReadonlySet<string> = new Set(MASK_SOURCES)

/** [x, y] in annotation pixels. */
export type PointXy = [x: number, y: number]

/** The prompt that made a mask, as the segmenter received it (annotation pixels). Stored as JSON. */
export interface MaskPrompt {
  points?: { x: number; y: number; label: 'positive' | 'negative' }[]
  /** An object from interactive prompts, an XYXY array from proposals made from detections. */
  box?: { x0: number; y0: number; x1: number; y1: number } | [x0: number, y0: number, x1: number, y1: number] | null
  /** Reference to the mask input (e.g. the candidate handle it refined), when there was one. */
  maskInput?: string | null
  [key: string]: unknown
}

export interface MaskRecord {
  id: number
  imageId: number
  /** COCO compressed RLE counts at the image's annotation size (size is the image's annotation size). */
  rleCounts: string
  area: number
  /** SA-1B convention: [x, y, w, h] from inclusive max indices. */
  bbox: BboxXywh
  source: MaskSource
  state: MaskState
  predictedIou: number | null
  stabilityScore: number | null
  pointCoords: PointXy[] | null
  /** [x, y, w, h] in annotation pixels. */
  cropBox: BboxXywh | null
  prompt: MaskPrompt | null
  modelId: number | null
  /** Who made the mask. */
  actor: string
  secondsSpent: number | null
  /** Prompt clicks and brush strokes that made a manual mask; null for masks nobody made by hand. */
  clicks: number | null
  /** The mask this one was made from (a proposal edited or replaced by a person), and their IoU. */
  originMaskId: number | null
  originIou: number | null
  createdAt: string
  updatedAt: string
}

/**
 * A compressed RLE with the area and SA-1B box of its pixels, as `measureRle` derived them from the
 * string (imports measure while verifying, so the commit does not decode every mask again).
 */
export interface MeasuredRle {
  readonly rle: CompressedRle
  readonly area: number
  readonly bbox: BboxXywh
}

/** Decodes `rle` (throws RleFormatError when malformed) and measures it. */
export function measureRle(rle: CompressedRle): MeasuredRle {
  return measuredFrom(rle, decompressRle(rle))
}

/** The measurement of `decoded`, which must be the decoding of `rle` (callers that decoded already). */
export function measuredFrom(rle: CompressedRle, decoded: Rle): MeasuredRle {
  return { rle, area: rleArea(decoded), bbox: rleToSa1bBbox(decoded) }
}

export interface NewMask {
  imageId: number
  /** Must have the image's annotation size, [annotation_height, annotation_width]. */
  rle: CompressedRle | MeasuredRle
  source: MaskSource
  state: MaskState
  predictedIou?: number | null
  stabilityScore?: number | null
  pointCoords?: PointXy[] | null
  cropBox?: BboxXywh | null
  prompt?: MaskPrompt | null
  modelId?: number | null
  actor: string
  secondsSpent?: number | null
  clicks?: number | null
  originMaskId?: number | null
  originIou?: number | null
  /** ISO time; default now. Imports keep the original times. */
  createdAt?: string
  updatedAt?: string
}

/**
 * A new mask whose pixels are measured and whose JSON columns are serialised already (imports
 * stage exactly the text the row stores, so the commit neither parses nor stringifies per mask).
 * `pointCoordsJson`, `cropBoxJson` and `promptJson` must be JSON.stringify of the value, or null.
 */
export interface SerializedNewMask extends Omit<NewMask, 'rle' | 'pointCoords' | 'cropBox' | 'prompt'> {
  rle: MeasuredRle
  pointCoordsJson: string | null
  cropBoxJson: string | null
  promptJson: string | null
}

/** A row as insertMany writes it: the record without id, JSON columns as text. */
type PreparedRow = Omit<MaskRecord, 'id' | 'pointCoords' | 'cropBox' | 'prompt'> & {
  pointCoords: string | null
  cropBox: string | null
  prompt: string | null
}

export interface InsertOptions {
  /** Event kind written for each mask; default 'mask:created'. */
  eventKind?: string
  /** Actor of the events; default each mask's own actor (an importer passes itself). */
  eventActor?: string
  /** Extra fields merged into each event's `after` (e.g. where an imported mask came from). */
  eventDetails?: (mask: NewMask | SerializedNewMask, index: number) => Record<string, unknown>
}

export interface MaskQuery {
  /** Only masks in these states; default every state. */
  states?: readonly MaskState[]
}

export interface MaskStreamQuery extends MaskQuery {
  /** Only these images (any order, duplicates ignored); default every image. */
  imageIds?: readonly number[]
  /** Only images with this status. */
  imageStatus?: ImageStatus
  /** Image ids per page while walking the images table. */
  pageSize?: number
}

/** A masks row as better-sqlite3's raw mode returns it: the MASK_COLUMNS in order. */
type MaskRow = [
  id: number,
  imageId: number,
  rleCounts: string,
  area: number,
  bboxX: number,
  bboxY: number,
  bboxW: number,
  bboxH: number,
  source: MaskSource,
  state: MaskState,
  predictedIou: number | null,
  stabilityScore: number | null,
  pointCoords: string | null,
  cropBox: string | null,
  prompt: string | null,
  modelId: number | null,
  actor: string,
  secondsSpent: number | null,
  clicks: number | null,
  originMaskId: number | null,
  originIou: number | null,
  createdAt: string,
  updatedAt: string,
]

const MASK_COLUMNS =
  'id, image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, predicted_iou, stability_score, point_coords, crop_box, prompt, model_id, actor, seconds_spent, clicks, origin_mask_id, origin_iou, created_at, updated_at'

/** SQLite allows 32766 parameters; image id lists are split into chunks well below that. */
const ID_CHUNK = 500
/** Rows per multi-row INSERT (22 parameters a mask, 6 an event: far below SQLite's 32766). */
const INSERT_ROWS = 200
const INSERT_COLUMNS =
  'image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, predicted_iou, stability_score, point_coords, crop_box, prompt, model_id, actor, seconds_spent, clicks, origin_mask_id, origin_iou, created_at, updated_at'
const INSERT_ROW = `(${Array.from({ length: 22 }, () => '?').join(', ')})`
const EVENT_ROW = "(?, ?, ?, 'mask', ?, ?, ?)"
/** From this many masks on, insertMany pauses the per-row tally trigger and counts set-based (migration 0007). */
const BULK_TALLY_MIN = 32
const DEFAULT_PAGE_SIZE = 256

function jsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value)
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T)
}

/**
 * Rows are read in raw mode (arrays) and turned into records here: better-sqlite3 builds a keyed
 * object per row several times slower than an array, and whole-project exports read every mask.
 */
function toMaskRecord(row: MaskRow): MaskRecord {
  return {
    id: row[0],
    imageId: row[1],
    rleCounts: row[2],
    area: row[3],
    bbox: [row[4], row[5], row[6], row[7]],
    source: row[8],
    state: row[9],
    predictedIou: row[10],
    stabilityScore: row[11],
    pointCoords: parseJson<PointXy[]>(row[12]),
    cropBox: parseJson<BboxXywh>(row[13]),
    prompt: parseJson<MaskPrompt>(row[14]),
    modelId: row[15],
    actor: row[16],
    secondsSpent: row[17],
    clicks: row[18],
    originMaskId: row[19],
    originIou: row[20],
    createdAt: row[21],
    updatedAt: row[22],
  }
}

/** What an event records about a mask: everything but the pixels (the row keeps those; rows are never removed). */
function eventSummary(record: PreparedRow): Record<string, unknown> {
  return {
    imageId: record.imageId,
    source: record.source,
    state: record.state,
    area: record.area,
    bbox: record.bbox,
    predictedIou: record.predictedIou,
    stabilityScore: record.stabilityScore,
    modelId: record.modelId,
    actor: record.actor,
  }
}

function stateList(states: readonly MaskState[] | undefined): MaskState[] | null {
  if (states === undefined) return null
  for (const state of states) if (!MASK_STATES.includes(state)) throw new AppError('invalid_request', `Unknown mask state ${state}.`)
  return [...new Set(states)]
}

export class MaskRepository {
  private readonly statements
  private readonly byImageWithStates = new Map<number, Statement<unknown[]>>()
  /** Multi-row INSERT statements by row count ('m' masks, 'e' events). */
  private readonly multiInserts = new Map<string, Statement<unknown[]>>()

  constructor(private readonly db: ProjectDb) {
    this.statements = {
      byId: db.prepare(`SELECT ${MASK_COLUMNS} FROM masks WHERE id = ?`).raw(),
      byImage: db.prepare(`SELECT ${MASK_COLUMNS} FROM masks WHERE image_id = ? ORDER BY id`).raw(),
      imageSize: db.prepare('SELECT annotation_width AS width, annotation_height AS height FROM images WHERE id = ?'),
      setState: db.prepare('UPDATE masks SET state = ?, updated_at = ? WHERE id = ?'),
      count: db.prepare('SELECT count(*) AS n FROM masks'),
      countByState: db.prepare('SELECT state, count(*) AS n FROM masks GROUP BY state'),
      imagePage: db.prepare('SELECT id FROM images WHERE id > ? ORDER BY id LIMIT ?').pluck(),
      imagePageByStatus: db.prepare('SELECT id FROM images WHERE id > ? AND status = ? ORDER BY id LIMIT ?').pluck(),
      pauseTallies: db.prepare('INSERT INTO tally_pauses DEFAULT VALUES'),
      resumeTallies: db.prepare('DELETE FROM tally_pauses WHERE id = ?'),
      bulkTallies: BULK_TALLY_SQL.map((sql) => db.prepare(sql)),
      event: db.prepare("INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, 'mask', ?, ?, ?)"),
    }
  }

  get(id: number): MaskRecord | undefined {
    const row = this.statements.byId.get(id) as MaskRow | undefined
    return row ? toMaskRecord(row) : undefined
  }

  /** One image's masks in id order, optionally only some states. */
  listByImage(imageId: number, query: MaskQuery = {}): MaskRecord[] {
    const states = stateList(query.states)
    if (states === null) return (this.statements.byImage.all(imageId) as MaskRow[]).map(toMaskRecord)
    if (states.length === 0) return []
    return (this.byImageStatement(states.length).all(imageId, ...states) as MaskRow[]).map(toMaskRecord)
  }

  count(): number {
    return (this.statements.count.get() as { n: number }).n
  }

  countsByState(): Record<MaskState, number> {
    const counts: Record<MaskState, number> = { proposed: 0, accepted: 0, rejected: 0, auto_accepted: 0, discarded: 0, deleted: 0 }
    for (const row of this.statements.countByState.all() as { state: MaskState; n: number }[]) counts[row.state] = row.n
    return counts
  }

  /**
   * Image ids in ascending order, a page at a time (memory: one page). With `imageIds`, only those
   * that exist, ascending.
   */
  *imageIds(query: Pick<MaskStreamQuery, 'imageIds' | 'imageStatus' | 'pageSize'> = {}): Generator<number> {
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE
    if (query.imageIds !== undefined) {
      const wanted = [...new Set(query.imageIds)].sort((a, b) => a - b)
      for (let start = 0; start < wanted.length; start += ID_CHUNK) {
        const chunk = wanted.slice(start, start + ID_CHUNK)
        const status = query.imageStatus
        const sql = `SELECT id FROM images WHERE id IN (${chunk.map(() => '?').join(', ')})${status ? ' AND status = ?' : ''} ORDER BY id`
        const ids = this.db
          .prepare(sql)
          .pluck()
          .all(...chunk, ...(status ? [status] : [])) as number[]
        yield* ids
      }
      return
    }
    let after = 0
    for (;;) {
      const ids = (
        query.imageStatus
          ? this.statements.imagePageByStatus.all(after, query.imageStatus, pageSize)
          : this.statements.imagePage.all(after, pageSize)
      ) as number[]
      yield* ids
      if (ids.length < pageSize) return
      after = ids[ids.length - 1] as number
    }
  }

  /** Every image's masks, image by image in image-id order (images without masks are skipped). */
  *streamByImage(query: MaskStreamQuery = {}): Generator<{ imageId: number; masks: MaskRecord[] }> {
    for (const imageId of this.imageIds(query)) {
      const masks = this.listByImage(imageId, query)
      if (masks.length > 0) yield { imageId, masks }
    }
  }

  /** Every mask in (image id, mask id) order; holds one image's masks at a time. */
  *streamAll(query: MaskStreamQuery = {}): Generator<MaskRecord> {
    for (const { masks } of this.streamByImage(query)) yield* masks
  }

  /** Inserts one mask and its event in one transaction; returns the new row. */
  insert(mask: NewMask, options: InsertOptions = {}): MaskRecord {
    const [id] = this.insertMany([mask], options)
    return this.get(id as number) as MaskRecord
  }

  /**
   * Inserts masks in one transaction, one event each; returns their ids in order. Throws (and
   * inserts nothing) when an image is unknown or an RLE is malformed or not at its image's
   * annotation size. Rows and events go in multi-row INSERTs of INSERT_ROWS (one statement per row
   * costs several times more in bulk imports); the rowids of one statement are consecutive.
   */
  insertMany(masks: readonly (NewMask | SerializedNewMask)[], options: InsertOptions = {}): number[] {
    const kind = options.eventKind ?? 'mask:created'
    return this.db.transaction(() => {
      // The time the rows were written; a mask's own created_at may be older (imports keep it).
      const now = new Date().toISOString()
      const sizes = new Map<number, { width: number; height: number }>()
      const ids: number[] = []
      const write = (inserted: ((first: number, last: number) => void) | null) => {
        for (let start = 0; start < masks.length; start += INSERT_ROWS) {
          const chunk = masks.slice(start, start + INSERT_ROWS)
          const records = chunk.map((mask) => {
            let size = sizes.get(mask.imageId)
            if (!size) {
              size = this.statements.imageSize.get(mask.imageId) as { width: number; height: number } | undefined
              if (!size) throw new AppError('not_found', `Image ${mask.imageId} is not in this project.`)
              sizes.set(mask.imageId, size)
            }
            return this.prepareRecord(mask, size, now)
          })
          const values: unknown[] = []
          for (const record of records) {
            values.push(
              record.imageId,
              record.rleCounts,
              record.area,
              record.bbox[0],
              record.bbox[1],
              record.bbox[2],
              record.bbox[3],
              record.source,
              record.state,
              record.predictedIou,
              record.stabilityScore,
              record.pointCoords,
              record.cropBox,
              record.prompt,
              record.modelId,
              record.actor,
              record.secondsSpent,
              record.clicks,
              record.originMaskId,
              record.originIou,
              record.createdAt,
              record.updatedAt,
            )
          }
          const result = this.multiInsert('m', records.length).run(values)
          const first = Number(result.lastInsertRowid) - records.length + 1
          if (result.changes !== records.length) throw new Error(`inserted ${result.changes} of ${records.length} masks`)
          inserted?.(first, first + records.length - 1)
          const events: unknown[] = []
          records.forEach((record, index) => {
            const id = first + index
            ids.push(id)
            const mask = chunk[index] as NewMask | SerializedNewMask
            const after = { ...eventSummary(record), ...options.eventDetails?.(mask, start + index) }
            events.push(now, options.eventActor ?? mask.actor, kind, id, null, JSON.stringify(after))
          })
          this.multiInsert('e', records.length).run(events)
        }
      }
      if (masks.length >= BULK_TALLY_MIN) this.withPausedTallies(write)
      else write(null)
      return ids
    })()
  }

  /**
   * Runs `write` in one transaction (the caller's, when there is one) with the per-row tally
   * trigger paused (migration 0007); `write` reports every id range it inserted through `inserted`,
   * and those rows are counted set-based exactly as the trigger would have counted them. A
   * rollback takes the pause back with the rows.
   */
  withPausedTallies<T>(write: (inserted: (first: number, last: number) => void) => T): T {
    return this.db.transaction(() => {
      const pause = Number(this.statements.pauseTallies.run().lastInsertRowid)
      const result = write((first, last) => {
        if (last >= first) for (const statement of this.statements.bulkTallies) statement.run({ first, last })
      })
      this.statements.resumeTallies.run(pause)
      return result
    })()
  }

  /** Changes a mask's state (accept, reject, delete, …) with an event; returns the updated row. */
  setState(
    id: number,
    state: MaskState,
    actor: string,
    options: {
      /** Time of the event (default now). */
      at?: string
      /** The row's new updated_at (default `at`); a merge keeps the time the decision was made. */
      updatedAt?: string
      eventKind?: string
      details?: Record<string, unknown>
    } = {},
  ): MaskRecord {
    stateList([state])
    const at = options.at ?? new Date().toISOString()
    this.db.transaction(() => {
      const before = this.get(id)
      if (!before) throw new AppError('not_found', `Mask ${id} is not in this project.`)
      if (before.state === state) return
      this.statements.setState.run(state, options.updatedAt ?? at, id)
      this.statements.event.run(
        at,
        actor,
        options.eventKind ?? 'mask:state',
        id,
        JSON.stringify({ state: before.state }),
        JSON.stringify({ state, ...options.details }),
      )
    })()
    return this.get(id) as MaskRecord
  }

  private prepareRecord(mask: NewMask | SerializedNewMask, size: { width: number; height: number }, now: string): PreparedRow {
    if (!SOURCE_SET.has(mask.source)) throw new AppError('invalid_request', `Unknown mask source ${mask.source}.`)
    if (!STATE_SET.has(mask.state)) throw new AppError('invalid_request', `Unknown mask state ${mask.state}.`)
    const measured = 'area' in mask.rle ? mask.rle : null
    const compressed = measured ? measured.rle : (mask.rle as CompressedRle)
    const [height, width] = compressed.size
    if (height !== size.height || width !== size.width) {
      throw new AppError(
        'invalid_request',
        `A mask of image ${mask.imageId} is ${height}×${width} but the image's annotation size is ${size.height}×${size.width}.`,
      )
    }
    let stats: MeasuredRle
    try {
      stats = measured ?? measureRle(compressed)
    } catch (error) {
      if (error instanceof RleFormatError)
        throw new AppError('invalid_request', `A mask of image ${mask.imageId} has a malformed RLE: ${error.message}`)
      throw error
    }
    const createdAt = mask.createdAt ?? now
    const serialized = 'pointCoordsJson' in mask
    return {
      imageId: mask.imageId,
      rleCounts: compressed.counts,
      area: stats.area,
      bbox: stats.bbox,
      source: mask.source,
      state: mask.state,
      predictedIou: mask.predictedIou ?? null,
      stabilityScore: mask.stabilityScore ?? null,
      pointCoords: serialized ? mask.pointCoordsJson : jsonText(mask.pointCoords),
      cropBox: serialized ? mask.cropBoxJson : jsonText(mask.cropBox),
      prompt: serialized ? mask.promptJson : jsonText(mask.prompt),
      modelId: mask.modelId ?? null,
      actor: mask.actor,
      secondsSpent: mask.secondsSpent ?? null,
      clicks: mask.clicks ?? null,
      originMaskId: mask.originMaskId ?? null,
      originIou: mask.originIou ?? null,
      createdAt,
      updatedAt: mask.updatedAt ?? createdAt,
    }
  }

  private multiInsert(table: 'm' | 'e', rows: number): Statement<unknown[]> {
    const key = `${table}${rows}`
    let statement = this.multiInserts.get(key)
    if (!statement) {
      statement =
        table === 'm'
          ? this.db.prepare(`INSERT INTO masks (${INSERT_COLUMNS}) VALUES ${Array.from({ length: rows }, () => INSERT_ROW).join(', ')}`)
          : this.db.prepare(
              `INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES ${Array.from({ length: rows }, () => EVENT_ROW).join(', ')}`,
            )
      this.multiInserts.set(key, statement)
    }
    return statement
  }

  private byImageStatement(stateCount: number): Statement<unknown[]> {
    let statement = this.byImageWithStates.get(stateCount)
    if (!statement) {
      const placeholders = Array.from({ length: stateCount }, () => '?').join(', ')
      statement = this.db.prepare(`SELECT ${MASK_COLUMNS} FROM masks WHERE image_id = ? AND state IN (${placeholders}) ORDER BY id`).raw()
      this.byImageWithStates.set(stateCount, statement)
    }
    return statement
  }
}
