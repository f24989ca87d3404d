/**
 * NMS with torchvision's semantics: hand-computed cases for each rule, and a property test against a
 * brute-force greedy NMS built on the masks module's `boxIouXyxy` (torchvision box IoU, in doubles).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { boxIouXyxy } from '../../../../src-main/core/masks'
import type { BoxXyxy } from '../../../../src-main/core/masks'
import { nms, sortByDescendingScore } from '../../../../src-main/core/segmentation/amg'

/**
 * Greedy NMS, written as plainly as possible: visit by (score desc, index asc), drop when IoU > threshold,
 * with the IoU rounded to float32 as the kernel holds it (exact for these small integer boxes otherwise).
 */
function bruteForceNms(boxes: BoxXyxy[], scores: number[], threshold: number): number[] {
  const order = boxes.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b)
  const kept: number[] = []
  for (const i of order) {
    if (kept.every((k) => !(Math.fround(boxIouXyxy(boxes[k]!, boxes[i]!)) > threshold))) kept.push(i)
  }
  return kept
}

describe('nms', () => {
  it('suppresses a later box whose IoU is above the threshold and keeps the rest in score order', () => {
    const boxes: BoxXyxy[] = [
      [0, 0, 10, 10],
      [1, 1, 11, 11], // IoU with box 0 = 81 / 119 ≈ 0.68
      [20, 20, 30, 30],
    ]
    expect(nms(boxes, [0.9, 0.8, 0.7], 0.5)).toEqual([0, 2])
    expect(nms(boxes, [0.9, 0.8, 0.7], 0.7)).toEqual([0, 1, 2])
    expect(nms(boxes, [0.1, 0.8, 0.7], 0.5)).toEqual([1, 2])
    expect(nms(boxes, [0.1, 0.2, 0.9], 0.5)).toEqual([2, 1])
  })

  it('suppresses only when IoU is strictly greater than the threshold', () => {
    const boxes: BoxXyxy[] = [
      [0, 0, 4, 1],
      [0, 0, 2, 1], // IoU exactly 0.5
    ]
    expect(nms(boxes, [0.9, 0.8], 0.5)).toEqual([0, 1])
    expect(nms(boxes, [0.9, 0.8], 0.49)).toEqual([0])
  })

  it('compares the float32 IoU with the threshold as a double, as the C++ kernel does', () => {
    // IoU 4/40: float32(0.1) = 0.100000001… > 0.1, so torchvision suppresses at threshold 0.1.
    const tenth: BoxXyxy[] = [
      [0, 0, 10, 4],
      [0, 0, 4, 1],
    ]
    expect(nms(tenth, [0.9, 0.8], 0.1)).toEqual([0])
    // IoU 7/10: float32(0.7) = 0.699999988… < 0.7, so SAM's default threshold keeps both.
    const seventh: BoxXyxy[] = [
      [0, 0, 10, 1],
      [0, 0, 7, 1],
    ]
    expect(nms(seventh, [0.9, 0.8], 0.7)).toEqual([0, 1])
  })

  it('area has no +1: inclusive boxes that share a pixel row are compared as torchvision does', () => {
    // As inclusive pixel boxes these overlap in 4 of 14 pixels (0.29); torchvision computes 1 / 7 (0.14).
    const boxes: BoxXyxy[] = [
      [0, 0, 2, 2],
      [1, 1, 3, 3],
    ]
    expect(nms(boxes, [0.9, 0.8], 0.2)).toEqual([0, 1])
    expect(nms(boxes, [0.9, 0.8], 0.1)).toEqual([0])
    // Touching boxes do not intersect.
    expect(
      nms(
        [
          [0, 0, 1, 1],
          [1, 0, 2, 1],
        ],
        [0.9, 0.8],
        0,
      ),
    ).toEqual([0, 1])
  })

  it('zero-area boxes (one-row or one-column masks) never suppress and are never suppressed', () => {
    const boxes: BoxXyxy[] = [
      [5, 5, 5, 10], // zero width, best score
      [0, 0, 10, 10],
      [5, 5, 5, 10], // identical zero-area box: IoU 0/0 = NaN
      [2, 7, 9, 7], // zero height
    ]
    expect(nms(boxes, [0.9, 0.8, 0.7, 0.6], 0)).toEqual([0, 1, 2, 3])
    expect(nms(boxes, [0.1, 0.8, 0.7, 0.6], 0)).toEqual([1, 2, 3, 0])
  })

  it('ties keep input order; scores are float32, so doubles equal in float32 tie; NaN comes first', () => {
    const same: BoxXyxy = [0, 0, 10, 10]
    expect(nms([same, same, same], [0.5, 0.5, 0.5], 0.7)).toEqual([0])
    expect(nms([same, [50, 50, 60, 60], same], [0.5, 0.5, 0.5], 0.7)).toEqual([0, 1])
    // 0.9 and 0.9 + 1e-12 are one float32: a tie, so index 0 wins (in doubles index 1 would).
    expect(nms([same, same], [0.9, 0.9 + 1e-12], 0.7)).toEqual([0])
    expect(Array.from(sortByDescendingScore(Float32Array.of(0.2, Number.NaN, 0.9, 0.2, Number.NaN)))).toEqual([1, 4, 2, 0, 3])
    expect(nms([], [], 0.5)).toEqual([])
    expect(() => nms([same], [1, 2], 0.5)).toThrow(RangeError)
  })

  it('equals brute-force greedy NMS on random boxes (degenerate ones included)', () => {
    const coordinate = fc.integer({ min: 0, max: 24 })
    const box = fc.tuple(coordinate, coordinate, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }))
    fc.assert(
      fc.property(
        fc.array(fc.tuple(box, fc.integer({ min: 0, max: 20 })), { maxLength: 40 }),
        fc.constantFrom(0, 0.1, 0.3, 0.5, 0.7, 0.9, 1),
        (entries, threshold) => {
          const boxes: BoxXyxy[] = entries.map(([[x, y, w, h]]) => [x, y, x + w, y + h])
          // Scores on a coarse grid so ties are frequent; exact in float32.
          const scores = entries.map(([, s]) => s / 16)
          expect(nms(boxes, scores, threshold)).toEqual(bruteForceNms(boxes, scores, threshold))
        },
      ),
      { numRuns: 400 },
    )
  })
})
