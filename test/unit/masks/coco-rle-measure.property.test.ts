/**
 * measureCompressedRle (area, box and canonical form straight from the string) against the
 * decode-then-measure route it replaces on imports: same numbers, same errors.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compressRle,
  countsToString,
  decompressRle,
  encodeMask,
  measureCompressedRle,
  rleArea,
  rleToBbox,
  type CompressedRle,
  type Rle,
} from '../../../src-main/core/masks/coco-rle'
import { pixelsArbitrary } from './mask-arbitraries'

/** The route measureCompressedRle must agree with: decode, measure, re-encode. */
function slowMeasure(compressed: CompressedRle): { area: number; bbox: number[]; canonical: boolean } | { error: string } {
  try {
    const rle = decompressRle(compressed)
    return { area: rleArea(rle), bbox: rleToBbox(rle), canonical: compressRle(rle).counts === compressed.counts }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

function fastMeasure(compressed: CompressedRle): { area: number; bbox: number[]; canonical: boolean } | { error: string } {
  try {
    return measureCompressedRle(compressed)
  } catch (error) {
    return { error: (error as Error).message }
  }
}

/** Any split of height·width into runs (zero-length runs and big counts included). */
const countsArbitrary: fc.Arbitrary<Rle> = fc
  .tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }))
  .chain(([height, width]) =>
    fc.array(fc.integer({ min: 0, max: height * width }), { maxLength: 30 }).map((cuts): Rle => {
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

const RLE_CHARS = '0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmno'

describe('measureCompressedRle', () => {
  it('gives the area and COCO box of the pixels of encoded masks, and calls their strings canonical', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }))
          .chain(([height, width]) => pixelsArbitrary(height, width).map((pixels) => ({ height, width, pixels }))),
        ({ height, width, pixels }) => {
          const compressed = compressRle(encodeMask(pixels, height, width))
          const measured = measureCompressedRle(compressed)
          expect(measured.area).toBe(pixels.reduce((sum, value) => sum + value, 0))
          expect(measured).toEqual(slowMeasure(compressed))
          expect(measured.canonical).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('agrees with decode-and-measure on any counts, large sizes and zero-length runs included', () => {
    fc.assert(
      fc.property(countsArbitrary, (rle) => {
        const compressed = { size: rle.size, counts: countsToString(rle.counts) }
        expect(fastMeasure(compressed)).toEqual(slowMeasure(compressed))
      }),
      { numRuns: 500 },
    )
  })

  it('agrees with decode-and-measure on arbitrary strings: the same errors, and non-canonical forms found', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })),
        fc.array(fc.constantFrom(...RLE_CHARS, 'p', ' ', '~'), { maxLength: 14 }).map((chars) => chars.join('')),
        ([height, width], counts) => {
          const compressed = { size: [height, width] as [number, number], counts }
          expect(fastMeasure(compressed)).toEqual(slowMeasure(compressed))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('finds the non-canonical forms the C decoder accepts, and refuses what decompressRle refuses', () => {
    // "P0" is 0 written in two characters (sign-extension group), "0" the canonical form.
    expect(fastMeasure({ size: [0, 0], counts: 'P0' })).toEqual({ area: 0, bbox: [0, 0, 0, 0], canonical: false })
    expect(fastMeasure({ size: [0, 0], counts: '0' })).toEqual({ area: 0, bbox: [0, 0, 0, 0], canonical: true })
    for (const bad of [
      { size: [2, 2], counts: 'x!' },
      { size: [2, 2], counts: '1' },
      { size: [-1, 2], counts: '0' },
      { size: [2, 2], counts: 'o' },
    ] as CompressedRle[])
      expect(fastMeasure(bad)).toEqual(slowMeasure(bad))
    expect('error' in fastMeasure({ size: [2, 2], counts: 'x!' })).toBe(true)
  })
})
