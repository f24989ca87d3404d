/**
 * Which images an export takes (grid selections and audit samples) and the image files SA-1B and
 * COCO exports write with their JSON: real image files processed by the import pipeline, the
 * project's annotation copies on disk, exports into a temp folder.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectPaths, type ProjectPaths } from '../../../src-main/core/app/app-paths'
import { AuditStore } from '../../../src-main/core/audit/audit-store'
import { ExchangeError, type ExchangeErrorReason } from '../../../src-main/core/exchange/exchange-error'
import { exportCoco } from '../../../src-main/core/exchange/export-coco'
import { ExportSelection } from '../../../src-main/core/exchange/export-filter'
import { exportSa1b, type Sa1bDocument } from '../../../src-main/core/exchange/export-sa1b'
import { annotationCopyPath } from '../../../src-main/core/imaging/folder-import'
import { processImageFile } from '../../../src-main/core/imaging/image-pipeline'
import type { ProjectDb } from '../../../src-main/core/project/database'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { createProject, rectangle, rleOf } from './exchange-helpers'

/** Small annotation size, so every image is downscaled for annotation. */
const ANNOTATION_MAX_SIDE = 30

let dir: string
let imageRoot: string
let paths: ProjectPaths
let db: ProjectDb
/** Image ids by file name. */
const id: Record<string, number> = {}

/**
 * A 60×40 picture stored landscape whose EXIF orientation 6 turns it portrait (40×60 upright), red in
 * the stored top-left quadrant: upright, the red quadrant is at the top right.
 */
async function rotatedJpeg(): Promise<Buffer> {
  const pixels = Buffer.alloc(60 * 40 * 3, 40)
  for (let y = 0; y < 20; y++) for (let x = 0; x < 30; x++) pixels.set([230, 20, 20], (y * 60 + x) * 3)
  return sharp(pixels, { raw: { width: 60, height: 40, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer()
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-export-images-'))
  imageRoot = join(dir, 'images')
  paths = projectPaths(join(dir, 'project'))
  await mkdir(join(imageRoot, 'sub'), { recursive: true })
  await mkdir(paths.annotationCopies, { recursive: true })
  const files: Record<string, Buffer> = {
    'rotated.jpg': await rotatedJpeg(),
    'sub/flat.png': await sharp({ create: { width: 50, height: 30, channels: 3, background: '#3a6' } })
      .png()
      .toBuffer(),
    'plain.png': await sharp({ create: { width: 24, height: 24, channels: 3, background: '#36a' } })
      .png()
      .toBuffer(),
  }
  const rows = []
  for (const [relPath, bytes] of Object.entries(files)) {
    await writeFile(join(imageRoot, relPath), bytes)
    // The import pipeline's own answer: sizes, orientation and the annotation copy in the cache.
    const processed = await processImageFile(join(imageRoot, relPath), ANNOTATION_MAX_SIDE)
    await writeFile(annotationCopyPath(paths, processed.contentHash), processed.annotationJpeg)
    rows.push({ relPath, ...processed })
  }
  const project = createProject(rows, { imageRoot })
  db = project.db
  rows.forEach((row, index) => (id[row.relPath] = project.ids[index] as number))
  const masks = new MaskRepository(db)
  for (const row of rows)
    masks.insert({
      imageId: id[row.relPath] as number,
      rle: rleOf(rectangle(row.annotationHeight, row.annotationWidth, 1, 2, 6, 9), row.annotationHeight, row.annotationWidth),
      source: 'manual',
      state: 'accepted',
      actor: 'ada',
    })
})

afterAll(async () => {
  db?.close()
  await rm(dir, { recursive: true, force: true })
})

async function size(path: string): Promise<{ width: number; height: number; orientation: number }> {
  const meta = await sharp(path).metadata()
  return { width: meta.width ?? 0, height: meta.height ?? 0, orientation: meta.orientation ?? 1 }
}

async function reasonOf(promise: Promise<unknown>): Promise<ExchangeErrorReason | 'resolved'> {
  try {
    await promise
    return 'resolved'
  } catch (error) {
    if (error instanceof ExchangeError) return error.reason
    throw error
  }
}

/** Every file under `folder`, relative, sorted. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort()
}

describe('images of an export', () => {
  it('takes the selected ids, or an audit’s sample, and nothing else', () => {
    const chosen = [id['plain.png'] as number, id['rotated.jpg'] as number]
    expect([...new ExportSelection(db, { images: { kind: 'ids', ids: chosen } }).imageIds()]).toEqual([...chosen].sort((a, b) => a - b))

    db.prepare("UPDATE images SET status = 'done'").run()
    const audit = new AuditStore(db).draw({ fraction: 0.5, strata: [], seed: 'export' }, 'rita')
    const sample = db.prepare('SELECT image_id FROM audit_items WHERE audit_id = ? ORDER BY image_id').pluck().all(audit.id)
    expect(sample).toHaveLength(2)
    const selection = new ExportSelection(db, { images: { kind: 'audit', auditId: audit.id } })
    selection.validate()
    expect(selection.count()).toBe(2)
    expect([...selection.images()].map(({ image }) => image.id)).toEqual(sample)
    db.prepare("UPDATE images SET status = 'todo'").run()
  })

  it('refuses unknown image ids and unknown audits with their own reasons, and writes nothing', async () => {
    const unknownIds = new ExportSelection(db, { images: { kind: 'ids', ids: [id['plain.png'] as number, 999] } })
    expect(() => unknownIds.validate()).toThrow(/999/)
    expect(() => new ExportSelection(db, { images: { kind: 'audit', auditId: 77 } }).validate()).toThrow(
      expect.objectContaining({ reason: 'unknown_audit' }),
    )
    const target = join(dir, 'refused')
    expect(await reasonOf(exportSa1b(db, target, { filter: { images: { kind: 'ids', ids: [999] } } }))).toBe('unknown_image')
    expect(await reasonOf(exportCoco(db, `${target}.json`, { filter: { images: { kind: 'audit', auditId: 77 } } }))).toBe('unknown_audit')
    expect((await readdir(dir)).filter((name) => name.startsWith('refused'))).toEqual([])
  })
})

describe('image files with SA-1B', () => {
  it('writes the annotation-size copy beside each JSON with the same stem, named in file_name', async () => {
    const out = join(dir, 'sa1b-annotation')
    const result = await exportSa1b(db, out, { imageFiles: paths })
    expect(result).toMatchObject({ images: 3, masks: 3 })
    expect(await filesUnder(out)).toEqual(['plain.jpg', 'plain.json', 'rotated.jpg', 'rotated.json', 'sub/flat.jpg', 'sub/flat.json'])
    const document = JSON.parse(await readFile(join(out, 'rotated.json'), 'utf8')) as Sa1bDocument
    expect(document.image).toMatchObject({ file_name: 'rotated.jpg', width: 20, height: 30 })
    // Annotation frame: exactly the project's annotation copy, at annotation size.
    expect(await size(join(out, 'rotated.jpg'))).toMatchObject({ width: 20, height: 30 })
    const flatHash = db.prepare("SELECT content_hash FROM images WHERE rel_path = 'sub/flat.png'").pluck().get() as string
    expect(await readFile(join(out, 'sub/flat.jpg'))).toEqual(await readFile(annotationCopyPath(paths, flatHash)))
    const flat = JSON.parse(await readFile(join(out, 'sub/flat.json'), 'utf8')) as Sa1bDocument
    expect(flat.image).toMatchObject({ file_name: 'flat.jpg', width: 30, height: 18 })
  })

  it('writes the original upright at the original frame, so its pixels match the masks', async () => {
    const out = join(dir, 'sa1b-original')
    await exportSa1b(db, out, { frame: 'original', imageFiles: paths })
    expect(await filesUnder(out)).toEqual(['plain.json', 'plain.png', 'rotated.jpg', 'rotated.json', 'sub/flat.json', 'sub/flat.png'])
    const document = JSON.parse(await readFile(join(out, 'rotated.json'), 'utf8')) as Sa1bDocument
    expect(document.image).toMatchObject({ file_name: 'rotated.jpg', width: 40, height: 60 })
    expect(document.annotations[0]?.segmentation.size).toEqual([60, 40])
    // Oriented size, stored upright (no orientation left for a viewer to apply twice): the red
    // quadrant, stored top left, is at the top right.
    expect(await size(join(out, 'rotated.jpg'))).toEqual({ width: 40, height: 60, orientation: 1 })
    const { data } = await sharp(join(out, 'rotated.jpg')).raw().toBuffer({ resolveWithObject: true })
    const pixel = (x: number, y: number) => [...data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3)]
    expect(pixel(35, 5)[0]).toBeGreaterThan(180)
    expect(pixel(5, 5)[0]).toBeLessThan(90)
    // An upright original is copied byte for byte.
    expect(await readFile(join(out, 'sub/flat.png'))).toEqual(await readFile(join(imageRoot, 'sub/flat.png')))
  })

  it('refuses an original that changed since it was imported, leaving nothing', async () => {
    const path = join(imageRoot, 'plain.png')
    const original = await readFile(path)
    await writeFile(
      path,
      await sharp({ create: { width: 24, height: 24, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    )
    try {
      const out = join(dir, 'sa1b-changed')
      expect(await reasonOf(exportSa1b(db, out, { frame: 'original', imageFiles: paths }))).toBe('image_file_unavailable')
      expect((await readdir(dir)).filter((name) => name.startsWith('sa1b-changed'))).toEqual([])
    } finally {
      await writeFile(path, original)
    }
  })
})

describe('image files with COCO', () => {
  it('writes images/ beside the JSON, file_name its path there, at the frame of the masks', async () => {
    for (const frame of ['annotation', 'original'] as const) {
      const folder = join(dir, `coco-${frame}`)
      await mkdir(folder)
      const target = join(folder, 'instances.json')
      const result = await exportCoco(db, target, { frame, imageFiles: paths })
      expect(result).toMatchObject({ images: 3, masks: 3 })
      const coco = JSON.parse(await readFile(target, 'utf8')) as { images: { file_name: string; width: number; height: number }[] }
      const names = coco.images.map((image) => image.file_name).sort()
      expect(await filesUnder(join(folder, 'images'))).toEqual(names)
      expect(await readdir(folder)).toEqual(['images', 'instances.json'])
      for (const image of coco.images)
        expect(await size(join(folder, 'images', image.file_name))).toMatchObject({ width: image.width, height: image.height })
      const rotated = coco.images.find((image) => image.file_name.startsWith('rotated'))
      expect(rotated).toMatchObject(frame === 'original' ? { file_name: 'rotated.jpg', width: 40, height: 60 } : { width: 20, height: 30 })
      expect(names).toEqual(
        frame === 'original' ? ['plain.png', 'rotated.jpg', 'sub/flat.png'] : ['plain.jpg', 'rotated.jpg', 'sub/flat.jpg'],
      )
    }
  })

  it('refuses to merge into an existing images/ folder', async () => {
    const folder = join(dir, 'coco-taken')
    await mkdir(join(folder, 'images'), { recursive: true })
    expect(await reasonOf(exportCoco(db, join(folder, 'instances.json'), { imageFiles: paths }))).toBe('target_exists')
    expect(await readdir(folder)).toEqual(['images'])
  })
})

describe('cancel', () => {
  it('leaves no JSON, no image file and no partial folder behind, for SA-1B and COCO', async () => {
    const folder = join(dir, 'cancelled')
    await mkdir(folder)
    for (const format of ['sa1b', 'coco'] as const) {
      const controller = new AbortController()
      // Aborted once the first image's file is written, mid-export.
      const onProgress = (done: number) => done >= 1 && controller.abort()
      const options = { frame: 'original' as const, imageFiles: paths, signal: controller.signal, onProgress }
      const run = format === 'sa1b' ? exportSa1b(db, join(folder, 'sa1b'), options) : exportCoco(db, join(folder, 'coco.json'), options)
      expect(await reasonOf(run)).toBe('cancelled')
      expect(await readdir(folder)).toEqual([])
    }
  })
})
