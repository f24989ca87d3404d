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
import { MaskRepository, type MaskPrompt, type MaskSource, type MaskState, type NewMask, type PointXy } from '../project/mask-repository'
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

export class ImportStage {
  private readonly insertImage
  private readonly insertMask
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
    db.exec(`
      CREATE TABLE images (key INTEGER PRIMARY KEY, data TEXT NOT NULL, source_image_id INTEGER, target_image_id INTEGER NOT NULL,
        first_seq INTEGER NOT NULL, mask_count INTEGER NOT NULL);
      CREATE INDEX images_by_source ON images (source_image_id);
      -- An image's masks are one run of seq (addImage writes them together): images.first_seq, mask_count.
      -- masks_by_source is built by commitStage, once, after the last row (cheaper than row by row).
      CREATE TABLE masks (seq INTEGER PRIMARY KEY, source_mask_id INTEGER, data TEXT NOT NULL, target_mask_id INTEGER);
      CREATE TABLE events (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
    `)
    this.insertImage = db.prepare(
      'INSERT INTO images (data, source_image_id, target_image_id, first_seq, mask_count) VALUES (?, ?, ?, ?, ?)',
    )
    this.insertMask = db.prepare('INSERT INTO masks (seq, source_mask_id, data) VALUES (?, ?, ?)')
    this.insertEvent = db.prepare('INSERT INTO events (data) VALUES (?)')
  }

  /** A stage in a fresh temporary folder; `dispose()` removes it. */
  static async create(): Promise<ImportStage> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-import-'))
    return new ImportStage(dir, new Database(join(dir, 'stage.sqlite')))
  }

  get counts(): { images: number; masks: number; events: number } {
    return { images: this.images, masks: this.masks, events: this.events }
  }

  addImage(image: StagedImage, masks: readonly StagedMask[]): void {
    const firstSeq = this.masks + 1
    this.db.transaction(() => {
      this.insertImage.run(JSON.stringify(image), image.sourceImageId, image.targetImageId, firstSeq, masks.length)
      masks.forEach((mask, index) => this.insertMask.run(firstSeq + index, mask.sourceMaskId, JSON.stringify(mask)))
    })()
    this.images++
    this.masks += masks.length
  }

  addEvents(events: readonly BundleEvent[]): void {
    this.db.transaction(() => {
      for (const event of events) this.insertEvent.run(JSON.stringify(event))
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
  const stageMasks = stage.db.prepare('SELECT seq, data FROM masks WHERE seq >= ? AND seq < ? ORDER BY seq').raw()
  const setTarget = stage.db.prepare('UPDATE masks SET target_mask_id = ? WHERE seq = ?')
  const setTargetRun = stage.db.prepare('UPDATE masks SET target_mask_id = seq + ? WHERE seq BETWEEN ? AND ?')
  const targetMask = stage.db
    .prepare('SELECT target_mask_id FROM masks WHERE source_mask_id = ? AND target_mask_id IS NOT NULL LIMIT 1')
    .pluck()
  const targetImage = stage.db.prepare('SELECT target_image_id FROM images WHERE source_image_id = ? LIMIT 1').pluck()
  const stageEvents = stage.db.prepare('SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
  // The image's masks a staged mask may already be (see the merge rules), read once per image: [id, state, updated_at, key].
  const existingByOrigin = db
    .prepare('SELECT id, state, updated_at, rle_counts || char(0) || actor || char(0) || created_at FROM masks WHERE image_id = ?')
    .raw()
  const existingImported = db
    .prepare("SELECT id, state, updated_at, rle_counts FROM masks WHERE image_id = ? AND source = 'imported'")
    .raw()
  const dedupKey = (staged: StagedMask) =>
    options.dedup === 'origin' ? `${staged.rleCounts}\0${staged.actor}\0${staged.createdAt ?? ''}` : staged.rleCounts
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
        const fresh: { seq: number; mask: NewMask; origin: Record<string, unknown> }[] = []
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
        for (const [seq, data] of stageMasks.all(firstSeq, firstSeq + maskCount) as [number, string][]) {
          const staged = JSON.parse(data) as StagedMask
          const existing = present.get(dedupKey(staged))
          if (!existing) {
            fresh.push({
              seq,
              mask: toNewMask(staged, image.targetImageId, [target.height, target.width], modelIds, now),
              origin: staged.origin,
            })
            continue
          }
          setTarget.run(existing.id, seq)
          if (existing.state === staged.state || options.dedup === 'pixels') {
            counts.duplicatesSkipped++
            continue
          }
          const incomingAt = staged.updatedAt ?? ''
          const details = { ...from, ...staged.origin, decidedAt: staged.updatedAt, maskActor: staged.actor }
          if (incomingAt > existing.updatedAt) {
            masks.setState(existing.id, staged.state, options.actor, { eventKind: 'merge:mask-state', updatedAt: incomingAt, details })
            existing.state = staged.state
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
              json({ state: existing.state, notTaken: { state: staged.state, ...details } }),
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
              eventDetails: (_mask, index) => ({ origin: { ...from, ...fresh[index]?.origin } }),
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
      "SELECT target_mask_id AS target, json_extract(data, '$.originSourceMaskId') AS origin FROM masks WHERE target_mask_id IS NOT NULL AND json_extract(data, '$.originSourceMaskId') IS NOT NULL",
    )
    const setOrigin = db.prepare('UPDATE masks SET origin_mask_id = ? WHERE id = ? AND origin_mask_id IS NULL')
    for (const row of withOrigin.iterate() as Iterable<{ target: number; origin: number }>) {
      const origin = targetMask.get(row.origin) as number | undefined
      if (origin !== undefined) setOrigin.run(origin, row.target)
    }

    let afterSeq = 0
    let firstEventId: number | null = null
    let lastEventId: number | null = null
    for (;;) {
      const page = stageEvents.all(afterSeq, PAGE) as { seq: number; data: string }[]
      // A page's new events go in as one multi-row INSERT; `taken` stands for the rows not yet in
      // the table, so a line repeated within the page is still skipped as present.
      const rows: unknown[] = []
      const taken = new Set<string>()
      for (const row of page) {
        const source = JSON.parse(row.data) as BundleEvent
        const entityId =
          source.entity_id === null
            ? null
            : ((source.entity === 'mask' ? targetMask.get(source.entity_id) : targetImage.get(source.entity_id)) as number | undefined)
        if (entityId === undefined) {
          counts.eventsSkipped++
          continue
        }
        const before = json(source.before)
        const after = json(source.after)
        const key = JSON.stringify([source.entity, entityId, source.at, source.actor, source.kind, before, after])
        if (taken.has(key) || eventExists.get(source.entity, entityId, source.at, source.actor, source.kind, before, after)) {
          counts.eventsSkipped++
          continue
        }
        taken.add(key)
        rows.push([source.at, source.actor, source.kind, source.entity, entityId, before, after])
      }
      if (rows.length > 0) {
        const last = Number(eventRows(rows.length).run(rows.flat()).lastInsertRowid)
        firstEventId ??= last - rows.length + 1
        lastEventId = last
        counts.eventsAdded += rows.length
      }
      if (page.length < PAGE) break
      afterSeq = (page[page.length - 1] as { seq: number }).seq
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

function toNewMask(
  staged: StagedMask,
  imageId: number,
  size: [height: number, width: number],
  modelIds: ReadonlyMap<string, number>,
  now: string,
): NewMask {
  return {
    imageId,
    // Measured while staging (the same counts were decoded then), so the commit does not decode again.
    rle: { rle: { size, counts: staged.rleCounts }, area: staged.area, bbox: staged.bbox },
    source: staged.source,
    state: staged.state,
    predictedIou: staged.predictedIou,
    stabilityScore: staged.stabilityScore,
    pointCoords: staged.pointCoords,
    cropBox: staged.cropBox,
    prompt: staged.prompt,
    modelId: staged.modelKey === null ? null : (modelIds.get(staged.modelKey) ?? null),
    actor: staged.actor,
    secondsSpent: staged.secondsSpent,
    clicks: staged.clicks,
    originIou: staged.originIou,
    createdAt: staged.createdAt ?? now,
    updatedAt: staged.updatedAt ?? staged.createdAt ?? now,
  }
}
