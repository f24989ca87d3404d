import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { masksByThreshold, nextCurrent, queueOf, stepQueue, type QueueMask } from '../../../src-renderer/review/review-queue'

function mask(
  id: number,
  state: string,
  predictedIou: number | null,
  area = 100,
  bbox: [number, number, number, number] = [0, 0, 10, 10],
): QueueMask {
  return { id, state, predictedIou, area, bbox }
}

describe('queueOf', () => {
  const masks = [
    mask(1, 'proposed', 0.9, 50, [200, 0, 10, 10]),
    mask(2, 'auto_accepted', 0.99),
    mask(3, 'proposed', 0.7, 500, [0, 100, 10, 10]),
    mask(4, 'proposed', null, 20, [0, 0, 10, 10]),
    mask(5, 'rejected', 0.1),
    mask(6, 'proposed', 0.7, 80, [100, 10, 10, 10]),
  ]

  it('holds only masks needing review, lowest predicted IoU first, unknown scores first, ties by id', () => {
    expect(queueOf(masks, 'iou').map((m) => m.id)).toEqual([4, 3, 6, 1])
  })

  it('orders by area both ways', () => {
    expect(queueOf(masks, 'area-desc').map((m) => m.id)).toEqual([3, 6, 1, 4])
    expect(queueOf(masks, 'area-asc').map((m) => m.id)).toEqual([4, 1, 6, 3])
  })

  it('reads by position: top band left to right, then the next band', () => {
    // 4 (x 5), 6 (x 105), 1 (x 205) share the first 64-px band; 3 is lower.
    expect(queueOf(masks, 'position').map((m) => m.id)).toEqual([4, 6, 1, 3])
  })
})

describe('nextCurrent', () => {
  it('keeps the current mask while it still waits', () => {
    expect(nextCurrent([1, 2, 3], 2, [1, 2, 3])).toBe(2)
  })
  it('moves to the mask that followed a decided one', () => {
    expect(nextCurrent([1, 2, 3], 2, [1, 3])).toBe(3)
  })
  it('falls back to the one before when the last was decided', () => {
    expect(nextCurrent([1, 2, 3], 3, [1, 2])).toBe(2)
  })
  it('is null when the queue is empty and the first when nothing was current', () => {
    expect(nextCurrent([1], 1, [])).toBeNull()
    expect(nextCurrent([], null, [7, 8])).toBe(7)
  })
  it('always answers a waiting mask (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(50), { maxLength: 12 }),
        fc.uniqueArray(fc.nat(50), { maxLength: 12 }),
        fc.option(fc.nat(50)),
        (before, after, current) => {
          const next = nextCurrent(before, current, after)
          if (after.length === 0) expect(next).toBeNull()
          else expect(after).toContain(next)
        },
      ),
    )
  })
})

describe('stepQueue', () => {
  it('wraps both ways', () => {
    expect(stepQueue([1, 2, 3], 3, 1)).toBe(1)
    expect(stepQueue([1, 2, 3], 1, -1)).toBe(3)
    expect(stepQueue([1, 2, 3], null, -1)).toBe(3)
    expect(stepQueue([], 1, 1)).toBeNull()
  })
  it('n steps forward then n back returns to the start (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(100), { minLength: 1, maxLength: 10 }), fc.nat(20), (queue, n) => {
        let current: number | null = queue[0]!
        for (let i = 0; i < n; i++) current = stepQueue(queue, current, 1)
        for (let i = 0; i < n; i++) current = stepQueue(queue, current, -1)
        expect(current).toBe(queue[0])
      }),
    )
  })
})

describe('masksByThreshold', () => {
  const masks = [
    mask(1, 'proposed', 0.95),
    mask(2, 'proposed', 0.9),
    mask(3, 'proposed', 0.89),
    mask(4, 'accepted', 0.99),
    mask(5, 'proposed', null),
  ]
  it('splits needing-review masks at the threshold (≥ accepts, < rejects), never touching decided or unscored ones', () => {
    expect(masksByThreshold(masks, 0.9, 'at-or-above')).toEqual([1, 2])
    expect(masksByThreshold(masks, 0.9, 'below')).toEqual([3])
  })
})
