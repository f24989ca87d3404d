/**
 * Projects, masks and zip surgery for the exchange tests: in-memory project databases with image
 * rows inserted directly, masks drawn from rectangles and discs, and rewriting a bundle's entries
 * (with or without fixing the manifest) to build tampered bundles.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import yauzl from 'yauzl'
import { ZipFile } from 'yazl'
import { openProjectDb, type ProjectDb } from '../../../src-main/core/project/database'
import { ImageRepository } from '../../../src-main/core/project/image-repository'
import { ModelRepository, type NewModel } from '../../../src-main/core/project/model-repository'
import { compressRle, encodeMask, type BboxXywh, type CompressedRle } from '../../../src-main/core/masks'
import type { SerializedNewMask } from '../../../src-main/core/project/mask-repository'

export interface TestImage {
  relPath: string
  contentHash?: string
  width: number
  height: number
  annotationWidth?: number
  annotationHeight?: number
  /** EXIF orientation (1–8); default 1. */
  orientation?: number
}

export function createProject(
  images: readonly TestImage[],
  options: { imageRoot?: string; name?: string } = {},
): { db: ProjectDb; ids: number[] } {
  const db = openProjectDb(':memory:', { create: true })
  db.prepare('INSERT INTO project (id, name, image_root, annotation_max_side, is_demo, created_at) VALUES (?, ?, ?, 1500, 0, ?)').run(
    randomUUID(),
    options.name ?? 'test project',
    options.imageRoot ?? '/nonexistent',
    new Date().toISOString(),
  )
  return { db, ids: insertImages(db, images) }
}

/** Inserts image rows (no files behind them); returns their ids in order. */
export function insertImages(db: ProjectDb, images: readonly TestImage[]): number[] {
  const repository = new ImageRepository(db)
  const now = new Date().toISOString()
  return images.map((image) =>
    repository.insert(
      {
        contentHash: image.contentHash ?? createHash('sha256').update(image.relPath).digest('hex'),
        relPath: image.relPath,
        fileSize: 1,
        fileMtimeMs: 1,
        width: image.width,
        height: image.height,
        orientation: image.orientation ?? 1,
        annotationWidth: image.annotationWidth ?? image.width,
        annotationHeight: image.annotationHeight ?? image.height,
      },
      now,
    ),
  )
}

/** A model record with no files behind it (hashes 'e…' / 'd…' unless given); returns its id. */
export function addFileLessModel(
  db: ProjectDb,
  fields: Partial<Pick<NewModel, 'name' | 'encoderPath' | 'decoderPath' | 'encoderBytes' | 'decoderBytes'>> = {},
  actor = 'test',
): number {
  return new ModelRepository(db).add(
    {
      name: 'm',
      variant: 'sam-official',
      description: '',
      encoderPath: '',
      decoderPath: '',
      encoderSha256: 'e'.repeat(64),
      decoderSha256: 'd'.repeat(64),
      encoderBytes: 0,
      decoderBytes: 0,
      bundled: false,
      ...fields,
    },
    actor,
  ).id
}

/**
 * A pre-serialised mask whose area and box are taken as given (insertMany stores a measured RLE's
 * figures as they are): for tests of what is stored and counted besides the pixels. The pixels are
 * one corner pixel at the image's size.
 */
export function maskWithGivenMeasure(
  fields: { imageId: number; height: number; width: number; area: number; bbox: BboxXywh } & Partial<
    Omit<SerializedNewMask, 'imageId' | 'rle'>
  >,
): SerializedNewMask {
  const { imageId, height, width, area, bbox, ...rest } = fields
  return {
    imageId,
    rle: { rle: rleOf(rectangle(height, width, 0, 0, 1, 1), height, width), area, bbox },
    source: 'auto',
    state: 'accepted',
    pointCoordsJson: null,
    cropBoxJson: null,
    promptJson: null,
    actor: 'test',
    ...rest,
  }
}

/** Row-major mask with a filled rectangle [x0, x1) × [y0, y1). */
export function rectangle(height: number, width: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const mask = new Uint8Array(height * width)
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * width + x] = 1
  return mask
}

/** Row-major mask with a filled disc. */
export function disc(height: number, width: number, cx: number, cy: number, r: number): Uint8Array {
  const mask = new Uint8Array(height * width)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * width + x] = 1
  return mask
}

export function rleOf(mask: Uint8Array, height: number, width: number): CompressedRle {
  return compressRle(encodeMask(mask, height, width))
}

/** A deterministic pseudo-random generator (mulberry32). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every entry of a zip, in order, as buffers (test-sized zips only). */
export async function readZipEntries(path: string): Promise<{ name: string; data: Buffer }[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true })
  const entries: { name: string; data: Buffer }[] = []
  try {
    for await (const entry of zip.eachEntry()) {
      const chunks: Buffer[] = []
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer)
      entries.push({ name: entry.fileName, data: Buffer.concat(chunks) })
    }
  } finally {
    zip.close()
  }
  return entries
}

/** Writes entries as a zip with yazl (which itself refuses `..` and absolute names). */
export async function writeZip(path: string, entries: readonly { name: string; data: Buffer; store?: boolean }[]): Promise<void> {
  const zip = new ZipFile()
  const out = createWriteStream(path)
  zip.outputStream.pipe(out)
  for (const entry of entries) zip.addBuffer(entry.data, entry.name, { compress: !entry.store })
  zip.end()
  await once(out, 'close')
}

/**
 * Rewrites a bundle: `mutate` edits the entry list; with `fixManifest`, the manifest's entry list is
 * recomputed from the result (so only the change under test is wrong).
 */
export async function rewriteBundle(
  source: string,
  target: string,
  mutate: (entries: { name: string; data: Buffer }[]) => { name: string; data: Buffer }[],
  options: { fixManifest: boolean; manifest?: (manifest: Record<string, unknown>) => void } = { fixManifest: true },
): Promise<void> {
  let entries = mutate(await readZipEntries(source))
  if (options.fixManifest || options.manifest) {
    const manifestEntry = entries.find((entry) => entry.name === 'manifest.json')
    if (!manifestEntry) throw new Error('no manifest to fix')
    const manifest = JSON.parse(manifestEntry.data.toString('utf8')) as Record<string, unknown>
    if (options.fixManifest) {
      manifest.entries = entries
        .filter((entry) => entry.name !== 'manifest.json')
        .map((entry) => ({ name: entry.name, sha256: createHash('sha256').update(entry.data).digest('hex'), bytes: entry.data.length }))
    }
    options.manifest?.(manifest)
    entries = entries.map((entry) =>
      entry.name === 'manifest.json' ? { name: entry.name, data: Buffer.from(JSON.stringify(manifest)) } : entry,
    )
  }
  await writeZip(target, entries)
}

/** Replaces every occurrence of `from` by `to` (same byte length) in a file's bytes: for entry names in both zip headers. */
export function patchBytes(data: Buffer, from: string, to: string): Buffer {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('patchBytes needs equal lengths')
  const copy = Buffer.from(data)
  const needle = Buffer.from(from)
  let at = copy.indexOf(needle)
  let count = 0
  while (at >= 0) {
    Buffer.from(to).copy(copy, at)
    count++
    at = copy.indexOf(needle, at + needle.length)
  }
  if (count === 0) throw new Error(`${from} not found`)
  return copy
}

/** Everything an import could change, for "the database is unchanged" checks. */
export function snapshot(db: ProjectDb): string {
  return JSON.stringify({
    masks: db.prepare('SELECT * FROM masks ORDER BY id').all(),
    events: db.prepare('SELECT * FROM events ORDER BY id').all(),
    images: db.prepare('SELECT id, status, updated_at FROM images ORDER BY id').all(),
    models: db.prepare('SELECT * FROM models ORDER BY id').all(),
  })
}

/**
 * Points the central-directory record of entry `index` at the local header of entry 0, so two
 * entries share bytes (the overlapping-entries zip bomb).
 */
export function overlapEntries(zip: Buffer, index: number): Buffer {
  const copy = Buffer.from(zip)
  const eocd = copy.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  let record = copy.readUInt32LE(eocd + 16)
  let firstOffset = -1
  for (let i = 0; i <= index; i++) {
    if (copy.readUInt32LE(record) !== 0x02014b50) throw new Error('not a central directory record')
    if (i === 0) firstOffset = copy.readUInt32LE(record + 42)
    if (i === index) copy.writeUInt32LE(firstOffset, record + 42)
    record += 46 + copy.readUInt16LE(record + 28) + copy.readUInt16LE(record + 30) + copy.readUInt16LE(record + 32)
  }
  return copy
}
