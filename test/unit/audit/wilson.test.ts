import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { wilsonInterval, Z_95 } from '../../../src-main/core/audit/wilson'

/**
 * Brute force: the Wilson interval is the set of p with |p̂ − p| ≤ z·√(p(1−p)/n); its ends are found
 * by bisection on each side of p̂ (the condition holds at p̂ and is monotone outwards).
 */
function bruteForce(successes: number, trials: number): [number, number] {
  const phat = successes / trials
  const inside = (p: number) => Math.abs(phat - p) <= Z_95 * Math.sqrt((p * (1 - p)) / trials)
  const edge = (from: number, to: number) => {
    if (inside(to)) return to
    let a = from
    let b = to
    for (let i = 0; i < 200; i++) {
      const mid = (a + b) / 2
      if (inside(mid)) a = mid
      else b = mid
    }
    return (a + b) / 2
  }
  return [edge(phat, 0), edge(phat, 1)]
}

describe('Wilson score interval (95%)', () => {
  it('matches published values', () => {
    // 8 of 10: 0.490 – 0.943 (Newcombe 1998, table I, method 3).
    const interval = wilsonInterval(8, 10)
    expect(interval?.low).toBeCloseTo(0.4902, 4)
    expect(interval?.high).toBeCloseTo(0.9433, 4)
    // 0 of 10: 0 – 0.2775; 10 of 10: 0.7225 – 1.
    expect(wilsonInterval(0, 10)).toMatchObject({ estimate: 0, low: 0 })
    expect(wilsonInterval(0, 10)?.high).toBeCloseTo(0.2775, 4)
    expect(wilsonInterval(10, 10)?.low).toBeCloseTo(0.7225, 4)
    expect(wilsonInterval(10, 10)?.high).toBe(1)
    expect(wilsonInterval(0, 0)).toBeNull()
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError)
  })

  it('equals the brute-force inversion of the score test', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
        ([s, n]) => {
          const interval = wilsonInterval(s, n)
          const [low, high] = bruteForce(s, n)
          expect(interval?.low).toBeCloseTo(low, 9)
          expect(interval?.high).toBeCloseTo(high, 9)
          expect(interval!.low).toBeLessThanOrEqual(s / n)
          expect(interval!.high).toBeGreaterThanOrEqual(s / n)
        },
      ),
    )
  })
})
