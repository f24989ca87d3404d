/**
 * Staging for imports: everything read from a bundle or annotation files is verified, converted to
 * the project's frame and written to a throw-away SQLite file first (memory: one image at a time),
 * then applied to the project in ONE transaction (`commitStage`). A failure or abort before the
 * commit leaves the project untouched; the commit itself is all or nothing.
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
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Database as Db, Statement } from 'better-sqlite3'
import type { ImageStatus, ModelVariant } from '../../../src-preload/contract/dto'
import type { ProjectDb } from '../project/database'
import { ModelRepository } from '../project/model-repository'
import {
  MaskRepository,
  type MaskPrompt,
  type MaskSource,
  type MaskState,
  type PointXy,
  type SerializedNewMask,
} from '../project/mask-repository'
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

/** Staged masks per multi-row INSERT (24 parameters each, far below SQLite's 32,766). */
const STAGE_ROWS = 64

/** Columns of a staged mask (stage table `masks`), in this order after `seq`. */
const STAGED_MASK_COLUMNS =
  'source_mask_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, predicted_iou, stability_score, ' +
  'point_coords, crop_box, prompt, model_key, actor, seconds_spent, clicks, origin_source_mask_id, origin_iou, created_at, updated_at, origin'

/** A staged mask row in raw mode: seq, then STAGED_MASK_COLUMNS (JSON columns as text). */
type StagedMaskRow = [
  seq: number,
  sourceMaskId: number | null,
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
  modelKey: string | null,
  actor: string,
  secondsSpent: number | null,
  clicks: number | null,
  originSourceMaskId: number | null,
  originIou: number | null,
  createdAt: string | null,
  updatedAt: string | null,
  origin: string,
]

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value)
}

/**
 * A staged event: the bundle line's fields, `before` and `after` as the JSON text the project
 * stores (JSON.stringify of the parsed value; NULL when absent).
 */
type StagedEventRow = [
  seq: number,
  at: string,
  actor: string,
  kind: string,
  entity: 'mask' | 'image',
  entityId: number | null,
  before: string | null,
  after: string | null,
]

export class ImportStage {
  private readonly insertImage
  private readonly maskInserts = new Map<number, Statement>()
  private readonly insertEvent
  private images = 0
  private masks = 0
  private events = 0

  private constructor(
    private readonly dir: string,
    readonly db: Db,
  ) {
    // A throw-away file: no journal, no syncs, one connection; 32 MiB of page cache (bounded memory).
    db.pragma('journal_mode = OFF')
    db.pragma('synchronous = OFF')
    db.pragma('locking_mode = EXCLUSIVE')
    db.pragma('cache_size = -32768')
    // Masks and events are columns, not JSON documents: staging writes them and the commit reads
    // them without a parse or stringify per mask (the JSON columns hold the text the project stores).
    db.exec(`
      CREATE TABLE images (key INTEGER PRIMARY KEY, data TEXT NOT NULL, source_image_id INTEGER, target_image_id INTEGER NOT NULL,
        first_seq INTEGER NOT NULL, mask_count INTEGER NOT NULL);
      CREATE INDEX images_by_source ON images (source_image_id);
      -- An image's masks are one run of seq (addImage writes them together): images.first_seq, mask_count.
      -- masks_by_source is built by commitStage, once, after the last row (cheaper than row by row).
      CREATE TABLE masks (seq INTEGER PRIMARY KEY, source_mask_id INTEGER, rle_counts TEXT NOT NULL, area INTEGER NOT NULL,
        bbox_x INTEGER NOT NULL, bbox_y INTEGER NOT NULL, bbox_w INTEGER NOT NULL, bbox_h INTEGER NOT NULL,
        source TEXT NOT NULL, state TEXT NOT NULL, predicted_iou REAL, stability_score REAL,
        point_coords TEXT, crop_box TEXT, prompt TEXT, model_key TEXT, actor TEXT NOT NULL, seconds_spent REAL, clicks INTEGER,
        origin_source_mask_id INTEGER, origin_iou REAL, created_at TEXT, updated_at TEXT, origin TEXT NOT NULL,
        target_mask_id INTEGER);
      CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, entity TEXT NOT NULL,
        entity_id INTEGER, before TEXT, after TEXT);
    `)
    this.insertImage = db.prepare(
      'INSERT INTO images (data, source_image_id, target_image_id, first_seq, mask_count) VALUES (?, ?, ?, ?, ?)',
    )

    this.insertEvent = db.prepare('INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)')
  }

  /** A stage in a fresh temporary folder; `dispose()` removes it. */
  static async create(): Promise<ImportStage> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-import-'))
    return new ImportStage(dir, new Database(join(dir, 'stage.sqlite')))
  }

  get counts(): { images: number; masks: number; events: number } {
    return { images: this.images, masks: this.masks, events: this.events }
  }

  private maskInsert(rows: number): Statement {
    let statement = this.maskInserts.get(rows)
    if (!statement) {
      const row = `(${Array.from({ length: 24 }, () => '?').join(', ')})`
      statement = this.db.prepare(
        `INSERT INTO masks (seq, ${STAGED_MASK_COLUMNS}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`,
      )
      this.maskInserts.set(rows, statement)
    }
    return statement
  }

  addImage(image: StagedImage, masks: readonly StagedMask[]): void {
    const firstSeq = this.masks + 1
    this.db.transaction(() => {
      this.insertImage.run(JSON.stringify(image), image.sourceImageId, image.targetImageId, firstSeq, masks.length)
      // Multi-row INSERTs of STAGE_ROWS (24 parameters a row): one statement per mask costs more than the row.
      for (let start = 0; start < masks.length; start += STAGE_ROWS) {
        const values: unknown[] = []
        const end = Math.min(masks.length, start + STAGE_ROWS)
        for (let index = start; index < end; index++) {
          const mask = masks[index] as StagedMask
          values.push(
            firstSeq + index,
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

  async dispose(): Promise<void> {
    if (this.db.open) this.db.close()
    await rm(this.dir, { recursive: true, force: true })
  }
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
  /** Added to merge events' details (e.g. the bundle's project id). */
  from?: Record<string, unknown>
}

const PAGE = 256

/** Applies a verified stage to the project in one transaction (see the merge rules above). */
export function commitStage(db: ProjectDb, stage: ImportStage, options: CommitOptions): ImportCounts {
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
  const from = options.from ?? {}
  stage.db.exec('CREATE INDEX IF NOT EXISTS masks_by_source ON masks (source_mask_id)')
  const stageImages = stage.db.prepare('SELECT key, data, first_seq, mask_count FROM images WHERE key > ? ORDER BY key LIMIT ?')
  const stageMasks = stage.db.prepare(`SELECT seq, ${STAGED_MASK_COLUMNS} FROM masks WHERE seq >= ? AND seq < ? ORDER BY seq`).raw()
  const setTarget = stage.db.prepare('UPDATE masks SET target_mask_id = ? WHERE seq = ?')
  const setTargetRun = stage.db.prepare('UPDATE masks SET target_mask_id = seq + ? WHERE seq BETWEEN ? AND ?')
  const targetMask = stage.db
    .prepare('SELECT target_mask_id FROM masks WHERE source_mask_id = ? AND target_mask_id IS NOT NULL LIMIT 1')
    .pluck()
  // The same lookup for a page of events at once: [source id, target id], the first staged row of each source id.
  const targetMasks = stage.db
    .prepare(
      `SELECT source_mask_id, target_mask_id FROM masks WHERE seq IN (SELECT min(seq) FROM masks
         WHERE source_mask_id IN (SELECT value FROM json_each(?)) AND target_mask_id IS NOT NULL GROUP BY source_mask_id)`,
    )
    .raw()
  const targetImage = stage.db.prepare('SELECT target_image_id FROM images WHERE source_image_id = ? LIMIT 1').pluck()
  const stageEvents = stage.db
    .prepare('SELECT seq, at, actor, kind, entity, entity_id, before, after FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
    .raw()
  // The image's masks a staged mask may already be (see the merge rules), read once per image: [id, state, updated_at, key].
  const existingByOrigin = db
    .prepare('SELECT id, state, updated_at, rle_counts || char(0) || actor || char(0) || created_at FROM masks WHERE image_id = ?')
    .raw()
  const existingImported = db
    .prepare("SELECT id, state, updated_at, rle_counts FROM masks WHERE image_id = ? AND source = 'imported'")
    .raw()
  const dedupKey = (row: StagedMaskRow) => (options.dedup === 'origin' ? `${row[2]}\0${row[16]}\0${row[21] ?? ''}` : row[2])
  const imageRow = db.prepare('SELECT status, annotation_width AS width, annotation_height AS height FROM images WHERE id = ?')
  const statusAt = db
    .prepare("SELECT at FROM events WHERE entity = 'image' AND entity_id = ? AND kind = 'image:status' ORDER BY id DESC LIMIT 1")
    .pluck()
  const setStatus = db.prepare('UPDATE images SET status = ?, updated_at = ? WHERE id = ?')
  const event = db.prepare('INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const eventExists = db
    .prepare(
      'SELECT 1 FROM events WHERE entity = ? AND entity_id IS ? AND at = ? AND actor = ? AND kind = ? AND before IS ? AND after IS ? LIMIT 1',
    )
    .pluck()
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value))
  const multiEvents = new Map<number, Statement>()
  /** INSERT of `count` events (7 parameters each; PAGE rows stay far below SQLite's limit); rowids come out consecutive. */
  const eventRows = (count: number) => {
    let statement = multiEvents.get(count)
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      )
      multiEvents.set(count, statement)
    }
    return statement
  }
  /** Records which project mask each staged mask became; consecutive seqs and ids in one UPDATE. */
  const setTargets = (pairs: readonly (readonly [seq: number, id: number])[]) => {
    for (let start = 0; start < pairs.length;) {
      let end = start + 1
      while (end < pairs.length && pairs[end]![0] === pairs[end - 1]![0] + 1 && pairs[end]![1] === pairs[end - 1]![1] + 1) end++
      const [seq, id] = pairs[start]!
      setTargetRun.run(id - seq, seq, pairs[end - 1]![0])
      start = end
    }
  }

  // The stage records target ids as masks land; one stage transaction instead of one per update.
  stage.db.exec('BEGIN')
  try {
    db.transaction(() => applyStage())()
  } finally {
    stage.db.exec('ROLLBACK')
  }
  return counts

  function applyStage(): void {
    const now = new Date().toISOString()
    // Masks with larger ids are added by this commit (rowids only grow): see the event replay.
    const lastMaskBefore = (db.prepare('SELECT ifnull(max(id), 0) FROM masks').pluck().get() as number) ?? 0
    const modelIds = new Map<string, number>()
    for (const model of options.models ?? []) {
      const key = modelKey(model.encoderSha256, model.decoderSha256)
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
      modelIds.set(key, found.id)
    }

    let afterKey = 0
    for (;;) {
      const page = stageImages.all(afterKey, PAGE) as { key: number; data: string; first_seq: number; mask_count: number }[]
      for (const { data, first_seq: firstSeq, mask_count: maskCount } of page) {
        const image = JSON.parse(data) as StagedImage
        const target = imageRow.get(image.targetImageId) as { status: ImageStatus; width: number; height: number } | undefined
        if (!target) throw new Error(`Image ${image.targetImageId} left the project during the import.`)
        counts.images++
        const fresh: { seq: number; mask: SerializedNewMask; origin: string }[] = []
        const present = new Map<string, { id: number; state: MaskState; updatedAt: string }>()
        if (maskCount > 0) {
          const rows = (options.dedup === 'origin' ? existingByOrigin : existingImported).all(image.targetImageId) as [
            number,
            MaskState,
            string,
            string,
          ][]
          // The first in index order wins, as a LIMIT 1 lookup would find it.
          for (const [id, state, updatedAt, key] of rows) if (!present.has(key)) present.set(key, { id, state, updatedAt })
        }
        for (const row of stageMasks.all(firstSeq, firstSeq + maskCount) as StagedMaskRow[]) {
          const seq = row[0]
          const existing = present.size === 0 ? undefined : present.get(dedupKey(row))
          if (!existing) {
            fresh.push({
              seq,
              mask: toSerializedMask(row, image.targetImageId, [target.height, target.width], modelIds, now),
              origin: row[23],
            })
            continue
          }
          setTarget.run(existing.id, seq)
          const stagedState = row[9]
          const stagedUpdatedAt = row[22]
          if (existing.state === stagedState || options.dedup === 'pixels') {
            counts.duplicatesSkipped++
            continue
          }
          const incomingAt = stagedUpdatedAt ?? ''
          const details = { ...from, ...(JSON.parse(row[23]) as Record<string, unknown>), decidedAt: stagedUpdatedAt, maskActor: row[16] }
          if (incomingAt > existing.updatedAt) {
            masks.setState(existing.id, stagedState, options.actor, { eventKind: 'merge:mask-state', updatedAt: incomingAt, details })
            existing.state = stagedState
            existing.updatedAt = incomingAt
            counts.statesMerged++
          } else {
            event.run(
              now,
              options.actor,
              'merge:mask-state-kept',
              'mask',
              existing.id,
              json({ state: existing.state, updatedAt: existing.updatedAt }),
              json({ state: existing.state, notTaken: { state: stagedState, ...details } }),
            )
            counts.stateConflictsKept++
          }
        }
        if (fresh.length > 0) {
          const ids = masks.insertMany(
            fresh.map((entry) => entry.mask),
            {
              eventKind: 'mask:imported',
              eventActor: options.actor,
              eventDetails: (_mask, index) => ({
                origin: { ...from, ...(JSON.parse((fresh[index] as { origin: string }).origin) as Record<string, unknown>) },
              }),
            },
          )
          setTargets(ids.map((id, index) => [(fresh[index] as { seq: number }).seq, id] as const))
          counts.masksAdded += ids.length
        }
        if (image.status) {
          const current = target
          if (current.status !== image.status.status) {
            const currentAt = (statusAt.get(image.targetImageId) as string | undefined) ?? null
            const incomingAt = image.status.at
            const incomingWins = statusWins(image.status.status, incomingAt, current.status, currentAt)
            const details = { ...from, image: image.label, status: image.status.status, setAt: incomingAt }
            if (incomingWins) {
              setStatus.run(image.status.status, now, image.targetImageId)
              event.run(
                now,
                options.actor,
                'image:status',
                'image',
                image.targetImageId,
                json({ status: current.status, setAt: currentAt }),
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
                json({ status: current.status, setAt: currentAt }),
                json({ status: current.status, notTaken: details }),
              )
              counts.statusesKept++
            }
          }
        }
      }
      if (page.length < PAGE) break
      afterKey = (page[page.length - 1] as { key: number }).key
    }

    // A manual mask made from another mask of the same bundle points at that mask's new id.
    const withOrigin = stage.db.prepare(
      'SELECT target_mask_id AS target, origin_source_mask_id AS origin FROM masks WHERE target_mask_id IS NOT NULL AND origin_source_mask_id IS NOT NULL',
    )
    const setOrigin = db.prepare('UPDATE masks SET origin_mask_id = ? WHERE id = ? AND origin_mask_id IS NULL')
    for (const row of withOrigin.iterate() as Iterable<{ target: number; origin: number }>) {
      const origin = targetMask.get(row.origin) as number | undefined
      if (origin !== undefined) setOrigin.run(origin, row.target)
    }

    // Whether any line of the stage repeats another (same entity, time, actor, kind, before, after):
    // only then can a replayed event of a new mask meet an earlier copy of itself.
    const stageRepeats =
      stage.db
        .prepare('SELECT 1 FROM events GROUP BY entity, entity_id, at, actor, kind, before, after HAVING count(*) > 1 LIMIT 1')
        .get() !== undefined
    let afterSeq = 0
    let firstEventId: number | null = null
    let lastEventId: number | null = null
    for (;;) {
      const page = stageEvents.all(afterSeq, PAGE) as StagedEventRow[]
      // A page's new events go in as one multi-row INSERT; `taken` stands for the rows not yet in
      // the table, so a line repeated within the page is still skipped as present.
      const rows: unknown[] = []
      const taken = new Set<string>()
      const maskSources = new Set<number>()
      for (const row of page) if (row[4] === 'mask' && row[5] !== null) maskSources.add(row[5])
      const maskTargets = new Map(targetMasks.all(JSON.stringify([...maskSources])) as [number, number][])
      for (const [, at, actor, kind, entity, sourceEntityId, before, after] of page) {
        const entityId =
          sourceEntityId === null
            ? null
            : entity === 'mask'
              ? maskTargets.get(sourceEntityId)
              : (targetImage.get(sourceEntityId) as number | undefined)
        if (entityId === undefined) {
          counts.eventsSkipped++
          continue
        }
        // A mask this commit added has no events in the project but its 'mask:imported' one and the
        // replayed lines before this one; with no repeated line in the stage, neither can equal it.
        if (entity === 'mask' && entityId !== null && entityId > lastMaskBefore && !stageRepeats && kind !== 'mask:imported') {
          rows.push([at, actor, kind, entity, entityId, before, after])
          continue
        }
        const key = JSON.stringify([entity, entityId, at, actor, kind, before, after])
        if (taken.has(key) || eventExists.get(entity, entityId, at, actor, kind, before, after)) {
          counts.eventsSkipped++
          continue
        }
        taken.add(key)
        rows.push([at, actor, kind, entity, entityId, before, after])
      }
      if (rows.length > 0) {
        const last = Number(eventRows(rows.length).run(rows.flat()).lastInsertRowid)
        firstEventId ??= last - rows.length + 1
        lastEventId = last
        counts.eventsAdded += rows.length
      }
      if (page.length < PAGE) break
      afterSeq = (page[page.length - 1] as StagedEventRow)[0]
    }

    event.run(
      now,
      options.actor,
      options.summary.kind,
      'project',
      null,
      null,
      json({ ...options.summary.after, ...counts, replayedEventIds: firstEventId === null ? null : [firstEventId, lastEventId] }),
    )
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

function toSerializedMask(
  row: StagedMaskRow,
  imageId: number,
  size: [height: number, width: number],
  modelIds: ReadonlyMap<string, number>,
  now: string,
): SerializedNewMask {
  const createdAt = row[21]
  const updatedAt = row[22]
  const modelKey = row[15]
  return {
    imageId,
    // Measured while staging (the same counts were checked then), so the commit does not decode again.
    rle: { rle: { size, counts: row[2] }, area: row[3], bbox: [row[4], row[5], row[6], row[7]] },
    source: row[8],
    state: row[9],
    predictedIou: row[10],
    stabilityScore: row[11],
    pointCoordsJson: row[12],
    cropBoxJson: row[13],
    promptJson: row[14],
    modelId: modelKey === null ? null : (modelIds.get(modelKey) ?? null),
    actor: row[16],
    secondsSpent: row[17],
    clicks: row[18],
    originIou: row[20],
    createdAt: createdAt ?? now,
    updatedAt: updatedAt ?? createdAt ?? now,
  }
}
