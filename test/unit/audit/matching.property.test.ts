import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { greedyMatch, iouMatrix, truePositives } from '../../../src-main/core/audit/matching'
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import { HEIGHT, WIDTH, rectPixels, type Rect } from '../review/review-fixture'

const rect = fc
  .tuple(
    fc.integer({ min: 0, max: WIDTH - 2 }),
    fc.integer({ min: 0, max: HEIGHT - 2 }),
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 1, max: 12 }),
  )
  .map(([x, y, w, h]): Rect => [x, y, Math.min(w, WIDTH - x), Math.min(h, HEIGHT - y)])
const maskSet = fc.array(fc.array(rect, { minLength: 1, maxLength: 2 }), { maxLength: 6 })

function pixelIou(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0
  let union = 0
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) intersection++
    if (a[i] || b[i]) union++
  }
  return union === 0 ? 0 : intersection / union
}

/** Reference greedy: repeatedly take the largest remaining IoU (> 0), lowest indices on ties. */
function referenceGreedy(iou: number[][]): { a: number; b: number; iou: number }[] {
  const usedA = new Set<number>()
  const usedB = new Set<number>()
  const result: { a: number; b: number; iou: number }[] = []
  for (;;) {
    let best: { a: number; b: number; iou: number } | null = null
    iou.forEach((row, a) =>
      row.forEach((value, b) => {
        if (usedA.has(a) || usedB.has(b) || value <= 0) return
        if (!best || value > best.iou) best = { a, b, iou: value }
      }),
    )
    if (!best) return result
    const chosen: { a: number; b: number; iou: number } = best
    usedA.add(chosen.a)
    usedB.add(chosen.b)
    result.push(chosen)
  }
}

/** Brute force: the largest one-to-one matching using only pairs with IoU ≥ t. */
function maximumMatching(iou: number[][], t: number, a = 0, usedB: Set<number> = new Set()): number {
  if (a >= iou.length) return 0
  let best = maximumMatching(iou, t, a + 1, usedB)
  iou[a]!.forEach((value, b) => {
    if (value < t || usedB.has(b)) return
    usedB.add(b)
    best = Math.max(best, 1 + maximumMatching(iou, t, a + 1, usedB))
    usedB.delete(b)
  })
  return best
}

/** Masks of one set made disjoint: each pixel belongs to the first mask that claims it. */
function disjoint(masks: Uint8Array[]): Uint8Array[] {
  const claimed = new Uint8Array(WIDTH * HEIGHT)
  return masks
    .map((mask) => {
      const own = new Uint8Array(mask.length)
      mask.forEach((value, i) => {
        if (!value || claimed[i]) return
        own[i] = 1
        claimed[i] = 1
      })
      return own
    })
    .filter((mask) => mask.some(Boolean))
}

const rle = (pixels: Uint8Array) => compressRle(encodeMask(pixels, HEIGHT, WIDTH))

describe('mask matching', () => {
  it('computes the IoU matrix from RLE as a pixel count would', () => {
    fc.assert(
      fc.property(maskSet, maskSet, (a, b) => {
        const pa = a.map((rects) => rectPixels(rects))
        const pb = b.map((rects) => rectPixels(rects))
        const matrix = iouMatrix(pa.map(rle), pb.map(rle))
        expect(matrix).toHaveLength(pa.length)
        pa.forEach((x, i) => pb.forEach((y, j) => expect(matrix[i]![j]).toBeCloseTo(pixelIou(x, y), 12)))
      }),
    )
  })

  it('matches one-to-one, greedily by descending IoU, exactly as the reference greedy', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), { maxLength: 6 }),
        (iou) => {
          const matches = greedyMatch(iou)
          expect(new Set(matches.map((m) => m.a)).size).toBe(matches.length)
          expect(new Set(matches.map((m) => m.b)).size).toBe(matches.length)
          const sorted = (list: { a: number; b: number; iou: number }[]) => [...list].sort((x, y) => x.a - y.a)
          expect(sorted(matches)).toEqual(sorted(referenceGreedy(iou)))
        },
      ),
    )
  })

  it('finds the largest matching above IoU 0.5 when each set is disjoint (as annotations are)', () => {
    fc.assert(
      fc.property(maskSet, maskSet, fc.constantFrom(0.5, 0.75, 0.9), (a, b, t) => {
        const pa = disjoint(a.map((rects) => rectPixels(rects)))
        const pb = disjoint(b.map((rects) => rectPixels(rects)))
        const matrix = iouMatrix(pa.map(rle), pb.map(rle))
        // Above 0.5 a mask overlaps at most one mask of a disjoint set that much, so greedy is optimal.
        const strict = t === 0.5 ? 0.5 + 1e-12 : t
        expect(truePositives(greedyMatch(matrix), strict)).toBe(maximumMatching(matrix, strict))
      }),
    )
  })

  it('handles empty sets', () => {
    expect(iouMatrix([], [rle(rectPixels([[0, 0, 2, 2]]))])).toEqual([])
    expect(iouMatrix([rle(rectPixels([[0, 0, 2, 2]]))], [])).toEqual([[]])
    expect(greedyMatch([[]])).toEqual([])
  })
})
