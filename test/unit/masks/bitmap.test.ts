import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  RleFormatError,
  bitmapCentroid,
  bitmapFromFull,
  bitmapFromRle,
  bitmapHas,
  bitmapIntersection,
  bitmapIou,
  bitmapToRle,
  bitmapUnion,
  compressRle,
  decodeMask,
  decompressRle,
  describePoint,
  encodeMask,
  nearestSetPixel,
  rleToBbox,
} from '../../../src-main/core/masks'
import type { CompressedRle, MaskBitmap, Rle } from '../../../src-main/core/masks'
import { sharedFixture } from '../../support/shared-fixtures'
import { bruteForceBbox, bruteForceCounts, bruteForceIou, maskFromRows } from './brute-force'
import type { PixelMask } from './brute-force'

import { pixelsArbitrary } from './mask-arbitraries'

const RUNS = { numRuns: 300 }

const maskArbitrary: fc.Arbitrary<PixelMask> = fc
  .tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }))
  .chain(([height, width]) => pixelsArbitrary(height, width).map((pixels) => ({ height, width, pixels })))

/** Two masks of one shared non-empty size. */
const maskPairArbitrary: fc.Arbitrary<[PixelMask, PixelMask]> = fc
  .tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }))
  .chain(([height, width]) =>
    fc.tuple(pixelsArbitrary(height, width), pixelsArbitrary(height, width)).map(([a, b]): [PixelMask, PixelMask] => [
      { height, width, pixels: a },
      { height, width, pixels: b },
    ]),
  )

/** Arbitrary (often non-canonical) counts: a random split of height·width into runs, zero-length runs included. */
const rawRleArbitrary: fc.Arbitrary<Rle> = fc
  .tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }))
  .chain(([height, width]) =>
    fc.array(fc.integer({ min: 0, max: height * width }), { maxLength: 10 }).map((cuts): Rle => {
      const sorted = [...cuts].sort((p, q) => p - q)
      const counts: number[] = []
      let previous = 0
      for (const cut of sorted) {
        counts.push(cut - previous)
        previous = cut
      }
      counts.push(height * width - previous)
      return { size: [height, width], counts }
    }),
  )

/** The brute-force crop of a full mask to its tight box. */
function bruteForceCrop(mask: PixelMask): MaskBitmap {
  const [x, y, width, height] = bruteForceBbox(mask)
  const pixels = new Uint8Array(width * height)
  let area = 0
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      if (mask.pixels[(y + row) * mask.width + x + column] !== 0) {
        pixels[row * width + column] = 1
        area++
      }
    }
  }
  return { x, y, width, height, pixels, area }
}

/** The bitmap placed back in a full image, row-major 0/1. */
function toFull(bitmap: MaskBitmap, height: number, width: number): PixelMask {
  const pixels = new Uint8Array(height * width)
  for (let row = 0; row < bitmap.height; row++) {
    for (let column = 0; column < bitmap.width; column++) {
      if (bitmap.pixels[row * bitmap.width + column] !== 0) pixels[(bitmap.y + row) * width + bitmap.x + column] = 1
    }
  }
  return { height, width, pixels }
}

function setPixels(mask: PixelMask): [number, number][] {
  const list: [number, number][] = []
  for (let y = 0; y < mask.height; y++) for (let x = 0; x < mask.width; x++) if (mask.pixels[y * mask.width + x]) list.push([x, y])
  return list
}

describe('MaskBitmap against brute-force full-image computations', () => {
  it('bitmapFromRle equals decodeMask cropped to the tight box, for canonical and non-canonical counts', () => {
    fc.assert(
      fc.property(rawRleArbitrary, (rle) => {
        const full: PixelMask = { height: rle.size[0], width: rle.size[1], pixels: decodeMask(rle) }
        expect(bitmapFromRle(rle)).toEqual(bruteForceCrop(full))
      }),
      RUNS,
    )
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        const rle = encodeMask(mask.pixels, mask.height, mask.width)
        expect(bitmapFromRle(rle)).toEqual(bruteForceCrop(mask))
        expect(bitmapFromRle({ size: rle.size, counts: Array.from(rle.counts) })).toEqual(bruteForceCrop(mask))
      }),
      RUNS,
    )
  })

  it('bitmapFromFull equals the brute-force crop', () => {
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        expect(bitmapFromFull(mask.pixels, mask.width, mask.height)).toEqual(bruteForceCrop(mask))
      }),
      RUNS,
    )
  })

  it('bitmapToRle(bitmapFromRle(r)) equals r for canonical r, and encodeMask of the full mask for any r', () => {
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        const rle = encodeMask(mask.pixels, mask.height, mask.width)
        const back = bitmapToRle(bitmapFromRle(rle), mask.height, mask.width)
        expect(back.size).toEqual([mask.height, mask.width])
        expect(back.counts).toBeInstanceOf(Uint32Array)
        expect(Array.from(back.counts)).toEqual(Array.from(rle.counts))
        expect(Array.from(back.counts)).toEqual(bruteForceCounts(mask))
      }),
      RUNS,
    )
    fc.assert(
      fc.property(rawRleArbitrary, (rle) => {
        const [height, width] = rle.size
        const back = bitmapToRle(bitmapFromRle(rle), height, width)
        expect(Array.from(back.counts)).toEqual(Array.from(encodeMask(decodeMask(rle), height, width).counts))
      }),
      RUNS,
    )
  })

  it('intersection, IoU and union agree with pixelwise AND / OR over the full image', () => {
    fc.assert(
      fc.property(maskPairArbitrary, ([a, b]) => {
        const bitmapA = bitmapFromFull(a.pixels, a.width, a.height)
        const bitmapB = bitmapFromFull(b.pixels, b.width, b.height)
        const and = a.pixels.map((value, i) => value & b.pixels[i]!)
        const or = a.pixels.map((value, i) => value | b.pixels[i]!)
        const intersection = and.reduce((sum, value) => sum + value, 0)
        expect(bitmapIntersection(bitmapA, bitmapB)).toBe(intersection)
        expect(bitmapIntersection(bitmapB, bitmapA)).toBe(intersection)
        expect(bitmapIou(bitmapA, bitmapB)).toBe(bruteForceIou(a, b, false))
        const union = bitmapUnion(bitmapA, bitmapB)
        expect(union).toEqual(bruteForceCrop({ height: a.height, width: a.width, pixels: or }))
        expect(bitmapUnion(bitmapB, bitmapA)).toEqual(union)
      }),
      RUNS,
    )
  })

  it('bitmapHas matches the full mask at every pixel and at points inside pixels, and is false off the image', () => {
    fc.assert(
      fc.property(maskArbitrary, fc.double({ min: 0, max: 0.999, noNaN: true }), (mask, fraction) => {
        const bitmap = bitmapFromFull(mask.pixels, mask.width, mask.height)
        for (let y = -1; y <= mask.height; y++) {
          for (let x = -1; x <= mask.width; x++) {
            const inImage = x >= 0 && y >= 0 && x < mask.width && y < mask.height
            const expected = inImage && mask.pixels[y * mask.width + x] === 1
            expect(bitmapHas(bitmap, x, y)).toBe(expected)
            expect(bitmapHas(bitmap, x + fraction, y + fraction)).toBe(expected)
          }
        }
      }),
      RUNS,
    )
  })

  it('centroid, nearest set pixel and describePoint agree with brute force over the set pixels', () => {
    const pointArbitrary = fc.tuple(fc.double({ min: -5, max: 25, noNaN: true }), fc.double({ min: -5, max: 25, noNaN: true }))
    fc.assert(
      fc.property(maskArbitrary, pointArbitrary, (mask, [px, py]) => {
        const bitmap = bitmapFromFull(mask.pixels, mask.width, mask.height)
        const set = setPixels(mask)
        if (set.length === 0) {
          expect(bitmapCentroid(bitmap)).toBeNull()
          expect(nearestSetPixel(bitmap, px, py)).toBeNull()
          expect(describePoint(bitmap, px, py)).toEqual({ inside: false, centroidDistance: null, edgeDistance: null })
          return
        }
        const cx = set.reduce((sum, [x]) => sum + x + 0.5, 0) / set.length
        const cy = set.reduce((sum, [, y]) => sum + y + 0.5, 0) / set.length
        const centroid = bitmapCentroid(bitmap)!
        expect(centroid.x).toBeCloseTo(cx, 9)
        expect(centroid.y).toBeCloseTo(cy, 9)
        const nearest = Math.min(...set.map(([x, y]) => Math.hypot(x + 0.5 - px, y + 0.5 - py)))
        const found = nearestSetPixel(bitmap, px, py)!
        expect(found.distance).toBeCloseTo(nearest, 9)
        expect(Math.hypot(found.x - px, found.y - py)).toBeCloseTo(nearest, 9)
        expect(bitmapHas(bitmap, found.x, found.y)).toBe(true)
        const inside = set.some(([x, y]) => x === Math.floor(px) && y === Math.floor(py))
        const described = describePoint(bitmap, px, py)
        expect(described.inside).toBe(inside)
        expect(described.centroidDistance).toBeCloseTo(Math.hypot(px - cx, py - cy), 9)
        expect(described.edgeDistance).toBeCloseTo(inside ? 0 : nearest, 9)
      }),
      RUNS,
    )
  })
})

describe('MaskBitmap edge cases', () => {
  it('an empty mask is a 0×0 crop with area 0 and encodes to one zero-run', () => {
    const rle = encodeMask(new Uint8Array(12), 3, 4)
    const bitmap = bitmapFromRle(rle)
    expect(bitmap).toEqual({ x: 0, y: 0, width: 0, height: 0, pixels: new Uint8Array(0), area: 0 })
    expect(bitmapFromFull(new Uint8Array(12), 4, 3)).toEqual(bitmap)
    expect(Array.from(bitmapToRle(bitmap, 3, 4).counts)).toEqual([12])
    expect(Array.from(bitmapToRle(bitmap, 0, 0).counts)).toEqual([0])
    expect(bitmapFromRle({ size: [0, 0], counts: [0] })).toEqual(bitmap)
    expect(bitmapIou(bitmap, bitmap)).toBe(0)
    expect(bitmapIntersection(bitmap, bitmap)).toBe(0)
    expect(bitmapUnion(bitmap, bitmap)).toEqual(bitmap)
    expect(bitmapHas(bitmap, 0, 0)).toBe(false)
  })

  it('1×1 images: the set pixel is a 1×1 crop at the origin with counts [0, 1]', () => {
    const set = bitmapFromRle({ size: [1, 1], counts: [0, 1] })
    expect(set).toEqual({ x: 0, y: 0, width: 1, height: 1, pixels: Uint8Array.of(1), area: 1 })
    expect(Array.from(bitmapToRle(set, 1, 1).counts)).toEqual([0, 1])
    expect(bitmapCentroid(set)).toEqual({ x: 0.5, y: 0.5 })
    expect(bitmapIou(set, set)).toBe(1)
    expect(bitmapFromRle({ size: [1, 1], counts: [1] }).area).toBe(0)
  })

  it('a mask on every border: the crop is the whole image and the runs end with ones', () => {
    const mask = maskFromRows(['1111', '1001', '1111'])
    const bitmap = bitmapFromFull(mask.pixels, 4, 3)
    expect([bitmap.x, bitmap.y, bitmap.width, bitmap.height, bitmap.area]).toEqual([0, 0, 4, 3, 10])
    // Columns: 111 | 101 | 101 | 111 → runs 0,4 (col 0 + top of col 1),1,2,1,4.
    expect(Array.from(bitmapToRle(bitmap, 3, 4).counts)).toEqual([0, 4, 1, 2, 1, 4])
    expect(bitmapFromRle({ size: [3, 4], counts: [0, 4, 1, 2, 1, 4] })).toEqual(bitmap)
  })

  it('a run that wraps from the bottom of one column to the top of the next spans all rows', () => {
    // 3×3 image; column-major pixels 2..4 set: (x0,y2), (x1,y0), (x1,y1).
    const bitmap = bitmapFromRle({ size: [3, 3], counts: [2, 3, 4] })
    expect(bitmap).toEqual({ x: 0, y: 0, width: 2, height: 3, pixels: Uint8Array.of(0, 1, 0, 1, 1, 0), area: 3 })
    expect(Array.from(bitmapToRle(bitmap, 3, 3).counts)).toEqual([2, 3, 4])
  })

  it('a crop in a column band leaves zero runs between its columns (full-height column gaps closed)', () => {
    // 4×3 image, pixels (1,1) and (2,1): crop 2×1 at (1,1); column-major indices 4 and 7.
    const bitmap = bitmapFromFull(Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]), 4, 3)
    expect([bitmap.x, bitmap.y, bitmap.width, bitmap.height]).toEqual([1, 1, 2, 1])
    expect(Array.from(bitmapToRle(bitmap, 3, 4).counts)).toEqual([4, 1, 2, 1, 4])
  })

  it('bitmapHas: pixel i spans [i, i + 1)', () => {
    const bitmap = bitmapFromFull(maskFromRows(['000', '010', '000']).pixels, 3, 3)
    expect(bitmapHas(bitmap, 1, 1)).toBe(true)
    expect(bitmapHas(bitmap, 1.999, 1.5)).toBe(true)
    expect(bitmapHas(bitmap, 2, 1.5)).toBe(false)
    expect(bitmapHas(bitmap, 0.999, 1.5)).toBe(false)
    expect(bitmapHas(bitmap, Number.NaN, 1)).toBe(false)
  })

  it('describePoint with known distances around a 3×3 square at pixels 2..4', () => {
    const rows = Array.from({ length: 8 }, (_, y) =>
      Array.from({ length: 8 }, (_, x) => (x >= 2 && x <= 4 && y >= 2 && y <= 4 ? '1' : '0')).join(''),
    )
    const bitmap = bitmapFromFull(maskFromRows(rows).pixels, 8, 8)
    expect(bitmapCentroid(bitmap)).toEqual({ x: 3.5, y: 3.5 })
    const inside = describePoint(bitmap, 3.2, 3.9)
    expect(inside.inside).toBe(true)
    expect(inside.centroidDistance).toBeCloseTo(0.5, 12)
    expect(inside.edgeDistance).toBe(0)
    expect(describePoint(bitmap, 0.5, 3.5)).toEqual({ inside: false, centroidDistance: 3, edgeDistance: 2 })
    // Nearest pixel centre (4.5, 4.5): offset (3, 4); centroid offset (4, 5).
    const below = describePoint(bitmap, 7.5, 8.5)
    expect(below.inside).toBe(false)
    expect(below.centroidDistance).toBeCloseTo(Math.sqrt(41), 12)
    expect(below.edgeDistance).toBe(5)
    expect(nearestSetPixel(bitmap, 7.5, 8.5)).toEqual({ x: 4.5, y: 4.5, distance: 5 })
  })

  it('IoU of partly overlapping squares is computed over the shared box only', () => {
    const a = bitmapFromFull(maskFromRows(['1100', '1100', '0000']).pixels, 4, 3)
    const b = bitmapFromFull(maskFromRows(['0000', '0110', '0110']).pixels, 4, 3)
    expect(bitmapIntersection(a, b)).toBe(1)
    expect(bitmapIou(a, b)).toBe(1 / 7)
    const union = bitmapUnion(a, b)
    expect([union.x, union.y, union.width, union.height, union.area]).toEqual([0, 0, 3, 3, 7])
    expect(Array.from(union.pixels)).toEqual([1, 1, 0, 1, 1, 1, 0, 1, 1])
  })

  it('refuses malformed input', () => {
    expect(() => bitmapFromRle({ size: [2, 2], counts: [1, 2] })).toThrow(RleFormatError)
    expect(() => bitmapFromFull(new Uint8Array(5), 2, 2)).toThrow(RangeError)
    const bitmap = bitmapFromFull(maskFromRows(['01', '01']).pixels, 2, 2)
    expect(() => bitmapToRle(bitmap, 2, 1)).toThrow(RangeError)
    expect(() => bitmapToRle(bitmap, 1, 2)).toThrow(RangeError)
  })
})

describe('bitmapToRle placement', () => {
  it('encodes a crop placed anywhere in a larger image as encodeMask of the placed mask', () => {
    const placedArbitrary = fc
      .tuple(maskArbitrary, fc.nat(6), fc.nat(6), fc.nat(6), fc.nat(6))
      .map(([mask, left, top, right, bottom]) => ({ mask, left, top, right, bottom }))
    fc.assert(
      fc.property(placedArbitrary, ({ mask, left, top, right, bottom }) => {
        const bitmap = bitmapFromFull(mask.pixels, mask.width, mask.height)
        const moved: MaskBitmap = { ...bitmap, x: bitmap.x + left, y: bitmap.y + top }
        const height = mask.height + top + bottom
        const width = mask.width + left + right
        const full = toFull(moved, height, width)
        expect(Array.from(bitmapToRle(moved, height, width).counts)).toEqual(bruteForceCounts(full))
      }),
      RUNS,
    )
  })
})

const sa1bFile = sharedFixture('sa1b/sa_226381.json', 'MaskBitmap on SA-1B')

describe.skipIf(sa1bFile === null)('MaskBitmap on the real SA-1B masks of sa_226381.json (2000×1500)', () => {
  it('crops equal the decoded masks cropped, and re-encode to the pycocotools strings', () => {
    const data = JSON.parse(readFileSync(sa1bFile!, 'utf8')) as { annotations: { segmentation: CompressedRle; area: number }[] }
    expect(data.annotations.length).toBeGreaterThan(100)
    for (const { segmentation, area } of data.annotations) {
      const rle = decompressRle(segmentation)
      const [height, width] = rle.size
      const bitmap = bitmapFromRle(rle)
      expect(bitmap.area).toBe(area)
      expect([bitmap.x, bitmap.y, bitmap.width, bitmap.height]).toEqual(rleToBbox(rle))
      // The crop compared with the decoded mask byte by byte (deep equality on 3 M bytes is slow); as the crop
      // holds all `area` set pixels of the mask, nothing outside it can be set.
      const full = decodeMask(rle)
      let mismatches = 0
      let setInCrop = 0
      for (let row = 0; row < bitmap.height; row++) {
        for (let column = 0; column < bitmap.width; column++) {
          const expected = full[(bitmap.y + row) * width + bitmap.x + column]!
          setInCrop += expected
          if (bitmap.pixels[row * bitmap.width + column] !== expected) mismatches++
        }
      }
      expect(mismatches).toBe(0)
      expect(setInCrop).toBe(area)
      expect(compressRle(bitmapToRle(bitmap, height, width)).counts).toBe(segmentation.counts)
    }
  })
})
