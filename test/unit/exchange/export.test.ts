import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExchangeError } from '../../../src-main/core/exchange/exchange-error'
import { exportCoco } from '../../../src-main/core/exchange/export-coco'
import { exportSa1b, type Sa1bDocument } from '../../../src-main/core/exchange/export-sa1b'
import { inspectFile, summarise } from '../../../src-main/core/exchange/inspect'
import { resampleRleNearest } from '../../../src-main/core/exchange/mask-resample'
import { decompressRle, rleToBbox } from '../../../src-main/core/masks'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { addFileLessModel, createProject, disc, rectangle, rleOf } from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-export-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Two images at annotation size (one downscaled from its original), masks in several states. */
function project() {
  const { db, ids } = createProject([
    { relPath: 'photos/dog.jpg', width: 80, height: 60, annotationWidth: 40, annotationHeight: 30 },
    { relPath: 'truck.png', width: 50, height: 20 },
    { relPath: 'empty.jpg', width: 10, height: 10 },
  ])
  const [dog, truck] = ids as [number, number, number]
  const modelId = addFileLessModel(
    db,
    { name: 'SAM ViT-B', encoderPath: '/m/e.onnx', decoderPath: '/m/d.onnx', encoderBytes: 10, decoderBytes: 20 },
    'alice',
  )
  const masks = new MaskRepository(db)
  const inserted = masks.insertMany([
    {
      imageId: dog,
      rle: rleOf(disc(30, 40, 20, 15, 6), 30, 40),
      source: 'auto',
      state: 'accepted',
      predictedIou: 1.0195,
      stabilityScore: 0.97,
      pointCoords: [[20.5, 15.25]],
      cropBox: [0, 0, 40, 30],
      prompt: { points: [{ x: 20.5, y: 15.25, label: 'positive' }] },
      modelId,
      actor: 'tessera',
    },
    {
      imageId: dog,
      rle: rleOf(rectangle(30, 40, 2, 3, 9, 12), 30, 40),
      source: 'manual',
      state: 'auto_accepted',
      predictedIou: 0.8,
      stabilityScore: 0.85,
      pointCoords: [[4, 5]],
      cropBox: [0, 0, 20, 15],
      actor: 'alice',
    },
    {
      imageId: dog,
      rle: rleOf(rectangle(30, 40, 30, 20, 35, 28), 30, 40),
      source: 'auto',
      state: 'rejected',
      predictedIou: 0.99,
      actor: 'tessera',
    },
    // A brushed mask: no scores, no point, no crop box.
    { imageId: truck, rle: rleOf(rectangle(20, 50, 10, 5, 40, 15), 20, 50), source: 'manual', state: 'accepted', actor: 'bob' },
    {
      imageId: truck,
      rle: rleOf(rectangle(20, 50, 0, 0, 50, 20), 20, 50),
      source: 'auto',
      state: 'accepted',
      predictedIou: 0.95,
      stabilityScore: 0.99,
      actor: 'tessera',
    },
  ])
  return { db, dog, truck, ids: inserted }
}

async function expectConsistent(file: string): Promise<void> {
  const summary = summarise(await inspectFile(file), 1)
  expect(
    summary.inconsistencies.filter((line) => line.severity === 'error'),
    file,
  ).toEqual([])
}

describe('SA-1B export', () => {
  it('writes one file per image with every SA-1B field, stable ids, null for unknown values, and passes tessera inspect', async () => {
    const { db, dog, truck, ids } = project()
    const out = join(dir, 'sa1b-annotation')
    const progress: [number, number][] = []
    const result = await exportSa1b(db, out, { onProgress: (done, total) => progress.push([done, total]) })
    expect(result).toEqual({ target: out, images: 3, masks: 4 })
    expect(progress.at(-1)).toEqual([3, 3])
    expect((await readdir(out)).sort()).toEqual(['empty.json', 'photos', 'truck.json'])
    const dogDoc = JSON.parse(await readFile(join(out, 'photos', 'dog.json'), 'utf8')) as Sa1bDocument
    expect(dogDoc.image).toEqual({ image_id: dog, width: 40, height: 30, file_name: 'photos/dog.jpg' })
    expect(dogDoc.tessera).toMatchObject({ frame: 'annotation', annotation_width: 40, original_width: 80, rel_path: 'photos/dog.jpg' })
    expect(dogDoc.annotations.map((annotation) => annotation.id)).toEqual([ids[0], ids[1]])
    const first = dogDoc.annotations[0]
    expect(Object.keys(first ?? {}).sort()).toEqual(
      ['area', 'bbox', 'crop_box', 'id', 'point_coords', 'predicted_iou', 'segmentation', 'stability_score'].sort(),
    )
    expect(first).toMatchObject({ predicted_iou: 1.0195, stability_score: 0.97, crop_box: [0, 0, 40, 30], point_coords: [[20.5, 15.25]] })
    expect(first?.segmentation.size).toEqual([30, 40])
    const truckDoc = JSON.parse(await readFile(join(out, 'truck.json'), 'utf8')) as Sa1bDocument
    expect(truckDoc.image.image_id).toBe(truck)
    expect(truckDoc.annotations[0]).toMatchObject({ predicted_iou: null, stability_score: null, crop_box: null, point_coords: null })
    for (const file of [join(out, 'photos', 'dog.json'), join(out, 'truck.json'), join(out, 'empty.json')]) await expectConsistent(file)
  })

  it('exports at original size by exact nearest-neighbour upscaling, scaling points and crop boxes', async () => {
    const { db } = project()
    const out = join(dir, 'sa1b-original')
    await exportSa1b(db, out, { frame: 'original', filter: { states: ['accepted'] } })
    const doc = JSON.parse(await readFile(join(out, 'photos', 'dog.json'), 'utf8')) as Sa1bDocument
    expect(doc.image).toMatchObject({ width: 80, height: 60 })
    expect(doc.tessera.frame).toBe('original')
    const annotation = doc.annotations[0]
    const expected = resampleRleNearest(decompressRle(rleOf(disc(30, 40, 20, 15, 6), 30, 40)), 60, 80)
    expect(Array.from(decompressRle(annotation?.segmentation ?? { size: [0, 0], counts: '' }).counts)).toEqual(Array.from(expected.counts))
    expect(annotation?.point_coords).toEqual([[41, 30.5]])
    expect(annotation?.crop_box).toEqual([0, 0, 80, 60])
    await expectConsistent(join(out, 'photos', 'dog.json'))
  })

  it('applies state, quality and image filters', async () => {
    const { db, dog, ids } = project()
    const ids2 = async (name: string, filter: Parameters<typeof exportSa1b>[2]) => {
      const out = join(dir, name)
      await exportSa1b(db, out, filter)
      const files = await readdir(out, { recursive: true })
      const all: number[] = []
      for (const file of files.filter((f) => f.endsWith('.json')).sort()) {
        all.push(...(JSON.parse(await readFile(join(out, file), 'utf8')) as Sa1bDocument).annotations.map((a) => a.id))
      }
      return all.sort((a, b) => a - b)
    }
    expect(await ids2('f-states', { filter: { states: ['rejected'] } })).toEqual([ids[2]])
    expect(await ids2('f-iou', { filter: { minPredictedIou: 0.9 } })).toEqual([ids[0], ids[4]])
    expect(await ids2('f-stab', { filter: { minStabilityScore: 0.9 } })).toEqual([ids[0], ids[4]])
    expect(await ids2('f-area', { filter: { minArea: 64, maxArea: 300 } })).toEqual([ids[0], ids[3]])
    expect(await ids2('f-rel', { filter: { maxRelativeArea: 0.95 } })).toEqual([ids[0], ids[1], ids[3]])
    expect(await ids2('f-ids', { filter: { images: { kind: 'ids', ids: [dog] } } })).toEqual([ids[0], ids[1]])
    db.prepare("UPDATE images SET status = 'done' WHERE id = ?").run(dog)
    expect(await ids2('f-done', { filter: { images: { kind: 'status', status: 'done' } } })).toEqual([ids[0], ids[1]])
    await expect(exportSa1b(db, join(dir, 'f-bad'), { filter: { images: { kind: 'ids', ids: [dog, 999] } } })).rejects.toMatchObject({
      reason: 'unknown_image',
    })
    await expect(exportSa1b(db, join(dir, 'f-ids'))).rejects.toMatchObject({ reason: 'target_exists' })
  })

  it('leaves nothing at the target when aborted', async () => {
    const { db } = project()
    const out = join(dir, 'sa1b-aborted')
    const controller = new AbortController()
    const run = exportSa1b(db, out, { signal: controller.signal, onProgress: (done) => done === 1 && controller.abort() })
    await expect(run).rejects.toBeInstanceOf(ExchangeError)
    await expect(run).rejects.toMatchObject({ reason: 'cancelled' })
    expect(existsSync(out)).toBe(false)
    expect(existsSync(`${out}.partial`)).toBe(false)
  })
})

describe('COCO export', () => {
  it('writes RLE segmentations, COCO boxes, one category, iscrowd 0 and the SAM fields, and passes tessera inspect', async () => {
    const { db, dog, ids } = project()
    const out = join(dir, 'coco.json')
    const result = await exportCoco(db, out, { provenance: true })
    expect(result).toMatchObject({ images: 3, masks: 4 })
    const coco = JSON.parse(await readFile(out, 'utf8')) as {
      info: { tessera: { frame: string } }
      categories: unknown[]
      images: { id: number; width: number }[]
      annotations: Record<string, unknown>[]
    }
    expect(coco.info.tessera.frame).toBe('annotation')
    expect(coco.categories).toEqual([{ id: 1, name: 'object', supercategory: 'object' }])
    expect(coco.images.map((image) => image.id)).toEqual([dog, dog + 1, dog + 2])
    expect(coco.annotations.map((annotation) => annotation.id)).toEqual([ids[0], ids[1], ids[3], ids[4]])
    const first = coco.annotations[0] as { segmentation: { size: [number, number]; counts: string }; bbox: number[] } & Record<
      string,
      unknown
    >
    expect(first).toMatchObject({ image_id: dog, category_id: 1, iscrowd: 0, predicted_iou: 1.0195, stability_score: 0.97 })
    expect(first.bbox).toEqual(rleToBbox(decompressRle(first.segmentation)))
    expect(first.tessera).toMatchObject({ state: 'accepted', model: { name: 'SAM ViT-B', encoder_sha256: 'e'.repeat(64) } })
    await expectConsistent(out)
  })

  it('streams a large export through the partial file and leaves nothing when aborted', async () => {
    const { db, ids } = createProject(Array.from({ length: 60 }, (_, i) => ({ relPath: `img${i}.jpg`, width: 64, height: 48 })))
    const masks = new MaskRepository(db)
    for (const imageId of ids) {
      masks.insertMany(
        Array.from({ length: 20 }, (_, k) => ({
          imageId,
          rle: rleOf(disc(48, 64, 10 + k * 2, 24, 3 + (k % 5)), 48, 64),
          source: 'auto' as const,
          state: 'accepted' as const,
          predictedIou: 0.9,
          stabilityScore: 0.95,
          actor: 'tessera',
        })),
      )
    }
    const out = join(dir, 'large-coco.json')
    const complete = await exportCoco(db, out)
    expect(complete.masks).toBe(1200)
    await expectConsistent(out)

    const aborted = join(dir, 'large-coco-aborted.json')
    const controller = new AbortController()
    const run = exportCoco(db, aborted, { signal: controller.signal, onProgress: (done) => done === 30 && controller.abort() })
    await expect(run).rejects.toMatchObject({ reason: 'cancelled' })
    expect(existsSync(aborted)).toBe(false)
    expect(existsSync(`${aborted}.partial`)).toBe(false)
  })
})
