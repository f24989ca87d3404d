/**
 * Per-candidate processing: the IoU (>) and stability (≥) filters with torch's float32 comparisons, the
 * crop-edge rule, uncropping, the RLE re-indexing into the image frame, and equality with a literal
 * (materialising) implementation of SAM's `_process_batch` on random candidates.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeMask, maskBboxInclusive } from '../../../../src-main/core/masks'
import type { BoxXyxy, Rle } from '../../../../src-main/core/masks'
import {
  createCandidateFilter,
  isBoxNearCropEdge,
  padRleIntoFrame,
  passesPredictedIou,
  passesStability,
  stabilityFromCounts,
  uncropBox,
  uncropPoint,
  uncropProposal,
} from '../../../../src-main/core/segmentation/amg'
import type { AmgCandidate, AmgLogitCandidate, CandidateVerdict, CropBox } from '../../../../src-main/core/segmentation/amg'
import { stabilityCounts, stabilityScore } from '../../../../src-main/core/segmentation/sam-official/postprocess'
import type { ImageSize } from '../../../../src-main/core/segmentation/variants/types'
import { candidateFrom, diskLogit, randomInts } from './amg-test-helpers'

const IMAGE: ImageSize = { width: 2250, height: 1500 }

/** Zero-pads a crop mask into the image frame, pixel by pixel (`uncrop_masks`). */
function padMask(mask: Uint8Array, cropBox: CropBox, image: ImageSize): Uint8Array {
  const [x0, y0, x1, y1] = cropBox
  const width = x1 - x0
  const out = new Uint8Array(image.width * image.height)
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * image.width + x] = mask[(y - y0) * width + (x - x0)]!
  return out
}

/** SAM's `batched_mask_to_box` by scanning pixels. */
function pixelBox(mask: Uint8Array, width: number, height: number): BoxXyxy {
  let [x0, y0, x1, y1] = [width, height, -1, -1]
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (mask[y * width + x]) {
        x0 = Math.min(x0, x)
        y0 = Math.min(y0, y)
        x1 = Math.max(x1, x)
        y1 = Math.max(y1, y)
      }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1, y1]
}

/** What a source that encodes where the model runs sends: the mask's RLE and the stability counts (offset 1). */
function encodedAtSource(candidate: AmgLogitCandidate): AmgCandidate {
  const mask = Uint8Array.from(candidate.logits, (v) => (v > 0 ? 1 : 0))
  return {
    width: candidate.width,
    height: candidate.height,
    predictedIou: candidate.predictedIou,
    rle: encodeMask(mask, candidate.height, candidate.width),
    stabilityCounts: stabilityCounts(candidate.logits, 1),
    stabilityOffset: 1,
  }
}

/** `_process_batch` for one candidate, literally: full-frame masks, stability from `stabilityScore`. */
function literalProcess(
  candidate: AmgLogitCandidate,
  cropBox: CropBox,
  image: ImageSize,
  thresholds: { iou: number; stability: number },
): CandidateVerdict {
  if (thresholds.iou > 0 && !(Math.fround(candidate.predictedIou) > Math.fround(thresholds.iou)))
    return { kept: false, reason: 'predicted_iou' }
  const stability = Math.fround(stabilityScore(candidate.logits, 1, 0))
  if (thresholds.stability > 0 && !(stability >= Math.fround(thresholds.stability))) return { kept: false, reason: 'stability' }
  const mask = Uint8Array.from(candidate.logits, (v) => (v > 0 ? 1 : 0))
  const box = pixelBox(mask, candidate.width, candidate.height)
  const abs = uncropBox(box, cropBox)
  const imageBox = [0, 0, image.width, image.height]
  const near = abs.some((v, k) => Math.abs(v - cropBox[k]!) <= 20 && !(Math.abs(v - imageBox[k]!) <= 20))
  if (near) return { kept: false, reason: 'crop_edge' }
  return {
    kept: true,
    proposal: {
      rle: encodeMask(padMask(mask, cropBox, image), image.height, image.width),
      boxInCrop: box,
      pointInCrop: { x: 0, y: 0 },
      predictedIou: Math.fround(candidate.predictedIou),
      stabilityScore: stability,
    },
  }
}

const countsOf = (rle: Rle): number[] => Array.from(rle.counts)

describe('filters', () => {
  it('predicted IoU: strictly greater, compared in float32; skipped when the threshold is ≤ 0', () => {
    const f32 = Math.fround(0.88)
    expect(passesPredictedIou(f32, 0.88)).toBe(false)
    expect(passesPredictedIou(0.88, 0.88)).toBe(false)
    expect(passesPredictedIou(f32 + 1e-7, 0.88)).toBe(true)
    expect(passesPredictedIou(0.5, 0.88)).toBe(false)
    expect(passesPredictedIou(Number.NaN, 0.88)).toBe(false)
    expect(passesPredictedIou(Number.NaN, 0)).toBe(true)
    expect(passesPredictedIou(-3, -1)).toBe(true)
  })

  it('stability: float32(#hi) / float32(#lo) ≥ threshold in float32; 0/0 = NaN fails; skipped when ≤ 0', () => {
    expect(stabilityFromCounts(19, 20)).toBe(Math.fround(0.95))
    expect(passesStability(stabilityFromCounts(19, 20), 0.95)).toBe(true)
    expect(passesStability(stabilityFromCounts(18, 20), 0.95)).toBe(false)
    // Below 0.95 in doubles but equal to float32(0.95): torch keeps it.
    expect(passesStability(0.95 - 1e-9, 0.95)).toBe(true)
    expect(stabilityFromCounts(0, 0)).toBeNaN()
    expect(passesStability(Number.NaN, 0.95)).toBe(false)
    expect(passesStability(Number.NaN, 0)).toBe(true)
  })
})

describe('crop-edge rule (20 px)', () => {
  const crop: CropBox = [869, 0, 2250, 1006] // layer-1 crop of a 2250×1500 image
  it.each<[string, BoxXyxy, boolean]>([
    ['interior box', [100, 100, 600, 600], false],
    ['near the crop’s left edge, far from the image’s', [5, 100, 600, 600], true],
    ['exactly 20 px from the crop edge counts as near', [20, 100, 600, 600], true],
    ['21 px from the crop edge is not near', [21, 100, 600, 600], false],
    ['near the crop’s top edge, which is the image’s top edge', [100, 3, 600, 600], false],
    ['near the crop’s right edge, which is the image’s right edge', [100, 100, 1380, 600], false],
    ['near the crop’s bottom edge (1006), far from the image’s (1500)', [100, 100, 600, 1000], true],
    ['an empty mask’s box [0,0,0,0] sits on the crop’s left edge', [0, 0, 0, 0], true],
  ])('%s', (_, box, dropped) => {
    expect(isBoxNearCropEdge(box, crop, IMAGE)).toBe(dropped)
  })

  it('the full-image crop drops nothing', () => {
    const full: CropBox = [0, 0, 2250, 1500]
    for (const box of [
      [0, 0, 2249, 1499],
      [3, 5, 10, 10],
      [0, 0, 0, 0],
      [2240, 1490, 2249, 1499],
    ] as BoxXyxy[])
      expect(isBoxNearCropEdge(box, full, IMAGE)).toBe(false)
  })

  it('a box near an inner crop corner is dropped', () => {
    expect(isBoxNearCropEdge([1300, 990, 1380, 1005], [869, 494, 2250, 1500], IMAGE)).toBe(false)
    expect(isBoxNearCropEdge([10, 10, 50, 50], [869, 494, 2250, 1500], IMAGE)).toBe(true)
  })
})

describe('uncrop', () => {
  it('moves boxes and points by the crop origin', () => {
    expect(uncropBox([1, 2, 3, 4], [869, 494, 2250, 1500])).toEqual([870, 496, 872, 498])
    expect(uncropPoint({ x: 345.25, y: 251.5 }, [869, 494, 2250, 1500])).toEqual({ x: 1214.25, y: 745.5 })
    const rle: Rle = { size: [1500, 2250], counts: Uint32Array.of(3375000) }
    expect(
      uncropProposal(
        { rle, boxInCrop: [1, 2, 3, 4], pointInCrop: { x: 0.5, y: 1.5 }, predictedIou: 0.9, stabilityScore: 0.97 },
        [10, 20, 30, 40],
      ),
    ).toEqual({
      rle,
      box: [11, 22, 13, 24],
      point: { x: 10.5, y: 21.5 },
      predictedIou: 0.9,
      stabilityScore: 0.97,
      cropBox: [10, 20, 30, 40],
    })
  })

  it('padRleIntoFrame equals encoding the zero-padded mask (random masks and crops)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (cropWidth, cropHeight, left, right, top, bottom, seed) => {
          const image = { width: left + cropWidth + right, height: top + cropHeight + bottom }
          const cropBox: CropBox = [left, top, left + cropWidth, top + cropHeight]
          const next = randomInts(seed)
          const density = next(4)
          const mask = Uint8Array.from({ length: cropWidth * cropHeight }, () => (next(4) < density ? 1 : 0))
          const padded = padRleIntoFrame(encodeMask(mask, cropHeight, cropWidth), cropBox, image)
          const expected = encodeMask(padMask(mask, cropBox, image), image.height, image.width)
          expect(padded.size).toEqual(expected.size)
          expect(countsOf(padded)).toEqual(countsOf(expected))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('joins runs that meet across columns in a full-height crop', () => {
    const mask = Uint8Array.of(1, 1, 1, 1) // 2×2 crop, all set
    const padded = padRleIntoFrame(encodeMask(mask, 2, 2), [1, 0, 3, 2], { width: 4, height: 2 })
    expect(countsOf(padded)).toEqual([2, 4, 2])
    expect(() => padRleIntoFrame(encodeMask(mask, 2, 2), [0, 0, 3, 2], { width: 4, height: 2 })).toThrow(RangeError)
  })
})

describe('candidate filter', () => {
  const thresholds = { predIouThresh: 0.88, stabilityScoreThresh: 0.95, stabilityScoreOffset: 1 }

  it('keeps a crisp disk and reports its RLE, box, point and float32 scores', () => {
    const image = { width: 64, height: 48 }
    const cropBox: CropBox = [0, 0, 64, 48]
    const filter = createCandidateFilter({ cropBox, imageSize: image, ...thresholds })
    const disk = { cx: 30, cy: 20, r: 10 }
    const candidate = candidateFrom(cropBox, 0.93, (x, y) => diskLogit(disk, x, y, 20))
    const verdict = filter(candidate, { x: 30.5, y: 20.5 })
    expect(verdict.kept).toBe(true)
    if (!verdict.kept) return
    const mask = Uint8Array.from(candidate.logits, (v) => (v > 0 ? 1 : 0))
    expect(countsOf(verdict.proposal.rle)).toEqual(countsOf(encodeMask(mask, 48, 64)))
    expect(verdict.proposal.boxInCrop).toEqual(pixelBox(mask, 64, 48))
    expect(verdict.proposal.boxInCrop).toEqual([20, 10, 39, 29])
    expect(verdict.proposal.pointInCrop).toEqual({ x: 30.5, y: 20.5 })
    expect(verdict.proposal.predictedIou).toBe(Math.fround(0.93))
    expect(verdict.proposal.stabilityScore).toBe(Math.fround(stabilityScore(candidate.logits)))
  })

  it('drops by predicted IoU, then stability, then crop edge, in that order', () => {
    const image = { width: 200, height: 100 }
    const cropBox: CropBox = [50, 0, 150, 100]
    const filter = createCandidateFilter({ cropBox, imageSize: image, ...thresholds })
    const soft = candidateFrom(cropBox, 0.99, (x) => Math.sin(x / 5) * 0.9) // every logit in (−1, 1): stability 0
    expect(filter(soft, { x: 0, y: 0 })).toEqual({ kept: false, reason: 'stability' })
    expect(filter({ ...soft, predictedIou: 0.88 }, { x: 0, y: 0 })).toEqual({ kept: false, reason: 'predicted_iou' })
    // A disk touching the crop's left edge (x = 50, not an image edge).
    const atEdge = candidateFrom(cropBox, 0.99, (x, y) => diskLogit({ cx: 60, cy: 50, r: 12 }, x, y, 20))
    expect(filter(atEdge, { x: 10, y: 50 })).toEqual({ kept: false, reason: 'crop_edge' })
    const inside = candidateFrom(cropBox, 0.99, (x, y) => diskLogit({ cx: 100, cy: 50, r: 12 }, x, y, 20))
    expect(filter(inside, { x: 50, y: 50 }).kept).toBe(true)
    // Disabled filters let anything through (an empty mask keeps its NaN stability).
    const open = createCandidateFilter({
      cropBox: [0, 0, 200, 100],
      imageSize: image,
      predIouThresh: 0,
      stabilityScoreThresh: 0,
      stabilityScoreOffset: 1,
    })
    const empty = candidateFrom([0, 0, 200, 100], 0.1, () => -5)
    const verdict = open(empty, { x: 1, y: 1 })
    expect(verdict.kept).toBe(true)
    if (verdict.kept) {
      expect(verdict.proposal.stabilityScore).toBeNaN()
      expect(verdict.proposal.boxInCrop).toEqual([0, 0, 0, 0])
      expect(countsOf(verdict.proposal.rle)).toEqual([20000])
    }
  })

  it('compares logits with float32(±offset), as torch does', () => {
    const cropBox: CropBox = [0, 0, 2, 1]
    const filter = createCandidateFilter({
      cropBox,
      imageSize: { width: 2, height: 1 },
      predIouThresh: 0,
      stabilityScoreThresh: 0,
      stabilityScoreOffset: 0.3,
    })
    // float32(0.3) > 0.3: a logit equal to it is not above float32(0.3), though it is above the double 0.3.
    const candidate: AmgLogitCandidate = { width: 2, height: 1, logits: Float32Array.of(0.3, 5), predictedIou: 1 }
    const verdict = filter(candidate, { x: 0, y: 0 })
    expect(verdict.kept && verdict.proposal.stabilityScore).toBe(Math.fround(1 / 2))
  })

  it('rejects candidates of the wrong size', () => {
    const filter = createCandidateFilter({ cropBox: [0, 0, 4, 4], imageSize: { width: 4, height: 4 }, ...thresholds })
    expect(() => filter({ width: 4, height: 3, logits: new Float32Array(12), predictedIou: 1 }, { x: 0, y: 0 })).toThrow(RangeError)
  })

  it('equals a literal full-frame implementation of _process_batch: from logits, with the source’s mask and stability, or encoded at the source', () => {
    const image = { width: 90, height: 70 }
    const crops: CropBox[] = [
      [0, 0, 90, 70],
      [0, 0, 55, 40],
      [35, 30, 90, 70],
      [20, 0, 70, 70],
    ]
    const next = randomInts(7)
    let kept = 0
    const reasons = new Set<string>()
    for (const cropBox of crops) {
      const filter = createCandidateFilter({ cropBox, imageSize: image, ...thresholds })
      for (let k = 0; k < 60; k++) {
        const disk = { cx: next(100) - 5, cy: next(80) - 5, r: 2 + next(30) }
        const gain = [0.3, 1, 4, 12][next(4)]!
        const iou = [0.5, 0.88, 0.9, 0.99][next(4)]!
        for (const form of ['logits', 'mask', 'encoded'] as const) {
          const candidate = candidateFrom(cropBox, iou, (x, y) => diskLogit(disk, x, y, gain), form === 'mask')
          const expected = literalProcess(candidate, cropBox, image, { iou: 0.88, stability: 0.95 })
          const actual = filter(form === 'encoded' ? encodedAtSource(candidate) : candidate, { x: 0, y: 0 })
          expect(actual.kept).toBe(expected.kept)
          if (actual.kept && expected.kept) {
            kept++
            expect(countsOf(actual.proposal.rle)).toEqual(countsOf(expected.proposal.rle))
            expect(actual.proposal.boxInCrop).toEqual(expected.proposal.boxInCrop)
            expect(actual.proposal.boxInCrop).toEqual(
              maskBboxInclusive(
                encodeMask(
                  Uint8Array.from(candidate.logits, (v) => (v > 0 ? 1 : 0)),
                  candidate.height,
                  candidate.width,
                ),
              ),
            )
            expect(actual.proposal.stabilityScore).toBe(expected.proposal.stabilityScore)
            expect(actual.proposal.predictedIou).toBe(expected.proposal.predictedIou)
          } else if (!actual.kept && !expected.kept) {
            expect(actual.reason).toBe(expected.reason)
            reasons.add(actual.reason)
          }
        }
      }
    }
    // The random cases exercise every branch.
    expect(kept).toBeGreaterThan(20)
    expect([...reasons].sort()).toEqual(['crop_edge', 'predicted_iou', 'stability'])
  })
})
