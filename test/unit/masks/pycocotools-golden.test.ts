/**
 * Compares the codec with reference outputs of pycocotools 2.0.11, recorded in golden/pycocotools-golden.json by
 * golden/generate_pycocotools_golden.py (run it again only when the cases need to change).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  compressRle,
  countsToString,
  decodeMask,
  decompressRle,
  encodeMask,
  rleArea,
  rleIou,
  rleMerge,
  rleToBbox,
  stringToCounts,
} from '../../../src-main/core/masks'
import type { CompressedRle } from '../../../src-main/core/masks'

interface SmallCase {
  height: number
  width: number
  /** Row-major '0'/'1' characters. */
  pixels: string
  counts: string
  area: number
  bbox: number[]
}

type Shape = { kind: 'disc'; cx: number; cy: number; r: number } | { kind: 'rect'; x0: number; y0: number; x1: number; y1: number }

interface LargeCase {
  height: number
  width: number
  shapes: Shape[]
  counts: string
  area: number
  bbox: number[]
}

interface PairCase {
  dt: CompressedRle[]
  gt: CompressedRle[]
  iscrowd: boolean[]
  iou: number[][]
  union: CompressedRle
  intersection: CompressedRle
}

interface Golden {
  generator: string
  small: SmallCase[]
  large: LargeCase[]
  pairs: PairCase[]
  largeCounts: { counts: number[]; string: string }[]
}

const golden = JSON.parse(readFileSync(new URL('./golden/pycocotools-golden.json', import.meta.url), 'utf8')) as Golden

/** Same rasterisation as the generator: disc = integer (x-cx)²+(y-cy)² <= r², rect = [x0, x1) × [y0, y1). */
function rasterise(height: number, width: number, shapes: Shape[]): Uint8Array {
  const pixels = new Uint8Array(height * width)
  for (const shape of shapes) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside =
          shape.kind === 'disc'
            ? (x - shape.cx) ** 2 + (y - shape.cy) ** 2 <= shape.r ** 2
            : x >= shape.x0 && x < shape.x1 && y >= shape.y0 && y < shape.y1
        if (inside) pixels[y * width + x] = 1
      }
    }
  }
  return pixels
}

/** Index of the first differing byte, or -1; deep equality on million-element arrays is slow in vitest. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

describe(`pycocotools golden outputs (${golden.generator})`, () => {
  it(`encodes ${golden.small.length} small masks to the same strings, areas and boxes`, () => {
    for (const sample of golden.small) {
      const pixels = Uint8Array.from(sample.pixels, (char) => (char === '1' ? 1 : 0))
      const rle = encodeMask(pixels, sample.height, sample.width)
      expect(compressRle(rle)).toEqual({ size: [sample.height, sample.width], counts: sample.counts })
      expect(rleArea(rle)).toBe(sample.area)
      expect(rleToBbox(rle)).toEqual(sample.bbox)
      expect(decodeMask(decompressRle({ size: [sample.height, sample.width], counts: sample.counts }))).toEqual(pixels)
    }
  })

  it(`encodes ${golden.large.length} large shape masks (up to 1500×2000, 1×5000, 5000×1) identically`, () => {
    for (const sample of golden.large) {
      const pixels = rasterise(sample.height, sample.width, sample.shapes)
      const rle = encodeMask(pixels, sample.height, sample.width)
      expect(countsToString(rle.counts)).toBe(sample.counts)
      expect(rleArea(rle)).toBe(sample.area)
      expect(rleToBbox(rle)).toEqual(sample.bbox)
      const decoded = decodeMask(decompressRle({ size: [sample.height, sample.width], counts: sample.counts }))
      expect(firstDifference(decoded, pixels)).toBe(-1)
    }
  })

  it(`matches iou, merge and intersection on ${golden.pairs.length} groups (incl. crowd and size mismatches)`, () => {
    for (const sample of golden.pairs) {
      const dt = sample.dt.map(decompressRle)
      const gt = sample.gt.map(decompressRle)
      expect(rleIou(dt, gt, sample.iscrowd)).toEqual(sample.iou)
      expect(compressRle(rleMerge([...dt, ...gt]))).toEqual(sample.union)
      expect(compressRle(rleMerge([...dt, ...gt], true))).toEqual(sample.intersection)
    }
  })

  it(`writes ${golden.largeCounts.length} uncompressed count lists with values up to 2^29 - 1 identically`, () => {
    for (const sample of golden.largeCounts) {
      expect(countsToString(sample.counts)).toBe(sample.string)
      expect(Array.from(stringToCounts(sample.string))).toEqual(sample.counts)
    }
  })
})
