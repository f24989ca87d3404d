/**
 * The generator on the real stack: SegmentationService with a worker thread (tsx, onnxruntime-node) running
 * the bundled demo model, through `serviceMaskSource`, on a 320×240 synthetic scene with known objects.
 * The demo model is not SAM (it segments by colour), but it has SAM's decoder interface, so this checks the
 * plumbing end to end: crops encoded as images, one predict per point at the crop frame, tokens 1–3, and
 * records that decode to masks matching the scene's large objects.
 */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateScene } from '../../../../src-main/core/demo/synthetic-scene'
import { decodeMask, decompressRle, rleArea, rleToSa1bBbox } from '../../../../src-main/core/masks'
import { generateMasks, serviceMaskSource } from '../../../../src-main/core/segmentation/amg'
import type { AmgMaskRecord } from '../../../../src-main/core/segmentation/amg'
import { tsxWorkerFactory } from '../../../../src-main/core/segmentation/worker/dev-worker'
import { SegmentationService } from '../../../../src-main/core/segmentation/worker/segmentation-service'

const DEMO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'resources', 'models', 'demo-segmenter')
const SIZE = { width: 320, height: 240 }

function maskIou(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0
  let union = 0
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) intersection++
    if (a[i] || b[i]) union++
  }
  return union === 0 ? 0 : intersection / union
}

function expectWellFormed(record: AmgMaskRecord): Uint8Array {
  const rle = decompressRle(record.segmentation)
  expect(rle.size).toEqual([SIZE.height, SIZE.width])
  expect(record.area).toBe(rleArea(rle))
  expect(record.bbox).toEqual(rleToSa1bBbox(rle))
  expect(record.point_coords).toHaveLength(1)
  return decodeMask(rle)
}

describe('generateMasks on the demo model through a worker', () => {
  const service = new SegmentationService({ createWorker: tsxWorkerFactory() })
  const scene = generateScene(3, SIZE.width, SIZE.height, 6)
  const image = { data: scene.rgb, width: SIZE.width, height: SIZE.height }

  beforeAll(async () => {
    await service.loadModel(join(DEMO, 'encoder.onnx'), join(DEMO, 'decoder.onnx'), { threads: 1, preferredProvider: 'cpu' })
  })
  afterAll(() => service.dispose())

  it('finds the scene’s large objects with SAM’s default filters (8×8 points)', async () => {
    const { records, stats } = await generateMasks(serviceMaskSource(service, image, 'amg-scene-3-full'), SIZE, { pointsPerSide: 8 })
    expect(stats).toMatchObject({ crops: 1, points: 64, candidates: 192 })
    expect(records.length).toBeGreaterThanOrEqual(2)
    const masks = records.map(expectWellFormed)
    for (const record of records) {
      expect(record.predicted_iou).toBeGreaterThan(0.88)
      expect(record.stability_score).toBeGreaterThanOrEqual(0.95)
      expect(record.crop_box).toEqual([0, 0, 320, 240])
    }
    // Single crop, no cleanup: descending predicted IoU.
    const ious = records.map((r) => r.predicted_iou)
    expect(ious).toEqual([...ious].sort((a, b) => b - a))
    const large = scene.objects.filter((o) => o.area >= 2000)
    const found = large.filter((o) => masks.some((m) => maskIou(m, o.mask) >= 0.8))
    expect(found.length).toBeGreaterThanOrEqual(2)
  })

  it('runs crop layers: each crop encoded as its own image, records from several crops', async () => {
    const { records, stats } = await generateMasks(serviceMaskSource(service, image, 'amg-scene-3-crops'), SIZE, {
      pointsPerSide: 4,
      cropNLayers: 1,
      predIouThresh: 0.75,
    })
    expect(stats).toMatchObject({ crops: 5, points: 80, candidates: 240 })
    expect(records.length).toBeGreaterThan(0)
    const cropBoxes = new Set(records.map((r) => r.crop_box.join(',')))
    for (const record of records) expectWellFormed(record)
    // Overlap trunc(512/1500·240) = 81; crops 201×161 at x0 ∈ {0, 120}, y0 ∈ {0, 80}, clipped to the image.
    for (const box of cropBoxes) expect(['0,0,320,240', '0,0,201,161', '0,80,201,160', '120,0,200,161', '120,80,200,160']).toContain(box)
  })
})
