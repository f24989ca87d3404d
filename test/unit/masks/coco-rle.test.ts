import { describe, expect, it } from 'vitest'
import {
  RleFormatError,
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
  sa1bBboxFromCocoBbox,
  stringToCounts,
  validateRle,
} from '../../../src-main/core/masks'
import type { Rle } from '../../../src-main/core/masks'
import { maskFromRows } from './brute-force'
import type { PixelMask } from './brute-force'

function encode(mask: PixelMask): Rle {
  return encodeMask(mask.pixels, mask.height, mask.width)
}

function countsOf(rle: Rle): number[] {
  return Array.from(rle.counts)
}

/** sam-reference.md §4 example 1: H=3, W=4. */
const EXAMPLE_3X4 = maskFromRows(['0110', '0110', '0011'])
/** sam-reference.md §4 IoU partner of example 1. */
const PARTNER_3X4 = maskFromRows(['0011', '0011', '0000'])

function rectangleMask(height: number, width: number, rows: [number, number], columns: [number, number]): PixelMask {
  const pixels = new Uint8Array(height * width)
  for (let y = rows[0]; y < rows[1]; y++) for (let x = columns[0]; x < columns[1]; x++) pixels[y * width + x] = 1
  return { height, width, pixels }
}

describe('sam-reference.md §4 worked examples', () => {
  it('3×4 mask: counts [3,2,1,3,2,1], string "32111N", area 6, toBbox [1,0,3,3]', () => {
    const rle = encode(EXAMPLE_3X4)
    expect(rle.size).toEqual([3, 4])
    expect(rle.counts).toBeInstanceOf(Uint32Array)
    expect(countsOf(rle)).toEqual([3, 2, 1, 3, 2, 1])
    expect(countsToString(rle.counts)).toBe('32111N')
    expect(compressRle(rle)).toEqual({ size: [3, 4], counts: '32111N' })
    expect(rleArea(rle)).toBe(6)
    expect(rleToBbox(rle)).toEqual([1, 0, 3, 3])
    expect(maskBboxInclusive(rle)).toEqual([1, 0, 3, 2])
    expect(rleToSa1bBbox(rle)).toEqual([1, 0, 2, 2])
    expect(decodeMask(rle)).toEqual(EXAMPLE_3X4.pixels)
    expect(countsOf(decompressRle({ size: [3, 4], counts: '32111N' }))).toEqual([3, 2, 1, 3, 2, 1])
  })

  it('2×2 mask 11/10: counts [0,3,1] with a leading zero-run, string "031", column-crossing box [0,0,2,2]', () => {
    const mask = maskFromRows(['11', '10'])
    const rle = encode(mask)
    expect(countsOf(rle)).toEqual([0, 3, 1])
    expect(countsToString(rle.counts)).toBe('031')
    expect(rleToBbox(rle)).toEqual([0, 0, 2, 2])
    expect(decodeMask(decompressRle({ size: [2, 2], counts: '031' }))).toEqual(mask.pixels)
  })

  it('100×100 mask with rows 10–59 and columns 20–39 set', () => {
    const mask = rectangleMask(100, 100, [10, 60], [20, 40])
    const rle = encode(mask)
    const expectedCounts = [2010]
    for (let column = 0; column < 20; column++) expectedCounts.push(50, 50)
    expectedCounts[expectedCounts.length - 1] = 6040
    expect(countsOf(rle)).toEqual(expectedCounts)
    expect(rle.counts.length).toBe(41)
    const expectedString = 'jn1b1b1' + '0'.repeat(37) + 'Vk5'
    expect(countsToString(rle.counts)).toBe(expectedString)
    expect(rleToBbox(rle)).toEqual([20, 10, 20, 50])
    expect(rleArea(rle)).toBe(1000)
    expect(decodeMask(decompressRle({ size: [100, 100], counts: expectedString }))).toEqual(mask.pixels)
  })

  it('IoU, crowd IoU, union and intersection of example 1 with 0011/0011/0000', () => {
    const a = encode(EXAMPLE_3X4)
    const b = encode(PARTNER_3X4)
    expect(countsOf(b)).toEqual([6, 2, 1, 2, 1])
    expect(countsToString(b.counts)).toBe('62100')
    expect(rleIou([a], [b], [false])).toEqual([[0.25]])
    expect(rleIou([a], [b], [true])).toEqual([[2 / 6]])
    const union = rleMerge([a, b])
    expect(countsOf(union)).toEqual([3, 2, 1, 6])
    expect(countsToString(union.counts)).toBe('3214')
    const intersection = rleMerge([a, b], true)
    expect(countsOf(intersection)).toEqual([6, 2, 4])
    expect(countsToString(intersection.counts)).toBe('624')
  })

  it('single-value hints: 16 → "`0", 50 → "b1", −1 → "O"', () => {
    expect(countsToString([16])).toBe('`0')
    expect(countsToString([50])).toBe('b1')
    // Index 3 is stored as counts[3] - counts[1] = 0 - 1 = -1.
    expect(countsToString([0, 1, 0, 0])).toBe('010O')
    expect(Array.from(stringToCounts('`0b1'))).toEqual([16, 50])
    expect(Array.from(stringToCounts('010O'))).toEqual([0, 1, 0, 0])
  })
})

describe('encodeMask / decodeMask edge cases', () => {
  it('all-zero mask is [H·W]; all-one mask is [0, H·W]', () => {
    const zeros = encode({ height: 3, width: 4, pixels: new Uint8Array(12) })
    expect(countsOf(zeros)).toEqual([12])
    expect(compressRle(zeros).counts).toBe('<')
    expect(rleToBbox(zeros)).toEqual([0, 0, 0, 0])
    expect(maskBboxInclusive(zeros)).toEqual([0, 0, 0, 0])
    expect(rleToSa1bBbox(zeros)).toEqual([0, 0, 0, 0])
    const ones = encode({ height: 3, width: 4, pixels: new Uint8Array(12).fill(1) })
    expect(countsOf(ones)).toEqual([0, 12])
    expect(compressRle(ones).counts).toBe('0<')
    expect(rleToBbox(ones)).toEqual([0, 0, 4, 3])
    expect(decodeMask(ones)).toEqual(new Uint8Array(12).fill(1))
  })

  it('treats any nonzero byte as set and decodes to 0/1', () => {
    // Deliberate deviation: pycocotools starts a run at every change of byte value ([0,1,2,0] → "1110").
    const rle = encodeMask(Uint8Array.from([0, 255, 7, 0, 1, 128]), 2, 3)
    // Column-major order: (0,0)=0 (1,0)=0 | (0,1)=255 (1,1)=1 | (0,2)=7 (1,2)=128
    expect(countsOf(rle)).toEqual([2, 4])
    expect(decodeMask(rle)).toEqual(Uint8Array.from([0, 1, 1, 0, 1, 1]))
  })

  it('1×N row and N×1 column masks', () => {
    const row = maskFromRows(['0011101'])
    const rowRle = encode(row)
    expect(countsOf(rowRle)).toEqual([2, 3, 1, 1])
    expect(rleToBbox(rowRle)).toEqual([2, 0, 5, 1])
    expect(decodeMask(rowRle)).toEqual(row.pixels)
    const column = maskFromRows(['1', '1', '0', '1', '0'])
    const columnRle = encode(column)
    expect(countsOf(columnRle)).toEqual([0, 2, 1, 1, 1])
    expect(rleToBbox(columnRle)).toEqual([0, 0, 1, 4])
    expect(decodeMask(columnRle)).toEqual(column.pixels)
  })

  it('0-pixel masks encode to counts [0] like pycocotools and round-trip', () => {
    for (const [height, width] of [
      [0, 0],
      [0, 5],
      [3, 0],
    ] as const) {
      const rle = encodeMask(new Uint8Array(0), height, width)
      expect(rle.size).toEqual([height, width])
      expect(countsOf(rle)).toEqual([0])
      expect(compressRle(rle)).toEqual({ size: [height, width], counts: '0' })
      expect(decodeMask(rle)).toEqual(new Uint8Array(0))
      expect(rleToBbox(rle)).toEqual([0, 0, 0, 0])
      expect(rleArea(rle)).toBe(0)
      expect(countsOf(decompressRle({ size: [height, width], counts: '0' }))).toEqual([0])
    }
    expect(decodeMask({ size: [0, 0], counts: [] })).toEqual(new Uint8Array(0))
  })

  it('rejects a mask whose length is not height·width, and bad dimensions', () => {
    expect(() => encodeMask(new Uint8Array(11), 3, 4)).toThrow(RangeError)
    expect(() => encodeMask(new Uint8Array(0), -1, 0)).toThrow(/non-negative integers/)
    expect(() => encodeMask(new Uint8Array(2), 1.5, 2)).toThrow(/non-negative integers/)
  })

  it('accepts plain number[] counts (SAM uncompressed RLE) and rejects invalid entries', () => {
    expect(decodeMask({ size: [3, 4], counts: [3, 2, 1, 3, 2, 1] })).toEqual(EXAMPLE_3X4.pixels)
    expect(() => decodeMask({ size: [3, 4], counts: [3, -2, 11] })).toThrow(/counts\[1\] = -2 is not an integer/)
    expect(() => decodeMask({ size: [3, 4], counts: [3, 2.5, 6.5] })).toThrow(RleFormatError)
    expect(() => countsToString([2 ** 32])).toThrow(/counts\[0\] = 4294967296/)
  })

  it('rejects counts that do not sum to height·width', () => {
    expect(() => decodeMask({ size: [3, 4], counts: [3, 2, 1] })).toThrow(/counts sum to 6 but size 3×4 has 12 pixels/)
    expect(() => decodeMask({ size: [3, 4], counts: [3, 2, 1, 3, 2, 1, 1] })).toThrow(RleFormatError)
    expect(() => validateRle({ size: [3, 4], counts: [12, 1] })).toThrow(RleFormatError)
    expect(() => compressRle({ size: [3, 4], counts: [1] })).toThrow(RleFormatError)
    expect(() => validateRle({ size: [3, 4], counts: [3, 2, 1, 3, 2, 1] })).not.toThrow()
  })
})

describe('compressed string codec', () => {
  it('handles counts that need 6 and 7 characters, matching pycocotools encoder output', () => {
    // Reference strings produced by pycocotools 2.0.11 (frPyObjects of the uncompressed counts).
    expect(countsToString([0, 2 ** 32 - 1])).toBe('0oooooo3')
    expect(countsToString([1, 2 ** 31, 0, 3])).toBe('1PPPPPP20SPPPPPN')
    expect(countsToString([0, 2 ** 29 + 1, 0, 1])).toBe('0QPPPP`00PPPPP@')
    expect(Array.from(stringToCounts('0oooooo3'))).toEqual([0, 2 ** 32 - 1])
    // pycocotools decodes this one to area 4294967291 (its 32-bit shift corrupts the 7-character negative delta);
    // the exact counts are the right answer.
    expect(Array.from(stringToCounts('1PPPPPP20SPPPPPN'))).toEqual([1, 2 ** 31, 0, 3])
    expect(Array.from(stringToCounts('0QPPPP`00PPPPP@'))).toEqual([0, 2 ** 29 + 1, 0, 1])
  })

  it('accepts non-canonical encodings the C decoder accepts ("P0" = 0)', () => {
    expect(Array.from(stringToCounts('P0'))).toEqual([0])
    expect(Array.from(stringToCounts(''))).toEqual([])
    expect(countsToString([])).toBe('')
  })

  it('rejects characters outside 48..111', () => {
    expect(() => stringToCounts('32 11')).toThrow(RleFormatError)
    expect(() => stringToCounts('32 11')).toThrow(/invalid character " " \(code 32\) at position 2/)
    expect(() => stringToCounts('3p')).toThrow(/invalid character "p" \(code 112\) at position 1/)
    expect(() => stringToCounts('/')).toThrow(/code 47/)
    expect(() => stringToCounts('3é')).toThrow(/code 233/)
  })

  it('rejects a value whose continuation bit runs past the end', () => {
    expect(() => stringToCounts('P')).toThrow(/truncated: value 0 starting at character 0/)
    expect(() => stringToCounts('32b')).toThrow(/truncated: value 2 starting at character 2/)
  })

  it('rejects negative counts, counts above 2^32 - 1, and values longer than 7 characters', () => {
    expect(() => stringToCounts('O')).toThrow(/negative count -1 at index 0/)
    // Index 3 adds counts[1] = 0 to the delta -1.
    expect(() => stringToCounts('000O')).toThrow(/negative count -1 at index 3/)
    expect(() => stringToCounts('PPPPPP4')).toThrow(/count 4294967296 above 2\^32 - 1 at index 0/)
    expect(() => stringToCounts('PPPPPPP0')).toThrow(/longer than 7 characters/)
  })

  it('decompressRle validates size and the pixel total', () => {
    // '32111' is [3, 2, 1, 1 + 2, 1 + 1]: 11 pixels.
    expect(() => decompressRle({ size: [3, 4], counts: '32111' })).toThrow(/counts sum to 11 but size 3×4 has 12 pixels/)
    expect(() => decompressRle({ size: [3, 4], counts: '32111N1' })).toThrow(RleFormatError)
    expect(() => decompressRle({ size: [-3, 4], counts: '<' })).toThrow(/size must be \[height, width\]/)
    expect(() => decompressRle({ size: [1.5, 8], counts: '<' })).toThrow(RleFormatError)
    expect(() => decompressRle({ size: [3, 4], counts: '3#' })).toThrow(RleFormatError)
  })
})

describe('rleToBbox conventions', () => {
  it('ignores a trailing unpaired count', () => {
    expect(rleToBbox({ size: [3, 4], counts: [3, 2, 1, 3, 2, 1] })).toEqual([1, 0, 3, 3])
    expect(rleToBbox({ size: [3, 4], counts: [3, 2, 1, 3, 3] })).toEqual([1, 0, 2, 3])
  })

  it('spans all rows when a 1-run crosses a column boundary, else uses run ends', () => {
    // Run covering rows 1..2 of column 1 and rows 0..0 of column 2.
    expect(rleToBbox({ size: [3, 4], counts: [4, 3, 5] })).toEqual([1, 0, 2, 3])
    // Same column only.
    expect(rleToBbox({ size: [3, 4], counts: [4, 2, 6] })).toEqual([1, 1, 1, 2])
  })

  it('skips zero-length 1-runs as pycocotools 2.0.11 does', () => {
    expect(rleToBbox({ size: [3, 4], counts: [5, 0, 7] })).toEqual([0, 0, 0, 0])
    expect(rleToBbox({ size: [3, 4], counts: [1, 0, 2, 1, 8] })).toEqual([1, 0, 1, 1])
  })

  it('SA-1B / SAM boxes are one short of COCO boxes', () => {
    expect(sa1bBboxFromCocoBbox([861, 525, 72, 150])).toEqual([861, 525, 71, 149])
    expect(sa1bBboxFromCocoBbox([5, 6, 1, 1])).toEqual([5, 6, 0, 0])
    expect(sa1bBboxFromCocoBbox([0, 0, 0, 0])).toEqual([0, 0, 0, 0])
  })
})

describe('rleIou', () => {
  const a = encode(EXAMPLE_3X4)
  const b = encode(PARTNER_3X4)

  it('returns a len(dt)×len(gt) matrix indexed [d][g]', () => {
    const empty = encode({ height: 3, width: 4, pixels: new Uint8Array(12) })
    expect(rleIou([a, b, empty], [b, a], [false, false])).toEqual([
      [0.25, 1],
      [1, 0.25],
      [0, 0],
    ])
  })

  it('returns [] when either side is empty, like pycocotools', () => {
    expect(rleIou([], [a], [false])).toEqual([])
    expect(rleIou([a], [], [])).toEqual([])
  })

  it('gives -1 for different sizes only when the boxes overlap', () => {
    const tall = encode(maskFromRows(['0011', '0011', '0000', '0000']))
    expect(rleIou([a], [tall], [false])).toEqual([[-1]])
    const farAway = encode(maskFromRows(['1000', '0000', '0000', '0000']))
    expect(rleIou([encode(PARTNER_3X4)], [farAway], [false])).toEqual([[0]])
  })

  it('gives 0 when boxes overlap but masks share no pixel', () => {
    const diagonal = encode(maskFromRows(['10', '01']))
    const antiDiagonal = encode(maskFromRows(['01', '10']))
    expect(rleIou([diagonal], [antiDiagonal], [false])).toEqual([[0]])
    expect(rleIou([diagonal], [antiDiagonal], [true])).toEqual([[0]])
  })

  it('requires one iscrowd flag per gt and valid RLEs', () => {
    expect(() => rleIou([a], [b], [])).toThrow(RangeError)
    expect(() => rleIou([a], [{ size: [3, 4], counts: [3, 2] }], [false])).toThrow(RleFormatError)
  })
})

describe('rleMerge', () => {
  const a = encode(EXAMPLE_3X4)
  const b = encode(PARTNER_3X4)

  it('returns a 0×0 RLE with no counts for [] and for size mismatches', () => {
    expect(rleMerge([])).toEqual({ size: [0, 0], counts: new Uint32Array(0) })
    const other = encode(maskFromRows(['11', '10']))
    const mismatched = rleMerge([a, b, other])
    expect(mismatched.size).toEqual([0, 0])
    expect(countsOf(mismatched)).toEqual([])
    expect(compressRle(mismatched)).toEqual({ size: [0, 0], counts: '' })
  })

  it('copies a single input', () => {
    const single = rleMerge([a])
    expect(countsOf(single)).toEqual(countsOf(a))
    expect(single.counts).not.toBe(a.counts)
    expect(single.size).toEqual([3, 4])
  })

  it('merges three masks and handles masks starting with a set pixel', () => {
    const c = encode(maskFromRows(['1000', '0000', '0000']))
    expect(countsOf(rleMerge([a, b, c]))).toEqual([0, 1, 2, 2, 1, 6])
    expect(countsOf(rleMerge([a, b, c], true))).toEqual([12])
    const ones = encode({ height: 3, width: 4, pixels: new Uint8Array(12).fill(1) })
    expect(countsOf(rleMerge([ones, ones], true))).toEqual([0, 12])
  })

  it('accepts number[] counts and rejects RLEs whose counts do not sum to H·W', () => {
    expect(countsOf(rleMerge([{ size: [3, 4], counts: [3, 2, 1, 3, 2, 1] }, b]))).toEqual([3, 2, 1, 6])
    expect(() => rleMerge([a, { size: [3, 4], counts: [6, 2] }])).toThrow(RleFormatError)
  })
})
