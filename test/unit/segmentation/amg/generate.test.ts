/**
 * `generateMasks` end to end with fake sources whose candidates are known disks: the records (every SA-1B
 * field) and their order, in-crop NMS, crop layers with the crop-edge filter and cross-crop NMS, small-region
 * cleanup, batched sources, progress and cancellation.
 */
import { describe, expect, it } from 'vitest'
import { compressRle, decodeMask, decompressRle, encodeMask, rleArea, rleToSa1bBbox } from '../../../../src-main/core/masks'
import { buildPointGrid, generateMasks, serviceMaskSource } from '../../../../src-main/core/segmentation/amg'
import type { AmgMaskRecord, AmgProgress, CropBox, MaskSource } from '../../../../src-main/core/segmentation/amg'
import { stabilityScore } from '../../../../src-main/core/segmentation/sam-official/postprocess'
import { candidateFrom, contains, diskLogit, diskMask, diskSource } from './amg-test-helpers'
import type { Disk } from './amg-test-helpers'

const CRISP = 20
/** A fake source whose first token is the disk with crisp logits (stable) and second a soft, grown disk (unstable). */
function crispDisks(disks: Disk[], ious: number[], maxPointsPerCall?: number) {
  const source = diskSource(
    disks.map((d) => d),
    ious,
    maxPointsPerCall !== undefined ? { maxPointsPerCall } : {},
  )
  const predict = source.predictPoints.bind(source)
  source.predictPoints = async (cropBox, points, size, options) => {
    const answers = await predict(cropBox, points, size, options)
    return answers.map((candidates, p) => {
      const image = { x: points[p]!.x + cropBox[0], y: points[p]!.y + cropBox[1] }
      const disk = disks.find((d) => contains(d, image))
      if (!disk) return candidates
      return [candidateFrom(cropBox, candidates[0]!.predictedIou, (x, y) => diskLogit(disk, x, y, CRISP)), candidates[1]!, candidates[2]!]
    })
  }
  return source
}

function expectRecordOfDisk(record: AmgMaskRecord, disk: Disk, image: { width: number; height: number }): void {
  const mask = diskMask(disk, image)
  const rle = encodeMask(mask, image.height, image.width)
  expect(record.segmentation).toEqual(compressRle(rle))
  expect(record.area).toBe(rleArea(rle))
  expect(record.bbox).toEqual(rleToSa1bBbox(rle))
}

describe('generateMasks with a fake source', () => {
  const image = { width: 160, height: 120 }
  const disks: Disk[] = [
    { cx: 40, cy: 40, r: 22 },
    { cx: 110, cy: 50, r: 18 },
    { cx: 70, cy: 95, r: 14 },
  ]
  const ious = [0.99, 0.97, 0.96]

  it('finds each disk once, records every SA-1B field, in descending predicted IoU', async () => {
    const source = crispDisks(disks, ious)
    const { records, stats } = await generateMasks(source, image, { pointsPerSide: 8 })
    expect(records).toHaveLength(3)
    records.forEach((record, k) => expectRecordOfDisk(record, disks[k]!, image))
    // Hand-computed for disk 0 (centre (40, 40), r 22): pixels x 18–61, y 18–61.
    expect(records[0]!.bbox).toEqual([18, 18, 43, 43])
    expect(records.map((r) => r.predicted_iou)).toEqual(ious.map(Math.fround))
    // Identical masks from several points tie on predicted IoU: the first grid point (row-major) inside wins.
    // Grid: x = 10, 30, …, 150; y = 7.5, 22.5, …; the first inside disk 0 is (30, 22.5).
    expect(records[0]!.point_coords).toEqual([[30, 22.5]])
    const firstInside = (d: Disk) => {
      for (let j = 0; j < 8; j++)
        for (let i = 0; i < 8; i++) if (contains(d, { x: 10 + 20 * i, y: 7.5 + 15 * j })) return [10 + 20 * i, 7.5 + 15 * j]
      return null
    }
    expect(records.map((r) => r.point_coords[0])).toEqual(disks.map(firstInside))
    for (const [k, record] of records.entries()) {
      const logits = candidateFrom([0, 0, 160, 120], 1, (x, y) => diskLogit(disks[k]!, x, y, CRISP)).logits
      expect(record.stability_score).toBe(Math.fround(stabilityScore(logits)))
      expect(record.crop_box).toEqual([0, 0, 160, 120])
      expect(decodeMask(decompressRle(record.segmentation))).toEqual(diskMask(disks[k]!, image))
    }
    // 64 points × 3 candidates; inside points lose token 3 to the IoU filter and token 2 to stability,
    // background points lose all three to stability; duplicates of each disk go to NMS.
    const inside = source.log.calls.flatMap((c) => c.points).filter((p) => disks.some((d) => contains(d, p))).length
    expect(stats).toEqual({
      crops: 1,
      points: 64,
      candidates: 192,
      dropped: { predicted_iou: inside, stability: inside + 3 * (64 - inside), crop_edge: 0 },
      removedByBoxNms: inside - 3,
      removedByCropNms: 0,
      removedBySmallRegionCleanup: 0,
    })
    expect(source.log.encoded).toEqual([[0, 0, 160, 120]])
    expect(source.log.released).toEqual([[0, 0, 160, 120]])
    // Batch-1 source: one point per call, all 64 grid points in row-major order.
    expect(source.log.calls).toHaveLength(64)
    expect(source.log.calls[1]?.points).toEqual([{ x: 30, y: 7.5 }])
  })

  it('keeps the lower-ranked of two overlapping masks when their box IoU is ≤ boxNmsThresh', async () => {
    const source = crispDisks(disks, ious)
    const predict = source.predictPoints.bind(source)
    // Token 2 becomes a crisp disk grown by 6 px: box IoU with the disk is 0.61, 0.55 and 0.48 (torchvision's
    // areas of the inclusive boxes: (43/55)², (35/47)², (27/39)²).
    source.predictPoints = async (cropBox, points, size, options) =>
      (await predict(cropBox, points, size, options)).map((candidates, p) => {
        const disk = disks.find((d) => contains(d, points[p]!))
        if (!disk) return candidates
        const grown = { ...disk, r: disk.r + 6 }
        return [candidates[0]!, candidateFrom(cropBox, 0.9, (x, y) => diskLogit(grown, x, y, CRISP)), candidates[2]!]
      })
    const loose = await generateMasks(source, image, { pointsPerSide: 8 })
    expect(loose.records.map((r) => r.predicted_iou)).toEqual([0.99, 0.97, 0.96, 0.9, 0.9, 0.9].map(Math.fround))
    const middle = await generateMasks(source, image, { pointsPerSide: 8, boxNmsThresh: 0.5 })
    expect(middle.records.map((r) => r.predicted_iou)).toEqual([0.99, 0.97, 0.96, 0.9].map(Math.fround))
    const strict = await generateMasks(source, image, { pointsPerSide: 8, boxNmsThresh: 0.4 })
    expect(strict.records).toHaveLength(3)
  })

  it('with explicit point grids, prompts exactly those points', async () => {
    const source = crispDisks(disks, ious)
    const { records } = await generateMasks(source, image, { pointGrids: [[{ x: 0.25, y: 0.375 }]] })
    expect(source.log.calls.map((c) => c.points)).toEqual([[{ x: 40, y: 45 }]])
    expect(records.map((r) => r.point_coords)).toEqual([[[40, 45]]])
  })

  it('a batched source gets calls of at most maxPointsPerCall within each batch, with the same records', async () => {
    const single = await generateMasks(crispDisks(disks, ious), image, { pointsPerSide: 8, pointsPerBatch: 8 })
    const batched = crispDisks(disks, ious, 5)
    const result = await generateMasks(batched, image, { pointsPerSide: 8, pointsPerBatch: 8 })
    expect(batched.log.calls.map((c) => c.points.length)).toEqual(Array.from({ length: 8 }, () => [5, 3]).flat())
    expect(result.records).toEqual(single.records)
    const wide = crispDisks(disks, ious, 1000)
    await generateMasks(wide, image, { pointsPerSide: 8 })
    expect(wide.log.calls.map((c) => c.points.length)).toEqual([64])
  })

  it('fills holes and drops specks with minMaskRegionArea, and recomputes the box', async () => {
    const disk = disks[0]!
    // The disk with a 1-px hole at its centre and a 1-px speck at (150, 110).
    const logit = (x: number, y: number): number =>
      x === 40 && y === 40 ? -20 : x === 150 && y === 110 ? 20 : diskLogit(disk, x, y, CRISP)
    const source: MaskSource<null> = {
      encodeCrop: () => Promise.resolve(null),
      predictPoints: (_, points) => Promise.resolve(points.map(() => [candidateFrom([0, 0, 160, 120], 0.95, logit)])),
    }
    const raw = await generateMasks(source, image, { pointsPerSide: 2 })
    expect(raw.records).toHaveLength(1)
    expect(raw.records[0]!.bbox).toEqual([18, 18, 132, 92])
    const cleaned = await generateMasks(source, image, { pointsPerSide: 2, minMaskRegionArea: 5 })
    expect(cleaned.records).toHaveLength(1)
    expectRecordOfDisk(cleaned.records[0]!, disk, image)
    // Scores and prompt are those of the original mask.
    expect(cleaned.records[0]).toMatchObject({
      predicted_iou: Math.fround(0.95),
      point_coords: [[40, 30]],
      stability_score: raw.records[0]!.stability_score,
    })
  })
})

describe('generateMasks with crop layers', () => {
  // 200×160, 1 layer: overlap trunc(512/1500·160) = 54, crops 127×107 at x0 ∈ {0, 73}, y0 ∈ {0, 53}.
  const image = { width: 200, height: 160 }
  const inCrop0: Disk = { cx: 45, cy: 40, r: 13 } // well inside crop [0,0,127,107]
  const overlap: Disk = { cx: 100, cy: 75, r: 14 } // within 20 px of an inner edge of every crop it meets
  const inCrop3: Disk = { cx: 160, cy: 125, r: 12 } // inside crop [73,53,200,160], touching no inner edge

  it('encodes the 5 crops in order, prompts in crop pixels, and prefers masks from smaller crops', async () => {
    const source = crispDisks([inCrop0, overlap, inCrop3], [0.99, 0.98, 0.97])
    const { records, stats } = await generateMasks(source, image, { pointsPerSide: 8, cropNLayers: 1 })
    const crops: CropBox[] = [
      [0, 0, 200, 160],
      [0, 0, 127, 107],
      [0, 53, 127, 160],
      [73, 0, 200, 107],
      [73, 53, 200, 160],
    ]
    expect(source.log.encoded).toEqual(crops)
    expect(source.log.released).toEqual(crops)
    for (const call of source.log.calls) {
      const [x0, y0, x1, y1] = call.cropBox
      expect(call.cropSize).toEqual({ width: x1 - x0, height: y1 - y0 })
      for (const p of call.points) expect(p.x >= 0 && p.x < x1 - x0 && p.y >= 0 && p.y < y1 - y0).toBe(true)
    }
    // Sub-crops tie on 1/area and come first in crop order; the full-image crop's duplicates are suppressed.
    expect(records.map((r) => r.crop_box)).toEqual([
      [0, 0, 127, 107],
      [73, 53, 127, 107],
      [0, 0, 200, 160],
    ])
    expectRecordOfDisk(records[0]!, inCrop0, image)
    expectRecordOfDisk(records[1]!, inCrop3, image)
    expectRecordOfDisk(records[2]!, overlap, image)
    // Prompts are reported in image pixels: crop 3's grid point plus its origin.
    const [[px, py]] = records[1]!.point_coords
    expect(contains(inCrop3, { x: px, y: py })).toBe(true)
    expect(buildPointGrid(8).some((g) => g.x * 127 + 73 === px && g.y * 107 + 53 === py)).toBe(true)
    expect(stats.dropped.crop_edge).toBeGreaterThan(0)
    expect(stats.removedByCropNms).toBe(2)
  })
})

describe('progress and cancellation', () => {
  const image = { width: 64, height: 48 }
  const disks: Disk[] = [{ cx: 30, cy: 20, r: 10 }]

  it('reports phases and points up to the total', async () => {
    const events: AmgProgress[] = []
    await generateMasks(crispDisks(disks, [0.99]), image, { pointsPerSide: 4, cropNLayers: 1 }, { onProgress: (p) => events.push(p) })
    expect(events[0]).toEqual({ phase: 'encoding', cropIndex: 0, cropCount: 5, pointsDone: 0, pointsTotal: 80 })
    expect(events.at(-1)).toEqual({ phase: 'done', cropIndex: 4, cropCount: 5, pointsDone: 80, pointsTotal: 80 })
    expect(events.some((e) => e.phase === 'postprocessing')).toBe(true)
    for (let i = 1; i < events.length; i++) expect(events[i]!.pointsDone).toBeGreaterThanOrEqual(events[i - 1]!.pointsDone)
  })

  it('stops on abort, releases the crop, and rejects with the signal’s reason', async () => {
    const source = crispDisks(disks, [0.99])
    const controller = new AbortController()
    const run = generateMasks(
      source,
      image,
      { pointsPerSide: 8 },
      { signal: controller.signal, onProgress: (p) => p.pointsDone >= 10 && controller.abort() },
    )
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(source.log.calls.length).toBeLessThan(13)
    expect(source.log.released).toEqual(source.log.encoded)
    const aborted = AbortSignal.abort()
    const idle = crispDisks(disks, [0.99])
    await expect(generateMasks(idle, image, {}, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' })
    expect(idle.log.encoded).toEqual([])
  })

  it('rejects sources that answer the wrong number of points, and bad parameters before any work', async () => {
    const wrong: MaskSource<null> = { encodeCrop: () => Promise.resolve(null), predictPoints: () => Promise.resolve([]) }
    await expect(generateMasks(wrong, image, { pointsPerSide: 2 })).rejects.toThrow(/answered 0 points, expected 1/)
    await expect(generateMasks(wrong, image, { pointsPerBatch: 0 })).rejects.toThrow(/pointsPerBatch/)
    await expect(generateMasks({ ...wrong, maxPointsPerCall: 0 }, image, {})).rejects.toThrow(/maxPointsPerCall/)
  })
})

describe('serviceMaskSource with a recording service', () => {
  it('encodes crops under derived hashes, predicts one point per call at the crop frame, and keeps tokens 1–3', async () => {
    const width = 8
    const height = 6
    const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => i % 251)
    const encodes: { width: number; height: number; first: number[]; hash: string | undefined }[] = []
    const predicts: unknown[] = []
    const service = {
      encode: (img: { data: Uint8Array; width: number; height: number }, options: { imageHash?: string } = {}) => {
        encodes.push({ width: img.width, height: img.height, first: Array.from(img.data.subarray(0, 6)), hash: options.imageHash })
        return Promise.resolve({
          imageHash: options.imageHash ?? 'x',
          modelHash: 'm',
          variant: 'sam-official' as const,
          imageSize: { width: img.width, height: img.height },
          byteSize: 0,
          source: 'computed' as const,
        })
      },
      predict: (_handle: unknown, prompt: unknown, options: unknown) => {
        predicts.push({ prompt, options })
        // The worker's encoded answer: token t has its first t pixels (column-major) set.
        const encoded = (token: number) => {
          const rle = { size: [2, 3] as [number, number], counts: Uint32Array.of(0, token, 6 - token) }
          return {
            token,
            predictedIou: token / 10,
            stabilityScore: 0.5,
            stabilityCounts: { above: token, aboveLow: 2 * token },
            rle,
            area: rleArea(rle),
            bbox: rleToSa1bBbox(rle),
            lowResLogits: null,
          }
        }
        return Promise.resolve({
          candidates: [],
          encoded: [0, 1, 2, 3].map(encoded),
          timings: { feedsMs: 0, decoderMs: 0, postprocessMs: 0 },
        })
      },
    }
    const source = serviceMaskSource(service as never, { data: rgb, width, height }, 'image-hash-1234')
    expect(source.maxPointsPerCall).toBe(1)
    const full = await source.encodeCrop([0, 0, 8, 6], {})
    expect(full.imageHash).toBe('image-hash-1234')
    const crop = await source.encodeCrop([5, 4, 8, 6], {})
    expect(crop.imageHash).toMatch(/^[0-9a-f]{64}$/)
    // Crop pixels: row 4 from column 5 of the image.
    expect(encodes[1]).toMatchObject({ width: 3, height: 2, first: Array.from(rgb.subarray((4 * 8 + 5) * 3, (4 * 8 + 5) * 3 + 6)) })
    const answers = await source.predictPoints(crop, [{ x: 1.5, y: 0.5 }], { width: 3, height: 2 }, { stabilityScoreOffset: 0.5 })
    expect(answers[0]).toEqual(
      [1, 2, 3].map((token) => ({
        width: 3,
        height: 2,
        predictedIou: token / 10,
        rle: { size: [2, 3], counts: Uint32Array.of(0, token, 6 - token) },
        stabilityCounts: { above: token, aboveLow: 2 * token },
        stabilityOffset: 0.5,
      })),
    )
    expect(predicts).toEqual([
      {
        prompt: { points: [{ x: 1.5, y: 0.5, label: 'foreground' }] },
        options: { frame: { width: 3, height: 2 }, multimask: true, output: 'rle', stabilityOffset: 0.5, lowResLogits: false },
      },
    ])
  })
})
