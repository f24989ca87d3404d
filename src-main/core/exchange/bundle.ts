/**
 * Writes a Tessera bundle (bundle-format.ts) as one streaming zip: entries go through yazl to
 * `<target>.partial`, which is renamed to `target` only when the zip is complete. Each text entry is
 * produced while yazl consumes it (a PassThrough with backpressure), so memory holds one image's
 * documents at a time, plus the list of entry checksums the manifest needs (about 100 bytes an image).
 * Failure or abort removes the partial file and leaves nothing at `target`.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { once } from 'node:events'
import { join } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { ZipFile } from 'yazl'
import type { ProjectDb } from '../project/database'
import { MASK_STATES } from '../project/mask-repository'
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  COCO_ENTRY,
  EVENTS_ENTRY,
  MANIFEST_ENTRY,
  imageEntryName,
  sa1bEntryName,
  type BundleManifest,
  type BundleModel,
} from './bundle-format'
import { ExchangeError } from './exchange-error'
import { writeCoco } from './export-coco'
import { ExportSelection, type ExportFilter } from './export-filter'
import { ProvenanceLookup, sa1bDocument, type ExportProgress } from './export-sa1b'
import { TextSink, partialPath } from './text-sink'

export interface BundleOptions extends ExportProgress {
  /** The app that writes the bundle, e.g. { name: 'tessera', version: '0.1.0' }. */
  exporter: { name: string; version: string }
  /** Who exports (recorded in the manifest). */
  actor: string
  /** Default: masks in every state (decisions travel too), every image. */
  filter?: ExportFilter
  /** Add the original image files under images/ (read from the project's image root). */
  includeImages?: boolean
  /** Time recorded in the manifest and as entry times; default now. */
  now?: Date
}

export interface BundleResult {
  target: string
  manifest: BundleManifest
}

interface ProjectRow {
  id: string
  name: string
  image_root: string
}

interface EventRow {
  id: number
  at: string
  actor: string
  kind: string
  entity: 'mask' | 'image'
  entity_id: number | null
  before: string | null
  after: string | null
}

/** Streams `path` through SHA-256; null when it cannot be read. */
async function fileSha256(path: string): Promise<string | null> {
  try {
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
    return hash.digest('hex')
  } catch {
    return null
  }
}

export async function writeBundle(db: ProjectDb, target: string, options: BundleOptions): Promise<BundleResult> {
  const project = db.prepare('SELECT id, name, image_root FROM project').get() as ProjectRow | undefined
  if (!project) throw new ExchangeError('no_project', 'The database has no project record.')
  const now = options.now ?? new Date()
  const filter: ExportFilter = { ...options.filter, states: options.filter?.states ?? MASK_STATES }
  const selection = new ExportSelection(db, filter)
  selection.validate()
  const lookup = new ProvenanceLookup(db)
  const imageCount = selection.count()
  const passes = options.includeImages ? 4 : 3
  const total = imageCount * passes
  let done = 0
  const step = () => options.onProgress?.(++done, total)

  const partial = partialPath(target)
  const file = createWriteStream(partial)
  const zip = new ZipFile()
  let failure: Error | null = null
  let current: PassThrough | null = null
  const fail = (error: Error) => {
    failure ??= error
    current?.destroy()
    zip.outputStream.unpipe(file)
    file.destroy()
  }
  zip.on('error', (error: Error) => fail(error))
  zip.outputStream.on('error', (error: Error) => fail(error))
  file.on('error', (error) => fail(error))
  const onAbort = () => fail(new ExchangeError('cancelled', `Writing the bundle ${target} was cancelled; nothing was kept.`))
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const check = () => {
    if (options.signal?.aborted) onAbort()
    if (failure) throw failure
  }

  const entries: BundleManifest['entries'] = []
  /** Adds a text entry and runs `produce` against it; the entry's checksum comes from what was written. */
  const addText = async (name: string, produce: (stream: PassThrough) => Promise<{ sha256: string; bytes: number }>) => {
    const pass = new PassThrough()
    current = pass
    zip.addReadStream(pass, name, { mtime: now })
    const { sha256, bytes } = await produce(pass)
    entries.push({ name, sha256, bytes })
    current = null
  }
  const viaSink = (write: (sink: TextSink) => Promise<void>) => async (stream: PassThrough) => {
    const sink = new TextSink(stream)
    await write(sink)
    const sha256 = await sink.end()
    return { sha256, bytes: sink.bytes }
  }

  try {
    await once(file, 'open')
    zip.outputStream.pipe(file)
    options.onProgress?.(0, total)

    // 1. One SA-1B document per image, with provenance.
    let masks = 0
    for (const { image, masks: imageMasks } of selection.images()) {
      check()
      const document = sa1bDocument(image, imageMasks, { frame: 'annotation', provenance: true, lookup })
      await addText(
        sa1bEntryName(image.id),
        viaSink((sink) => sink.write(JSON.stringify(document))),
      )
      masks += imageMasks.length
      step()
    }

    // 2. The event-log slice: each image's events and those of its exported masks, in log order.
    let events = 0
    const imageEvents = db.prepare("SELECT * FROM events WHERE entity = 'image' AND entity_id = ? ORDER BY id")
    const maskEvents = db.prepare("SELECT * FROM events WHERE entity = 'mask' AND entity_id = ? ORDER BY id")
    await addText(
      EVENTS_ENTRY,
      viaSink(async (sink) => {
        for (const { image, masks: imageMasks } of selection.images()) {
          check()
          const rows = [
            ...(imageEvents.all(image.id) as EventRow[]),
            ...imageMasks.flatMap((mask) => maskEvents.all(mask.id) as EventRow[]),
          ].sort((a, b) => a.id - b.id)
          for (const row of rows) {
            const line = {
              id: row.id,
              at: row.at,
              actor: row.actor,
              kind: row.kind,
              entity: row.entity,
              entity_id: row.entity_id,
              ...(row.before === null ? {} : { before: JSON.parse(row.before) as unknown }),
              ...(row.after === null ? {} : { after: JSON.parse(row.after) as unknown }),
            }
            await sink.write(`${JSON.stringify(line)}\n`)
            events++
          }
          step()
        }
      }),
    )

    // 3. COCO instances JSON of the same selection.
    await addText(COCO_ENTRY, async (stream) => {
      const result = await writeCoco(db, stream, {
        filter,
        signal: options.signal,
        now,
        info: { description: project.name, version: options.exporter.version, contributor: options.actor },
        onProgress: (imagesDone) => {
          if (imagesDone > 0) step()
        },
      })
      return { sha256: result.sha256, bytes: result.bytes }
    })
    check()

    // 4. Original image files, named by content hash; only files whose bytes still match that hash.
    const skippedImageFiles: BundleManifest['skippedImageFiles'] = []
    let imageFiles = 0
    if (options.includeImages) {
      const added = new Set<string>()
      for (const id of selection.imageIds()) {
        check()
        const image = selection.image(id)
        const path = join(project.image_root, image.rel_path)
        const name = imageEntryName(image.content_hash, image.rel_path)
        if (image.missing === 1) skippedImageFiles.push({ relPath: image.rel_path, reason: 'missing from the image folder' })
        else if ((await fileSha256(path)) !== image.content_hash)
          skippedImageFiles.push({ relPath: image.rel_path, reason: 'unreadable, or changed since it was imported' })
        else if (!added.has(name)) {
          added.add(name)
          const { size } = await stat(path)
          // Opened only when yazl reaches the entry, so at most one image file is open at a time.
          zip.addReadStreamLazy(name, { mtime: now, compress: false, size }, (callback) =>
            callback(null, createReadStream(path) as Readable),
          )
          entries.push({ name, sha256: image.content_hash, bytes: size })
          imageFiles++
        }
        step()
      }
    }

    // 5. The manifest, last: it lists every other entry's checksum.
    const models = (
      db
        .prepare(
          `SELECT id, name, variant, encoder_sha256 AS encoderSha256, decoder_sha256 AS decoderSha256,
             encoder_bytes AS encoderBytes, decoder_bytes AS decoderBytes FROM models ORDER BY id`,
        )
        .all() as BundleModel[]
    ).map((model) => ({ ...model }))
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      projectId: project.id,
      projectName: project.name,
      exporter: { name: options.exporter.name, version: options.exporter.version, actor: options.actor },
      createdAt: now.toISOString(),
      frame: 'annotation',
      models,
      counts: { images: imageCount, masks, events, imageFiles },
      filter: { ...filter },
      skippedImageFiles,
      entries,
    }
    check()
    zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 1)), MANIFEST_ENTRY, { mtime: now })
    zip.end()
    await new Promise<void>((resolve, reject) => {
      file.once('close', () => (failure ? reject(failure) : resolve()))
      file.once('error', reject)
    })
    check()
    await rename(partial, target)
    return { target, manifest }
  } catch (error) {
    fail(error instanceof Error ? error : new Error(String(error)))
    if (!file.closed) await once(file, 'close').catch(() => undefined)
    await rm(partial, { force: true })
    throw failure ?? error
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}
