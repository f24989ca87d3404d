import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdBitmap } from '../../../src-main/core/exchange/id-bitmap'

describe('IdBitmap', () => {
  it('holds exactly the ids added, across growth, as a Set would', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 5_000_000 }))
    fc.assert(
      fc.property(fc.array(id, { maxLength: 200 }), fc.array(id, { maxLength: 200 }), (added, probed) => {
        const bitmap = new IdBitmap()
        for (const value of added) bitmap.add(value)
        const set = new Set(added)
        for (const value of [...added, ...probed, ...added.map((value) => value + 1)]) expect(bitmap.has(value)).toBe(set.has(value))
      }),
    )
  })

  it('refuses ids that are not row ids and never claims to hold them', () => {
    const bitmap = new IdBitmap()
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => bitmap.add(bad)).toThrow(RangeError)
      expect(bitmap.has(bad)).toBe(false)
    }
  })
})
