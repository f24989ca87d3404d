import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bitmapFromFull, bitmapFromRle, decompressRle, findOverlaps, overlapsWith, rleIou } from '../../../src-main/core/masks'
import type { CompressedRle, OverlapCandidate, OverlapPair } from '../../../src-main/core/masks'
import { sharedFixture } from '../../support/shared-fixtures'
import { bruteForceIou, maskFromRows } from './brute-force'
import type { PixelMask } from './brute-force'

const RUNS = { numRuns: 300 }

/** A rectangle, optionally with a few pixels flipped, so that near-duplicates and exact duplicates are common. */
function maskArbitrary(height: number, width: number): fc.Arbitrary<PixelMask> {
  const rectangle = fc.record({ x0: fc.nat(width), x1: fc.nat(width), y0: fc.nat(height), y1: fc.nat(height) })
  const flips = fc.array(fc.nat(height * width - 1), { maxLength: 4 })
  return fc.tuple(rectangle, flips).map(([{ x0, x1, y0, y1 }, flipped]) => {
    const pixels = new Uint8Array(height * width)
    for (let y = Math.min(y0, y1); y < Math.max(y0, y1); y++)
      for (let x = Math.min(x0, x1); x < Math.max(x0, x1); x++) pixels[y * width + x] = 1
    for (const index of flipped) pixels[index] = pixels[index] === 1 ? 0 : 1
    return { height, width, pixels }
  })
}

/** Masks of one image, each used up to twice (exact duplicates), with distinct shuffled ids. */
const sceneArbitrary: fc.Arbitrary<{ masks: PixelMask[]; ids: number[] }> = fc
  .tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 14 }))
  .chain(([height, width]) => fc.array(maskArbitrary(height, width), { maxLength: 8 }))
  .chain((distinct) =>
    fc
      .tuple(
        fc.array(fc.nat(Math.max(0, distinct.length - 1)), { maxLength: 3 }),
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 11, maxLength: 11 }),
      )
      .map(([repeats, idPool]) => {
        const masks = distinct.length === 0 ? [] : [...distinct, ...repeats.map((index) => distinct[index]!)]
        return { masks, ids: idPool.slice(0, masks.length) }
      }),
  )

const thresholdArbitrary = fc.oneof(fc.constantFrom(0, 0.5, 1, 1 / 3), fc.double({ min: 0, max: 1, noNaN: true }))

function candidates(masks: PixelMask[], ids: number[]): OverlapCandidate[] {
  return masks.map((mask, k) => ({ id: ids[k]!, bitmap: bitmapFromFull(mask.pixels, mask.width, mask.height) }))
}

function bruteForcePairs(masks: PixelMask[], ids: number[], threshold: number, only?: number): OverlapPair[] {
  const pairs: OverlapPair[] = []
  for (let p = 0; p < masks.length; p++) {
    for (let q = p + 1; q < masks.length; q++) {
      if (only !== undefined && p !== only && q !== only) continue
      const iou = bruteForceIou(masks[p]!, masks[q]!, false)
      if (iou > threshold) pairs.push({ a: Math.min(ids[p]!, ids[q]!), b: Math.max(ids[p]!, ids[q]!), iou })
    }
  }
  return pairs.sort((p, q) => q.iou - p.iou || p.a - q.a || p.b - q.b)
}

describe('overlaps against brute-force all-pairs IoU', () => {
  it('findOverlaps returns exactly the pairs above the threshold, ordered by IoU then ids', () => {
    fc.assert(
      fc.property(sceneArbitrary, thresholdArbitrary, ({ masks, ids }, threshold) => {
        expect(findOverlaps(candidates(masks, ids), threshold)).toEqual(bruteForcePairs(masks, ids, threshold))
      }),
      RUNS,
    )
  })

  it('overlapsWith returns the pairs of one mask, whether or not the list holds the mask itself', () => {
    fc.assert(
      fc.property(sceneArbitrary, thresholdArbitrary, fc.nat(), ({ masks, ids }, threshold, pick) => {
        fc.pre(masks.length > 0)
        const all = candidates(masks, ids)
        const index = pick % masks.length
        const expected = bruteForcePairs(masks, ids, threshold, index)
        expect(overlapsWith(all[index]!, all, threshold)).toEqual(expected)
        expect(overlapsWith(all[index]!, [...all.slice(0, index), ...all.slice(index + 1)].reverse(), threshold)).toEqual(expected)
      }),
      RUNS,
    )
  })
})

describe('overlap edge cases', () => {
  const square = bitmapFromFull(maskFromRows(['1100', '1100', '0000']).pixels, 4, 3)
  const shifted = bitmapFromFull(maskFromRows(['0110', '0110', '0000']).pixels, 4, 3)
  const empty = bitmapFromFull(new Uint8Array(12), 4, 3)

  it('identical masks have IoU 1 and the output always has a < b', () => {
    expect(
      findOverlaps(
        [
          { id: 9, bitmap: square },
          { id: 2, bitmap: square },
        ],
        0.99,
      ),
    ).toEqual([{ a: 2, b: 9, iou: 1 }])
    expect(overlapsWith({ id: 9, bitmap: square }, [{ id: 2, bitmap: square }], 0.5)).toEqual([{ a: 2, b: 9, iou: 1 }])
  })

  it('the threshold is strict: IoU exactly at it is left out', () => {
    // Intersection 2, union 6.
    expect(
      findOverlaps(
        [
          { id: 1, bitmap: square },
          { id: 2, bitmap: shifted },
        ],
        1 / 3,
      ),
    ).toEqual([])
    expect(
      findOverlaps(
        [
          { id: 1, bitmap: square },
          { id: 2, bitmap: shifted },
        ],
        0.33,
      ),
    ).toEqual([{ a: 1, b: 2, iou: 1 / 3 }])
  })

  it('empty masks and masks sharing no pixel never pair, even at threshold 0', () => {
    const far = bitmapFromFull(maskFromRows(['0000', '0000', '0011']).pixels, 4, 3)
    const diagonal = bitmapFromFull(maskFromRows(['0000', '0000', '1000']).pixels, 4, 3)
    const list = [
      { id: 1, bitmap: square },
      { id: 2, bitmap: empty },
      { id: 3, bitmap: empty },
      { id: 4, bitmap: far },
      { id: 5, bitmap: diagonal },
    ]
    expect(findOverlaps(list, 0)).toEqual([])
    expect(overlapsWith({ id: 2, bitmap: empty }, list, 0)).toEqual([])
  })

  it('crops whose boxes overlap but whose pixels do not give no pair', () => {
    const a = bitmapFromFull(maskFromRows(['10', '01']).pixels, 2, 2)
    const b = bitmapFromFull(maskFromRows(['01', '10']).pixels, 2, 2)
    expect(
      findOverlaps(
        [
          { id: 1, bitmap: a },
          { id: 2, bitmap: b },
        ],
        0,
      ),
    ).toEqual([])
  })

  it('sorts several pairs by IoU descending, then a, then b', () => {
    const list = [
      { id: 5, bitmap: square },
      { id: 3, bitmap: shifted },
      { id: 4, bitmap: square },
      { id: 1, bitmap: shifted },
    ]
    expect(findOverlaps(list, 0.2)).toEqual([
      { a: 1, b: 3, iou: 1 },
      { a: 4, b: 5, iou: 1 },
      { a: 1, b: 4, iou: 1 / 3 },
      { a: 1, b: 5, iou: 1 / 3 },
      { a: 3, b: 4, iou: 1 / 3 },
      { a: 3, b: 5, iou: 1 / 3 },
    ])
  })

  it('refuses a threshold outside [0, 1] and duplicate ids', () => {
    const list = [{ id: 1, bitmap: square }]
    expect(() => findOverlaps(list, -0.1)).toThrow(RangeError)
    expect(() => findOverlaps(list, 1.5)).toThrow(RangeError)
    expect(() => findOverlaps(list, Number.NaN)).toThrow(RangeError)
    expect(() => overlapsWith(list[0]!, list, Number.NaN)).toThrow(RangeError)
    expect(() => findOverlaps([...list, { id: 1, bitmap: shifted }], 0.5)).toThrow(RangeError)
  })
})

const sa1bFile = sharedFixture('sa1b/sa_226381.json', 'overlaps on SA-1B')

describe.skipIf(sa1bFile === null)('overlaps on the real SA-1B masks of sa_226381.json', () => {
  it('findOverlaps at 0 equals the nonzero upper triangle of the pycocotools-compatible rleIou matrix', () => {
    const data = JSON.parse(readFileSync(sa1bFile!, 'utf8')) as { annotations: { id: number; segmentation: CompressedRle }[] }
    const rles = data.annotations.map((annotation) => decompressRle(annotation.segmentation))
    const ids = data.annotations.map((annotation) => annotation.id)
    const matrix = rleIou(
      rles,
      rles,
      rles.map(() => false),
    )
    const expected: OverlapPair[] = []
    for (let p = 0; p < rles.length; p++) {
      for (let q = p + 1; q < rles.length; q++) {
        const iou = matrix[p]![q]!
        if (iou > 0) expected.push({ a: Math.min(ids[p]!, ids[q]!), b: Math.max(ids[p]!, ids[q]!), iou })
      }
    }
    expected.sort((p, q) => q.iou - p.iou || p.a - q.a || p.b - q.b)
    expect(expected.length).toBeGreaterThan(0)
    const masks = rles.map((rle, k) => ({ id: ids[k]!, bitmap: bitmapFromRle(rle) }))
    expect(findOverlaps(masks, 0)).toEqual(expected)
    expect(findOverlaps(masks, 0.5)).toEqual(expected.filter((pair) => pair.iou > 0.5))
  })
})
