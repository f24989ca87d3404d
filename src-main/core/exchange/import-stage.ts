/**
 * Staging for imports: everything read from a bundle or annotation files is verified, converted to
 * the project's frame and written to TEMP tables of the project's connection first (SQLite's temp
 * database: a file only this connection sees; memory: one image at a time plus its page cache),
 * then applied to the project in ONE transaction (`commitStage`), set-based (INSERT … SELECT from
 * the stage). A failure or abort before the commit leaves the project untouched; the commit itself
 * is all or nothing.
 *
 * Merge rules (applied in the commit):
 * - Masks are only ever added, never replaced: another annotator's masks sit beside the project's,
 *   each keeping its own actor and times.
 * - A mask that is already in the image is not added twice. "Already" means, for bundles, the same
 *   origin (same pixels, same actor, same creation time: the same mask travelling back) and, for
 *   annotation files, the same pixels among imported masks.
 * - When a mask of the same origin carries a different decision, the later decision (updated_at)
 *   wins; an equal or older one is kept out. Both outcomes are events ('merge:mask-state',
 *   'merge:mask-state-kept').
 * - Image status: the later completed status wins. A completed status (done, skipped) beats an open
 *   one (todo, in_progress) whatever the times, so opening an image never undoes someone's
 *   completion; between two completed (or two open) statuses the one set later wins (times from the
 *   'image:status' events; no time loses to a time; a tie keeps the project's). Both outcomes are
 *   events ('image:status' with `merge`, 'merge:image-status-kept').
 * - The bundle's event-log slice is appended with entity ids mapped to this project's ids (original
 *   time, actor, kind, before/after; ids inside before/after stay the exporting project's). Events
 *   already present are not appended twice, so importing a bundle again changes nothing.
 * - Every added mask gets a 'mask:imported' event by the importing actor, and the import as a whole
 *   one summary event.
 */
import Database from 'better-sqlite3'
import type { Database as Db, Statement } from 'better-sqlite3'
import type { ImageStatus, ModelVariant } from '../../../src-preload/contract/dto'
import type { ProjectDb } from '../project/database'
import { ModelRepository } from '../project/model-repository'
import { MaskRepository, type MaskPrompt, type MaskSource, type MaskState, type PointXy } from '../project/mask-repository'
import type { BboxXywh } from '../masks'
import type { BundleEvent, BundleModel } from './bundle-format'

export interface StagedMask {
  /** The exporting project's mask id (bundles), for mapping its events. */
  sourceMaskId: number | null
  /** Compressed counts at the target image's annotation size (canonical). */
  rleCounts: string
  /** Area and SA-1B box of those pixels, measured when the mask was decoded for staging. */
  area: number
  bbox: BboxXywh
  source: MaskSource
  state: MaskState
  predictedIou: number | null
  stabilityScore: number | null
  pointCoords: PointXy[] | null
  cropBox: BboxXywh | null
  prompt: MaskPrompt | null
  /** `<encoder sha256>:<decoder sha256>` of the model that made it. */
  modelKey: string | null
  actor: string
  secondsSpent: number | null
  clicks: number | null
  /** The source project's id of the mask this one was made from; mapped to the new id when both arrive. */
  originSourceMaskId: number | null
  originIou: number | null
  createdAt: string | null
  updatedAt: string | null
  /** Where it came from, recorded in its 'mask:imported' event. */
  origin: Record<string, unknown>
}

export interface StagedImage {
  targetImageId: number
  /** The exporting project's image id (bundles), for mapping its events. */
  sourceImageId: number | null
  /** Entry or file name, for messages and events. */
  label: string
  /** The status the other side has, and when it was set (bundles only). */
  status: { status: ImageStatus; at: string | null } | null
}

export interface ImportCounts {
  images: number
  masksAdded: number
  duplicatesSkipped: number
  statesMerged: number
  stateConflictsKept: number
  statusesChanged: number
  statusesKept: number
  eventsAdded: number
  eventsSkipped: number
  modelsAdded: number
}

/**
 * An import that is verified and staged but not applied: `commit()` applies it in one transaction
 * (inside the caller's, when there is one); `dispose()` removes the stage either way.
 */
export interface PreparedImport<T> {
  commit(): T
  dispose(): Promise<void>
}

export function modelKey(encoderSha256: string, decoderSha256: string): string {
  return `${encoderSha256}:${decoderSha256}`
}

/** Staged masks per multi-row INSERT (27 parameters each, far below SQLite's 32,766). */
const STAGE_ROWS = 64

/** Columns of a staged mask (stage table `masks`), in this order after `seq`, as addImage writes them. */
const STAGED_MASK_COLUMNS =
  'target_image_id, source_mask_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, predicted_iou, stability_score, ' +
  'point_coords, crop_box, prompt, model_key, actor, seconds_spent, clicks, origin_source_mask_id, origin_iou, created_at, updated_at, ' +
  'origin, event_head, event_tail'
const STAGED_MASK_PARAMETERS = STAGED_MASK_COLUMNS.split(',').length + 1

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value)
}

/** Tells the stages of one connection apart (their tables share the connection's temp schema). */
let stageCount = 0

/**
 * A stage: TEMP tables on the project's own connection (SQLite's temp database, a file of its own
 * that no other connection sees and that vanishes with the connection; memory: its page cache).
 * Staging writes only the temp database, so the project file is not locked while a bundle is
 * verified, and the commit moves the rows into the project with set-based INSERT … SELECT
 * statements inside one transaction, without a round trip through JavaScript per mask.
 */
export class ImportStage {
  private readonly insertImage
  private readonly maskInserts = new Map<number, Statement>()
  private readonly insertEvent
  private images = 0
  private masks = 0
  private events = 0
  private disposed = false
  /** Qualified names of this stage's tables. */
  readonly tables: { images: string; masks: string; events: string; models: string }

  private constructor(
    readonly db: Db,
    private readonly ownsDb: boolean,
    /** Merged into every staged mask's origin in its 'mask:imported' event (e.g. the bundle's project id). */
    readonly from: Readonly<Record<string, unknown>>,
  ) {
    const prefix = `tessera_stage_${++stageCount}`
    this.tables = {
      images: `temp.${prefix}_images`,
      masks: `temp.${prefix}_masks`,
      events: `temp.${prefix}_events`,
      models: `temp.${prefix}_models`,
    }
    const { images, events } = this.tables
    // The temp database keeps the pages of dropped tables until the connection closes, unless it
    // vacuums incrementally; the setting takes effect only before its first table, which is ours.
    db.pragma('temp.auto_vacuum = INCREMENTAL')
    // Masks and events are columns, not JSON documents: staging writes them and the commit copies
    // them without a parse or stringify per mask (the JSON columns hold the text the project stores;
    // event_head || model id || event_tail is the text of the mask's 'mask:imported' event).
    db.exec(`
      CREATE TEMP TABLE ${prefix}_images (key INTEGER PRIMARY KEY, data TEXT NOT NULL, source_image_id INTEGER,
        target_image_id INTEGER NOT NULL, first_seq INTEGER NOT NULL, mask_count INTEGER NOT NULL);
      CREATE INDEX ${images}_by_source ON ${prefix}_images (source_image_id);
      -- An image's masks are one run of seq (addImage writes them together): images.first_seq, mask_count.
      CREATE TEMP TABLE ${prefix}_masks (seq INTEGER PRIMARY KEY, target_image_id INTEGER NOT NULL, source_mask_id INTEGER,
        rle_counts TEXT NOT NULL, area INTEGER NOT NULL,
        bbox_x INTEGER NOT NULL, bbox_y INTEGER NOT NULL, bbox_w INTEGER NOT NULL, bbox_h INTEGER NOT NULL,
        source TEXT NOT NULL, state TEXT NOT NULL, predicted_iou REAL, stability_score REAL,
        point_coords TEXT, crop_box TEXT, prompt TEXT, model_key TEXT, actor TEXT NOT NULL, seconds_spent REAL, clicks INTEGER,
        origin_source_mask_id INTEGER, origin_iou REAL, created_at TEXT, updated_at TEXT, origin TEXT NOT NULL,
        event_head TEXT NOT NULL, event_tail TEXT NOT NULL,
        -- The project mask this row became (added) or already was (duplicate); set by the commit.
        target_mask_id INTEGER);
      CREATE TEMP TABLE ${prefix}_events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL,
        entity TEXT NOT NULL, entity_id INTEGER, before TEXT, after TEXT);
      CREATE TEMP TABLE ${prefix}_models (key TEXT PRIMARY KEY, id INTEGER NOT NULL);
    `)
    this.insertImage = db.prepare(
      `INSERT INTO ${images} (data, source_image_id, target_image_id, first_seq, mask_count) VALUES (?, ?, ?, ?, ?)`,
    )
    this.insertEvent = db.prepare(`INSERT INTO ${events} (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)`)
  }

  /**
   * A stage on `db` (the project's connection: the commit must run on it), or on a private
   * temporary database when `db` is null (verification only). `dispose()` drops it.
   */
  static create(db: Db | null, from: Readonly<Record<string, unknown>> = {}): ImportStage {
    return db ? new ImportStage(db, false, from) : new ImportStage(new Database(''), true, from)
  }

  get counts(): { images: number; masks: number; events: number } {
    return { images: this.images, masks: this.masks, events: this.events }
  }

  private maskInsert(rows: number): Statement {
    let statement = this.maskInserts.get(rows)
    if (!statement) {
      const row = `(${Array.from({ length: STAGED_MASK_PARAMETERS }, () => '?').join(', ')})`
      statement = this.db.prepare(
        `INSERT INTO ${this.tables.masks} (seq, ${STAGED_MASK_COLUMNS}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`,
      )
      this.maskInserts.set(rows, statement)
    }
    return statement
  }

  addImage(image: StagedImage, masks: readonly StagedMask[]): void {
    const firstSeq = this.masks + 1
    this.db.transaction(() => {
      this.insertImage.run(JSON.stringify(image), image.sourceImageId, image.targetImageId, firstSeq, masks.length)
      // Multi-row INSERTs of STAGE_ROWS: one statement per mask costs more than the row.
      for (let start = 0; start < masks.length; start += STAGE_ROWS) {
        const values: unknown[] = []
        const end = Math.min(masks.length, start + STAGE_ROWS)
        for (let index = start; index < end; index++) {
          const mask = masks[index] as StagedMask
          const { head, tail } = importedEventText(image.targetImageId, mask, this.from)
          values.push(
            firstSeq + index,
            image.targetImageId,
            mask.sourceMaskId,
            mask.rleCounts,
            mask.area,
            mask.bbox[0],
            mask.bbox[1],
            mask.bbox[2],
            mask.bbox[3],
            mask.source,
            mask.state,
            mask.predictedIou,
            mask.stabilityScore,
            jsonOrNull(mask.pointCoords),
            jsonOrNull(mask.cropBox),
            jsonOrNull(mask.prompt),
            mask.modelKey,
            mask.actor,
            mask.secondsSpent,
            mask.clicks,
            mask.originSourceMaskId,
            mask.originIou,
            mask.createdAt,
            mask.updatedAt,
            JSON.stringify(mask.origin),
            head,
            tail,
          )
        }
        this.maskInsert(end - start).run(values)
      }
    })()
    this.images++
    this.masks += masks.length
  }

  addEvents(events: readonly BundleEvent[]): void {
    this.db.transaction(() => {
      for (const event of events)
        this.insertEvent.run(
          event.at,
          event.actor,
          event.kind,
          event.entity,
          event.entity_id,
          event.before === undefined ? null : JSON.stringify(event.before),
          event.after === undefined ? null : JSON.stringify(event.after),
        )
    })()
    this.events += events.length
  }

  /** Drops the stage's tables (and closes its private database). Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed || !this.db.open) return
    if (this.ownsDb) this.db.close()
    else {
      for (const table of Object.values(this.tables)) this.db.exec(`DROP TABLE IF EXISTS ${table}`)
      // Hands the dropped pages back to the file system (see the constructor's auto_vacuum).
      this.db.pragma('temp.incremental_vacuum')
    }
    this.disposed = true
    await Promise.resolve()
  }
}

/**
 * The 'mask:imported' event's `after` of a staged mask, around its model id (known only at the
 * commit): head + (model id or null) + tail is exactly JSON.stringify of the event summary that
 * MaskRepository.insertMany writes with the mask's origin.
 */
export function importedEventText(
  targetImageId: number,
  mask: StagedMask,
  from: Readonly<Record<string, unknown>>,
): { head: string; tail: string } {
  const head = JSON.stringify({
    imageId: targetImageId,
    source: mask.source,
    state: mask.state,
    area: mask.area,
    bbox: mask.bbox,
    predictedIou: mask.predictedIou,
    stabilityScore: mask.stabilityScore,
  })
  const tail = JSON.stringify({ actor: mask.actor, origin: { ...from, ...mask.origin } })
  return { head: `${head.slice(0, -1)},"modelId":`, tail: `,${tail.slice(1)}` }
}

export interface CommitOptions {
  /** Who imports: actor of the import's own events. */
  actor: string
  /** How an already-present mask is recognised (see the merge rules above). */
  dedup: 'origin' | 'pixels'
  /** The bundle's models (found by hashes, or added as records without files). */
  models?: readonly BundleModel[]
  /** Describes the import in its summary event ('bundle:imported', 'annotations:imported'). */
  summary: { kind: string; after: Record<string, unknown> }
}

const PAGE = 256

/** Project mask columns written by the commit, and the staged expressions they are copied from (table alias s, models mo). */
const COPIED_MASK_COLUMNS: readonly (readonly [column: string, expression: string])[] = [
  ['id', 's.target_mask_id'],
  ['image_id', 's.target_image_id'],
  ['rle_counts', 's.rle_counts'],
  ['area', 's.area'],
  ['bbox_x', 's.bbox_x'],
  ['bbox_y', 's.bbox_y'],
  ['bbox_w', 's.bbox_w'],
  ['bbox_h', 's.bbox_h'],
  ['source', 's.source'],
  ['state', 's.state'],
  ['predicted_iou', 's.predicted_iou'],
  ['stability_score', 's.stability_score'],
  ['point_coords', 's.point_coords'],
  ['crop_box', 's.crop_box'],
  ['prompt', 's.prompt'],
  ['model_id', 'mo.id'],
  ['actor', 's.actor'],
  ['seconds_spent', 's.seconds_spent'],
  ['clicks', 's.clicks'],
  ['origin_iou', 's.origin_iou'],
  // A mask's own times are kept; without them, the time of the import.
  ['created_at', 'ifnull(s.created_at, @now)'],
  ['updated_at', 'ifnull(s.updated_at, ifnull(s.created_at, @now))'],
]

/** Applies a verified stage to the project in one transaction (see the merge rules above). */
export function commitStage(db: ProjectDb, stage: ImportStage, options: CommitOptions): ImportCounts {
  if (stage.db !== db) throw new Error('An import stage is committed on the connection it was staged on.')
  const counts: ImportCounts = {
    images: 0,
    masksAdded: 0,
    duplicatesSkipped: 0,
    statesMerged: 0,
    stateConflictsKept: 0,
    statusesChanged: 0,
    statusesKept: 0,
    eventsAdded: 0,
    eventsSkipped: 0,
    modelsAdded: 0,
  }
  const masks = new MaskRepository(db)
  const modelRepository = new ModelRepository(db)
  const from = stage.from
  const T = stage.tables
  const stageImages = db.prepare(`SELECT key, data, first_seq, mask_count FROM ${T.images} WHERE key > ? ORDER BY key LIMIT ?`)
  // What recognises a staged mask as already present, with what a state merge needs: [seq, key, state, updated_at, actor, origin].
  const stagedKeys = db
    .prepare(
      `SELECT seq, ${options.dedup === 'origin' ? "rle_counts || char(0) || actor || char(0) || ifnull(created_at, '')" : 'rle_counts'},
         state, updated_at, actor, origin FROM ${T.masks} WHERE seq >= ? AND seq < ? ORDER BY seq`,
    )
    .raw()
  const setDuplicate = db.prepare(`UPDATE ${T.masks} SET target_mask_id = ? WHERE seq = ?`)
  // The image's masks a staged mask may already be (see the merge rules), read once per image: [id, state, updated_at, key].
  const existing = db
    .prepare(
      options.dedup === 'origin'
        ? 'SELECT id, state, updated_at, rle_counts || char(0) || actor || char(0) || created_at FROM masks WHERE image_id = ?'
        : "SELECT id, state, updated_at, rle_counts FROM masks WHERE image_id = ? AND source = 'imported'",
    )
    .raw()
  const anyExisting = db
    .prepare(
      options.dedup === 'origin'
        ? 'SELECT EXISTS (SELECT 1 FROM masks WHERE image_id = ?)'
        : "SELECT EXISTS (SELECT 1 FROM masks WHERE image_id = ? AND source = 'imported')",
    )
    .pluck()
  const lastMaskId = db.prepare('SELECT ifnull(max(id), 0) FROM masks').pluck()
  // Numbering a run of staged masks after the project's last id, in seq order: plain when the run
  // has no duplicate, else counting only the rows still without a target.
  const numberRun = db.prepare(`UPDATE ${T.masks} SET target_mask_id = @base + seq - @lo + 1 WHERE seq BETWEEN @lo AND @hi`)
  const numberRunAroundDuplicates = db.prepare(
    `UPDATE ${T.masks} SET target_mask_id = @base + r.n FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM ${T.masks}
       WHERE seq BETWEEN @lo AND @hi AND target_mask_id IS NULL) AS r WHERE ${T.masks}.seq = r.seq`,
  )
  const insertRun = db.prepare(
    `INSERT INTO masks (${COPIED_MASK_COLUMNS.map(([column]) => column).join(', ')})
       SELECT ${COPIED_MASK_COLUMNS.map(([, expression]) => expression).join(', ')}
       FROM ${T.masks} s LEFT JOIN ${T.models} mo ON mo.key = s.model_key
       WHERE s.seq BETWEEN @lo AND @hi AND s.target_mask_id > @base ORDER BY s.seq`,
  )
  const insertRunEvents = db.prepare(
    `INSERT INTO events (at, actor, kind, entity, entity_id, before, after)
       SELECT @now, @actor, 'mask:imported', 'mask', s.target_mask_id, NULL, s.event_head || ifnull(mo.id, 'null') || s.event_tail
       FROM ${T.masks} s LEFT JOIN ${T.models} mo ON mo.key = s.model_key
       WHERE s.seq BETWEEN @lo AND @hi AND s.target_mask_id > @base ORDER BY s.seq`,
  )
  const imageRow = db.prepare('SELECT status FROM images WHERE id = ?')
  const statusAt = db
    .prepare("SELECT at FROM events WHERE entity = 'image' AND entity_id = ? AND kind = 'image:status' ORDER BY id DESC LIMIT 1")
    .pluck()
  const setStatus = db.prepare('UPDATE images SET status = ?, updated_at = ? WHERE id = ?')
  const event = db.prepare('INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value))

  // Ids of the first and last replayed event, for the summary.
  let replayedIds: [number, number] | null = null
  db.transaction(() => applyStage())()
  return counts

  function applyStage(): void {
    const now = new Date().toISOString()
    // Masks with larger ids are added by this commit (ids are numbered after the last): see the event replay.
    const lastMaskBefore = lastMaskId.get() as number
    const setModel = db.prepare(`INSERT OR REPLACE INTO ${T.models} (key, id) VALUES (?, ?)`)
    for (const model of options.models ?? []) {
      let found = modelRepository.findByHashes(model.encoderSha256, model.decoderSha256)
      if (!found) {
        found = modelRepository.add(
          {
            name: model.name,
            variant: model.variant as ModelVariant,
            description: 'Imported with a bundle; its files are not on this machine.',
            encoderPath: '',
            decoderPath: '',
            encoderSha256: model.encoderSha256,
            decoderSha256: model.decoderSha256,
            encoderBytes: model.encoderBytes,
            decoderBytes: model.decoderBytes,
            bundled: false,
          },
          options.actor,
        )
        counts.modelsAdded++
      }
      setModel.run(modelKey(model.encoderSha256, model.decoderSha256), found.id)
    }
    db.exec(`CREATE INDEX IF NOT EXISTS ${T.masks}_by_source ON ${T.masks.slice('temp.'.length)} (source_mask_id)`)

    masks.withPausedTallies((inserted) => {
      // Staged masks not yet in the project wait in one run of seq [lo, hi] and go in together, before
      // any image whose masks must be compared with the project's (so those see every earlier mask).
      let run: { lo: number; hi: number; duplicates: boolean } | null = null
      const flush = () => {
        if (!run) return
        const base = lastMaskId.get() as number
        const parameters = { lo: run.lo, hi: run.hi, base, now, actor: options.actor }
        ;(run.duplicates ? numberRunAroundDuplicates : numberRun).run(parameters)
        const added = insertRun.run(parameters).changes
        inserted(base + 1, base + added)
        insertRunEvents.run(parameters)
        counts.masksAdded += added
        run = null
      }
      const seen = new Set<number>()
      let afterKey = 0
      for (;;) {
        const page = stageImages.all(afterKey, PAGE) as { key: number; data: string; first_seq: number; mask_count: number }[]
        for (const { data, first_seq: firstSeq, mask_count: maskCount } of page) {
          const image = JSON.parse(data) as StagedImage
          const target = imageRow.get(image.targetImageId) as { status: ImageStatus } | undefined
          if (!target) throw new Error(`Image ${image.targetImageId} left the project during the import.`)
          counts.images++
          if (maskCount > 0) {
            let duplicates = false
            if (seen.has(image.targetImageId) || anyExisting.get(image.targetImageId) === 1) {
              flush()
              duplicates = mergeDuplicates(image.targetImageId, firstSeq, maskCount, now)
            }
            seen.add(image.targetImageId)
            if (run) {
              run.hi = firstSeq + maskCount - 1
              run.duplicates ||= duplicates
            } else run = { lo: firstSeq, hi: firstSeq + maskCount - 1, duplicates }
          }
          if (image.status) mergeStatus(image, target.status, now)
        }
        if (page.length < PAGE) break
        afterKey = (page[page.length - 1] as { key: number }).key
      }
      flush()
    })

    linkOrigins()
    replayEvents(lastMaskBefore)

    event.run(
      now,
      options.actor,
      options.summary.kind,
      'project',
      null,
      null,
      json({ ...options.summary.after, ...counts, replayedEventIds: replayedIds }),
    )
  }

  /**
   * Marks an image's staged masks that the project has already (rule above) with the mask they
   * are, merging a later decision; returns whether any was found.
   */
  function mergeDuplicates(imageId: number, firstSeq: number, maskCount: number, now: string): boolean {
    const present = new Map<string, { id: number; state: MaskState; updatedAt: string }>()
    // The first in index order wins, as a LIMIT 1 lookup would find it.
    for (const [id, state, updatedAt, key] of existing.all(imageId) as [number, MaskState, string, string][])
      if (!present.has(key)) present.set(key, { id, state, updatedAt })
    if (present.size === 0) return false
    let found = false
    const rows = stagedKeys.all(firstSeq, firstSeq + maskCount) as [number, string, MaskState, string | null, string, string][]
    for (const [seq, key, stagedState, stagedUpdatedAt, maskActor, origin] of rows) {
      const match = present.get(key)
      if (!match) continue
      found = true
      setDuplicate.run(match.id, seq)
      if (match.state === stagedState || options.dedup === 'pixels') {
        counts.duplicatesSkipped++
        continue
      }
      const incomingAt = stagedUpdatedAt ?? ''
      const details = { ...from, ...(JSON.parse(origin) as Record<string, unknown>), decidedAt: stagedUpdatedAt, maskActor }
      if (incomingAt > match.updatedAt) {
        masks.setState(match.id, stagedState, options.actor, { eventKind: 'merge:mask-state', updatedAt: incomingAt, details })
        match.state = stagedState
        match.updatedAt = incomingAt
        counts.statesMerged++
      } else {
        event.run(
          now,
          options.actor,
          'merge:mask-state-kept',
          'mask',
          match.id,
          json({ state: match.state, updatedAt: match.updatedAt }),
          json({ state: match.state, notTaken: { state: stagedState, ...details } }),
        )
        counts.stateConflictsKept++
      }
    }
    return found
  }

  function mergeStatus(image: StagedImage, current: ImageStatus, now: string): void {
    if (!image.status || current === image.status.status) return
    const currentAt = (statusAt.get(image.targetImageId) as string | undefined) ?? null
    const incomingAt = image.status.at
    const details = { ...from, image: image.label, status: image.status.status, setAt: incomingAt }
    if (statusWins(image.status.status, incomingAt, current, currentAt)) {
      setStatus.run(image.status.status, now, image.targetImageId)
      event.run(
        now,
        options.actor,
        'image:status',
        'image',
        image.targetImageId,
        json({ status: current, setAt: currentAt }),
        json({ status: image.status.status, merge: details }),
      )
      counts.statusesChanged++
    } else {
      event.run(
        now,
        options.actor,
        'merge:image-status-kept',
        'image',
        image.targetImageId,
        json({ status: current, setAt: currentAt }),
        json({ status: current, notTaken: details }),
      )
      counts.statusesKept++
    }
  }

  /** A mask made from another mask of the same bundle points at that mask's new id. */
  function linkOrigins(): void {
    const withOrigin = db
      .prepare(
        `SELECT s.target_mask_id, (SELECT o.target_mask_id FROM ${T.masks} o WHERE o.source_mask_id = s.origin_source_mask_id
           AND o.target_mask_id IS NOT NULL ORDER BY o.seq LIMIT 1)
         FROM ${T.masks} s WHERE s.target_mask_id IS NOT NULL AND s.origin_source_mask_id IS NOT NULL ORDER BY s.seq`,
      )
      .raw()
    const setOrigin = db.prepare('UPDATE masks SET origin_mask_id = ? WHERE id = ? AND origin_mask_id IS NULL')
    for (const [target, origin] of withOrigin.all() as [number, number | null][]) if (origin !== null) setOrigin.run(origin, target)
  }

  /**
   * Appends the bundle's event-log slice, entity ids mapped to this project's, in the stage's
   * order, skipping lines whose entity is not here and lines the project (or an earlier line of the
   * stage) has already; one INSERT … SELECT (SQLite evaluates its SELECT whole before inserting).
   */
  function replayEvents(lastMaskBefore: number): void {
    const staged = (db.prepare(`SELECT count(*) FROM ${T.events}`).pluck().get() as number) ?? 0
    if (staged === 0) return
    const mapped = `CASE WHEN e.entity_id IS NULL THEN NULL
         WHEN e.entity = 'mask' THEN (SELECT m.target_mask_id FROM ${T.masks} m
           WHERE m.source_mask_id = e.entity_id AND m.target_mask_id IS NOT NULL ORDER BY m.seq LIMIT 1)
         ELSE (SELECT i.target_image_id FROM ${T.images} i WHERE i.source_image_id = e.entity_id ORDER BY i.key LIMIT 1) END`
    // Each line's entity mapped once (r); of the mapped lines equal in everything, only the first in
    // the stage's order (nth = 1); then, unless it is a line of a mask this commit added (whose only
    // event in the project is its 'mask:imported' one, so no other line can equal it), only when the
    // project does not have it. A sort, not lookups per line: a bulk write stamps thousands of lines
    // with one time, and identical lines differing only in entity id are common (one undo = one line
    // per mask of the action).
    const result = db
      .prepare(
        `INSERT INTO events (at, actor, kind, entity, entity_id, before, after)
         WITH r AS MATERIALIZED (
           SELECT e.seq, e.at, e.actor, e.kind, e.entity, e.entity_id AS source, ${mapped} AS target, e.before, e.after
           FROM ${T.events} e
         ),
         numbered AS MATERIALIZED (
           SELECT r.*, row_number() OVER (PARTITION BY r.entity, r.target, r.at, r.actor, r.kind, r.before, r.after ORDER BY r.seq) AS nth
           FROM r WHERE r.source IS NULL OR r.target IS NOT NULL
         )
         SELECT n.at, n.actor, n.kind, n.entity, n.target, n.before, n.after FROM numbered n
         WHERE n.nth = 1
           AND ((n.entity = 'mask' AND n.target > @lastMaskBefore AND n.kind <> 'mask:imported')
             OR NOT EXISTS (SELECT 1 FROM events x WHERE x.entity = n.entity AND x.entity_id IS n.target AND x.at = n.at
                   AND x.actor = n.actor AND x.kind = n.kind AND x.before IS n.before AND x.after IS n.after))
         ORDER BY n.seq`,
      )
      .run({ lastMaskBefore })
    counts.eventsAdded = result.changes
    counts.eventsSkipped = staged - result.changes
    if (result.changes > 0) {
      const last = Number(result.lastInsertRowid)
      replayedIds = [last - result.changes + 1, last]
    }
  }
}

const COMPLETED: ReadonlySet<ImageStatus> = new Set(['done', 'skipped'])

/** Whether an incoming image status replaces the project's (rule in the module comment). */
export function statusWins(incoming: ImageStatus, incomingAt: string | null, current: ImageStatus, currentAt: string | null): boolean {
  if (incoming === current) return false
  const incomingCompleted = COMPLETED.has(incoming)
  if (incomingCompleted !== COMPLETED.has(current)) return incomingCompleted
  return incomingAt !== null && (currentAt === null || incomingAt > currentAt)
}
