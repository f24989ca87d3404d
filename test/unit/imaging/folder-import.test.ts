import { existsSync } from 'node:fs'
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import { projectPaths, type ProjectPaths } from '../../../src-main/core/app/app-paths'
import { annotationCopyPath, importImageFolder, thumbnailPath, type ImportOptions } from '../../../src-main/core/imaging/folder-import'
import { THUMBNAIL_MAX_SIDE } from '../../../src-main/core/imaging/image-pipeline'
import { openProjectDb, type ProjectDb } from '../../../src-main/core/project/database'
import { ImageRepository, type ImageRow } from '../../../src-main/core/project/image-repository'
import { encodePicture, makeTempDir, orientedJpeg, truncatedJpeg, writeFiles, writeJpegSeries } from '../../support/make-images'

const MAX_SIDE = 256

describe('importImageFolder', () => {
  let root = ''
  let imageRoot = ''
  let paths: ProjectPaths
  let db: ProjectDb
  let images: ImageRepository
  let cleanup: () => Promise<void> = async () => {}

  beforeEach(async () => {
    ;({ dir: root, cleanup } = await makeTempDir('import'))
    imageRoot = join(root, 'images')
    await mkdir(imageRoot)
    paths = projectPaths(join(root, 'project'))
    await mkdir(paths.projectDir)
    db = openProjectDb(paths.database, { create: true })
    images = new ImageRepository(db)
  })
  afterEach(async () => {
    db.close()
    await cleanup()
  })

  const run = (extra: Partial<ImportOptions> = {}) => importImageFolder(db, { imageRoot, annotationMaxSide: MAX_SIDE, paths, ...extra })
  const byPath = () => new Map(images.all().map((row) => [row.rel_path, row]))
  const rowAt = (relPath: string): ImageRow => {
    const row = byPath().get(relPath)
    if (!row) throw new Error(`no row at ${relPath}; rows: ${[...byPath().keys()].join(', ')}`)
    return row
  }
  const events = (kind: string) =>
    db.prepare('SELECT entity_id AS id, before, after FROM events WHERE kind = ? ORDER BY id').all(kind) as {
      id: number | null
      before: string | null
      after: string | null
    }[]

  async function writeMixedFolder(): Promise<void> {
    await writeFiles(imageRoot, {
      'a.jpg': await encodePicture('jpeg', { width: 400, height: 300, seed: 1 }),
      'b.png': await encodePicture('png', { width: 64, height: 48, seed: 2 }),
      'c.webp': await encodePicture('webp', { width: 80, height: 60, seed: 3 }),
      'sub/d.tiff': await encodePicture('tiff', { width: 64, height: 64, seed: 4 }),
      'sub/deeper/e.BMP': await encodePicture('bmp', { width: 300, height: 120, seed: 5 }),
      'rotated.jpg': await orientedJpeg({ width: 120, height: 80, seed: 6 }, 6),
      'broken/truncated.jpg': await truncatedJpeg({ width: 200, height: 200, seed: 7 }),
      'broken/empty.jpg': new Uint8Array(0),
      'broken/text.png': 'this is a text file wearing a .png name\n',
      'notes.txt': 'not an image extension: ignored',
      '.hidden/secret.jpg': await encodePicture('jpeg', { width: 32, height: 32, seed: 8 }),
    })
  }

  it('imports the readable images and lists every unreadable one with its reason', async () => {
    await writeMixedFolder()
    const progress: [number, number][] = []
    const summary = await run({ onProgress: (done, total) => progress.push([done, total]) })
    expect(summary).toEqual({ added: 6, moved: 0, changed: 0, missing: 0, restored: 0, unchanged: 0, failed: 3, duplicates: 0 })

    expect([...byPath().keys()].sort()).toEqual(['a.jpg', 'b.png', 'c.webp', 'rotated.jpg', 'sub/d.tiff', 'sub/deeper/e.BMP'])
    const issues = new Map(images.issues().map((issue) => [issue.relPath, issue.reason]))
    expect([...issues.keys()]).toEqual(['broken/empty.jpg', 'broken/text.png', 'broken/truncated.jpg'])
    expect(issues.get('broken/empty.jpg')).toBe('the file is empty')
    expect(issues.get('broken/text.png')).toMatch(/not an image in a format Tessera reads/)
    expect(issues.get('broken/truncated.jpg')).toMatch(/cut off/)

    const a = rowAt('a.jpg')
    expect([a.width, a.height, a.annotation_width, a.annotation_height, a.status, a.missing]).toEqual([400, 300, 256, 192, 'todo', 0])
    const rotated = rowAt('rotated.jpg')
    expect([rotated.width, rotated.height, rotated.orientation]).toEqual([80, 120, 6])
    const bmp = rowAt('sub/deeper/e.BMP')
    expect([bmp.annotation_width, bmp.annotation_height]).toEqual([256, 102])

    for (const row of images.all()) {
      expect(Math.max(row.annotation_width, row.annotation_height)).toBeLessThanOrEqual(MAX_SIDE)
      const copy = await sharp(annotationCopyPath(paths, row.content_hash)).metadata()
      expect([copy.width, copy.height], row.rel_path).toEqual([row.annotation_width, row.annotation_height])
      const thumb = await sharp(thumbnailPath(paths, row.content_hash)).metadata()
      expect(Math.max(thumb.width ?? 0, thumb.height ?? 0)).toBeLessThanOrEqual(THUMBNAIL_MAX_SIDE)
    }
    // The image folder is never written into.
    expect(existsSync(join(imageRoot, 'cache'))).toBe(false)
    expect(progress.at(-1)).toEqual([9, 9]) // 6 images + 3 failures decoded
    expect(events('images:scanned')).toHaveLength(1)
  })

  it('finds moved and renamed files again by content: same ids, no duplicates', async () => {
    await writeMixedFolder()
    await run()
    const before = byPath()
    await rename(join(imageRoot, 'a.jpg'), join(imageRoot, 'renamed.jpg'))
    await mkdir(join(imageRoot, 'elsewhere'))
    await rename(join(imageRoot, 'b.png'), join(imageRoot, 'elsewhere', 'b.png'))

    const summary = await run()
    expect(summary).toMatchObject({ added: 0, moved: 2, changed: 0, missing: 0, unchanged: 4, duplicates: 0 })
    expect(rowAt('renamed.jpg').id).toBe(before.get('a.jpg')?.id)
    expect(rowAt('elsewhere/b.png').id).toBe(before.get('b.png')?.id)
    expect(images.count()).toBe(6)
    expect(events('image:moved').map((e) => [e.id, JSON.parse(e.before ?? '{}'), JSON.parse(e.after ?? '{}')])).toEqual(
      expect.arrayContaining([[before.get('a.jpg')?.id, { relPath: 'a.jpg' }, { relPath: 'renamed.jpg' }]]),
    )
  })

  it('swaps two rows when two files swap names', async () => {
    // Different sizes: a file at a known path with the known size and mtime is trusted unread.
    await writeFiles(imageRoot, {
      'p-01.jpg': await encodePicture('jpeg', { width: 64, height: 48, seed: 1 }),
      'p-02.jpg': await encodePicture('jpeg', { width: 96, height: 64, seed: 2 }),
    })
    await run()
    const first = rowAt('p-01.jpg')
    const second = rowAt('p-02.jpg')
    await rename(join(imageRoot, 'p-01.jpg'), join(imageRoot, 'tmp.jpg'))
    await rename(join(imageRoot, 'p-02.jpg'), join(imageRoot, 'p-01.jpg'))
    await rename(join(imageRoot, 'tmp.jpg'), join(imageRoot, 'p-02.jpg'))
    const summary = await run()
    expect(summary.moved).toBe(2)
    expect(rowAt('p-01.jpg')).toMatchObject({ id: second.id, content_hash: second.content_hash })
    expect(rowAt('p-02.jpg')).toMatchObject({ id: first.id, content_hash: first.content_hash })
  })

  it('keeps a deleted file as a missing row, and restores it when the file is put back', async () => {
    await writeJpegSeries(imageRoot, 3)
    await run()
    const kept = rowAt('img-02.jpg')
    await rename(join(imageRoot, 'img-02.jpg'), join(root, 'parked.jpg'))

    expect(await run()).toMatchObject({ missing: 1, unchanged: 2 })
    expect(rowAt('img-02.jpg')).toMatchObject({ id: kept.id, missing: 1, content_hash: kept.content_hash })
    expect(images.count()).toBe(3)
    expect(await run()).toMatchObject({ missing: 0, unchanged: 2, restored: 0 }) // not reported twice

    await rename(join(root, 'parked.jpg'), join(imageRoot, 'img-02.jpg'))
    expect(await run()).toMatchObject({ restored: 1, unchanged: 3, added: 0 })
    expect(rowAt('img-02.jpg')).toMatchObject({ id: kept.id, missing: 0 })
    expect(events('image:missing').map((e) => e.id)).toEqual([kept.id])
    expect(events('image:restored').map((e) => e.id)).toEqual([kept.id])
  })

  it('keeps the row of a file changed in place and records the new content', async () => {
    await writeJpegSeries(imageRoot, 2)
    await run()
    const old = rowAt('img-01.jpg')
    await writeFiles(imageRoot, { 'img-01.jpg': await encodePicture('png', { width: 90, height: 30, seed: 99 }) })

    expect(await run()).toMatchObject({ changed: 1, added: 0, unchanged: 1 })
    const now = rowAt('img-01.jpg')
    expect(now.id).toBe(old.id)
    expect(now.content_hash).not.toBe(old.content_hash)
    expect([now.width, now.height]).toEqual([90, 30])
    expect(existsSync(thumbnailPath(paths, now.content_hash))).toBe(true)
    expect(
      events('image:changed').map((e) => [e.id, JSON.parse(e.before ?? '{}').contentHash, JSON.parse(e.after ?? '{}').contentHash]),
    ).toEqual([[old.id, old.content_hash, now.content_hash]])
  })

  it('moves a row onto the path of a file it replaced (mv b.jpg a.jpg)', async () => {
    await writeJpegSeries(imageRoot, 2, { prefix: 'x' })
    await run()
    const overwritten = rowAt('x-01.jpg')
    const mover = rowAt('x-02.jpg')
    await rename(join(imageRoot, 'x-02.jpg'), join(imageRoot, 'x-01.jpg'))

    expect(await run()).toMatchObject({ moved: 1, missing: 1, added: 0 })
    expect(rowAt('x-01.jpg')).toMatchObject({ id: mover.id, content_hash: mover.content_hash, missing: 0 })
    const gone = images.get(overwritten.id)
    expect(gone?.missing).toBe(1)
    expect(gone?.rel_path).toContain('x-01.jpg') // still says which file it was
    expect(images.count()).toBe(2)
    expect(await run()).toMatchObject({ moved: 0, missing: 0, unchanged: 1 })
  })

  it('reports duplicates, and drops the report once the copy is the only one left', async () => {
    await writeJpegSeries(imageRoot, 1, { prefix: 'orig' })
    await copyFile(join(imageRoot, 'orig-01.jpg'), join(imageRoot, 'zz-copy.jpg'))
    expect(await run()).toMatchObject({ added: 1, duplicates: 1 })
    expect(images.issues()).toEqual([
      expect.objectContaining({ relPath: 'zz-copy.jpg', reason: expect.stringContaining('orig-01.jpg') as unknown }),
    ])
    const original = rowAt('orig-01.jpg')

    await rm(join(imageRoot, 'orig-01.jpg'))
    expect(await run()).toMatchObject({ moved: 1, duplicates: 0 })
    expect(rowAt('zz-copy.jpg').id).toBe(original.id)
    expect(images.issues()).toEqual([])
  })

  it('clears an issue when the file is fixed, and when it is removed', async () => {
    await writeFiles(imageRoot, { 'bad.jpg': 'garbage', 'gone.png': 'other garbage' })
    expect(await run()).toMatchObject({ failed: 2, added: 0 })
    expect(images.issues().map((i) => i.relPath)).toEqual(['bad.jpg', 'gone.png'])
    await writeFiles(imageRoot, { 'bad.jpg': await encodePicture('jpeg', { width: 40, height: 40, seed: 3 }) })
    await rm(join(imageRoot, 'gone.png'))
    expect(await run()).toMatchObject({ failed: 0, added: 1 })
    expect(images.issues()).toEqual([])
  })

  it('marks a row missing and reports it when its file is replaced by a broken one', async () => {
    await writeJpegSeries(imageRoot, 1)
    await run()
    const row = rowAt('img-01.jpg')
    await writeFiles(imageRoot, { 'img-01.jpg': 'no longer a picture' })
    expect(await run()).toMatchObject({ failed: 1, changed: 0 })
    expect(images.get(row.id)).toMatchObject({ missing: 1, content_hash: row.content_hash })
    expect(images.issues().map((i) => i.relPath)).toEqual(['img-01.jpg'])
  })

  it('regenerates deleted cache files of known images', async () => {
    await writeJpegSeries(imageRoot, 2)
    await run()
    const row = rowAt('img-02.jpg')
    await rm(thumbnailPath(paths, row.content_hash))
    await run()
    expect(existsSync(thumbnailPath(paths, row.content_hash))).toBe(true)
    expect(images.count()).toBe(2)
  })

  it('keeps finished images when cancelled mid-import, and a re-run completes the rest', async () => {
    await writeJpegSeries(imageRoot, 12)
    const controller = new AbortController()
    let phase = 0
    const cancelled = run({
      concurrency: 2,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 0) phase++
        if (phase === 2 && done === 4) controller.abort()
      },
    })
    await expect(cancelled).rejects.toThrow(/abort/i)
    const kept = images.count()
    expect(kept).toBeGreaterThanOrEqual(4)
    expect(kept).toBeLessThan(12)
    // Nothing lands after the import has returned.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(images.count()).toBe(kept)
    for (const row of images.all()) expect(existsSync(thumbnailPath(paths, row.content_hash))).toBe(true)

    const summary = await run()
    expect(summary).toMatchObject({ added: 12 - kept, unchanged: kept, duplicates: 0, failed: 0 })
    expect(images.count()).toBe(12)
  })

  it('stops with folder_missing when the image root is gone, marking nothing missing', async () => {
    await writeJpegSeries(imageRoot, 2)
    await run()
    await rename(imageRoot, join(root, 'unplugged'))
    const error = await run().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('folder_missing')
    expect(images.all().map((row) => row.missing)).toEqual([0, 0])
    expect(events('image:missing')).toEqual([])
  })

  it('never imports its own cache when the project folder lies inside the image folder', async () => {
    db.close()
    paths = projectPaths(join(imageRoot, 'Library', 'Tessera', 'projects', 'p'))
    await mkdir(paths.projectDir, { recursive: true })
    db = openProjectDb(paths.database, { create: true })
    images = new ImageRepository(db)
    await writeJpegSeries(imageRoot, 2)

    expect(await run()).toMatchObject({ added: 2 })
    expect(await run()).toMatchObject({ added: 0, unchanged: 2, duplicates: 0 })
    expect([...byPath().keys()].sort()).toEqual(['img-01.jpg', 'img-02.jpg'])
  })

  it('stops with not_a_folder when the image root is a file', async () => {
    await rm(imageRoot, { recursive: true })
    await writeFile(imageRoot, 'a file')
    const error = await run().catch((e: unknown) => e)
    expect((error as AppError).code).toBe('not_a_folder')
  })
})
