import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compressRle,
  countsToString,
  decodeMask,
  decompressRle,
  encodeMask,
  maskBboxInclusive,
  rleArea,
  rleIou,
  rleMerge,
  rleToBbox,
  rleToSa1bBbox,
  stringToCounts,
} from '../../../src-main/core/masks'
import type { Rle } from '../../../src-main/core/masks'
import { bruteForceArea, bruteForceBbox, bruteForceCombine, bruteForceCounts, bruteForceIou } from './brute-force'
import type { PixelMask } from './brute-force'

const RUNS = { numRuns: 400 }

/** Pixels of a given size: i.i.d. noise, or a few filled rectangles, with arbitrary nonzero byte values. */
function pixelsArbitrary(height: number, width: number): fc.Arbitrary<Uint8Array> {
  const length = height * width
  const noise = fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => bytes.map((v) => (v < 128 ? 0 : v)))
  const rectangle = fc.record({
    x0: fc.nat(width),
    x1: fc.nat(width),
    y0: fc.nat(height),
    y1: fc.nat(height),
    value: fc.integer({ min: 1, max: 255 }),
  })
  const rectangles = fc.array(rectangle, { maxLength: 4 }).map((list) => {
    const pixels = new Uint8Array(length)
    for (const { x0, x1, y0, y1, value } of list) {
      for (let y = Math.min(y0, y1); y < Math.max(y0, y1); y++) {
        for (let x = Math.min(x0, x1); x < Math.max(x0, x1); x++) pixels[y * width + x] = value
      }
    }
    return pixels
  })
  return fc.oneof(noise, rectangles, fc.constant(new Uint8Array(length)), fc.constant(new Uint8Array(length).fill(1)))
}

const sizeArbitrary = fc.tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 24 }))

const maskArbitrary: fc.Arbitrary<PixelMask> = sizeArbitrary.chain(([height, width]) =>
  pixelsArbitrary(height, width).map((pixels) => ({ height, width, pixels })),
)

/** Several masks sharing one non-empty size. */
const maskGroupArbitrary: fc.Arbitrary<PixelMask[]> = fc
  .tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }))
  .chain(([height, width]) =>
    fc.array(
      pixelsArbitrary(height, width).map((pixels) => ({ height, width, pixels })),
      { minLength: 1, maxLength: 4 },
    ),
  )

function encode(mask: PixelMask): Rle {
  return encodeMask(mask.pixels, mask.height, mask.width)
}

function binary(pixels: Uint8Array): Uint8Array {
  return pixels.map((value) => (value !== 0 ? 1 : 0))
}

describe('RLE properties against brute-force pixel computations', () => {
  it('encode equals the naive column-major run list and decode∘encode is the identity (0/1)', () => {
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        const rle = encode(mask)
        expect(Array.from(rle.counts)).toEqual(bruteForceCounts(mask))
        expect(decodeMask(rle)).toEqual(binary(mask.pixels))
        expect(decodeMask(decompressRle(compressRle(rle)))).toEqual(binary(mask.pixels))
      }),
      RUNS,
    )
  })

  it('encoding does not depend on where the mask sits in its buffer (word-aligned or not)', () => {
    fc.assert(
      fc.property(maskArbitrary, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), (mask, offset, slack) => {
        const backing = new Uint8Array(offset + mask.pixels.length + slack).fill(255)
        backing.set(mask.pixels, offset)
        const view = backing.subarray(offset, offset + mask.pixels.length)
        const rle = encodeMask(view, mask.height, mask.width)
        expect(Array.from(rle.counts)).toEqual(bruteForceCounts(mask))
      }),
      RUNS,
    )
  })

  it('masks with a few set pixels anywhere on a larger canvas encode like the naive run list', () => {
    const sparseArbitrary = fc.tuple(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 })).chain(([height, width]) =>
      fc.array(fc.nat(height * width - 1), { maxLength: 6 }).map((indices) => {
        const pixels = new Uint8Array(height * width)
        for (const index of indices) pixels[index] = 1
        return { height, width, pixels }
      }),
    )
    fc.assert(
      fc.property(sparseArbitrary, (mask) => {
        const rle = encode(mask)
        expect(Array.from(rle.counts)).toEqual(bruteForceCounts(mask))
        expect(rleToBbox(rle)).toEqual(bruteForceBbox(mask))
      }),
      RUNS,
    )
  })

  it('area and COCO / SA-1B / inclusive boxes agree with the pixels', () => {
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        const rle = encode(mask)
        expect(rleArea(rle)).toBe(bruteForceArea(mask))
        const bbox = bruteForceBbox(mask)
        expect(rleToBbox(rle)).toEqual(bbox)
        const [x, y, w, h] = bbox
        const empty = w === 0
        expect(rleToSa1bBbox(rle)).toEqual(empty ? [0, 0, 0, 0] : [x, y, w - 1, h - 1])
        expect(maskBboxInclusive(rle)).toEqual(empty ? [0, 0, 0, 0] : [x, y, x + w - 1, y + h - 1])
      }),
      RUNS,
    )
  })

  it('merge agrees with pixelwise OR and AND', () => {
    fc.assert(
      fc.property(maskGroupArbitrary, fc.boolean(), (masks, intersect) => {
        const merged = rleMerge(masks.map(encode), intersect)
        const expected = bruteForceCombine(masks, intersect)
        expect(Array.from(merged.counts)).toEqual(bruteForceCounts(expected))
        expect(merged.size).toEqual([expected.height, expected.width])
      }),
      RUNS,
    )
  })

  it('IoU agrees with brute force, crowd and non-crowd', () => {
    fc.assert(
      fc.property(maskGroupArbitrary, maskGroupArbitrary, (dts, gtsAnySize) => {
        const first = dts[0]!
        // Re-use the gt pixel patterns at the dt size so that the run walk is exercised.
        const gts = gtsAnySize.map((gt) => {
          const pixels = new Uint8Array(first.height * first.width)
          for (let i = 0; i < pixels.length; i++) pixels[i] = gt.pixels[i % gt.pixels.length]!
          return { height: first.height, width: first.width, pixels }
        })
        const iscrowd = gts.map((_, g) => g % 2 === 1)
        const matrix = rleIou(dts.map(encode), gts.map(encode), iscrowd)
        expect(matrix.length).toBe(dts.length)
        dts.forEach((dt, d) => {
          gts.forEach((gt, g) => {
            expect(matrix[d]![g]).toBe(bruteForceIou(dt, gt, iscrowd[g]!))
          })
        })
      }),
      RUNS,
    )
  })
})

describe('compressed string round trip for arbitrary counts', () => {
  /** Count lists whose deltas reach ±(2^29 - 1), the range pycocotools decodes reliably. */
  const countsArbitrary = fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 29 - 1 })), { maxLength: 40 })

  it('stringToCounts(countsToString(c)) = c, with characters only in 48..111', () => {
    fc.assert(
      fc.property(countsArbitrary, (counts) => {
        const text = countsToString(counts)
        for (let i = 0; i < text.length; i++) {
          const code = text.charCodeAt(i)
          expect(code >= 48 && code <= 111).toBe(true)
        }
        expect(Array.from(stringToCounts(text))).toEqual(counts)
        expect(countsToString(Uint32Array.from(counts))).toBe(text)
      }),
      RUNS,
    )
  })

  it('round-trips the full uint32 range as well', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 20 }), (counts) => {
        expect(Array.from(stringToCounts(countsToString(counts)))).toEqual(counts)
      }),
      RUNS,
    )
  })

  it('every value takes the fewest 6-bit characters (at most 7)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const text = countsToString([value])
        // k characters hold signed values in [-2^(5k-1), 2^(5k-1)).
        let characters = 1
        while (value >= 2 ** (5 * characters - 1)) characters++
        expect(text.length).toBe(characters)
        expect(text.length).toBeLessThanOrEqual(7)
      }),
      RUNS,
    )
  })
})
