import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compactCount, RAIL_ROW_HEIGHT, revealRow, type RailViewport } from '../../../src-renderer/lib/image-rail'

const H = RAIL_ROW_HEIGHT
/** A rail showing 10 rows of a 1,000-row list, scrolled to row `first`. */
const at = (first: number, rowCount = 1000): RailViewport => ({ scrollTop: first * H, height: 10 * H, rowCount, rowHeight: H })

describe('revealRow: where the rail scrolls to show the open image', () => {
  it('leaves the list alone while the row is shown with a row of context', () => {
    expect(revealRow(21, at(20))).toBeNull()
    expect(revealRow(28, at(20))).toBeNull()
    expect(revealRow(0, at(0))).toBeNull() // nothing above the first row
    expect(revealRow(999, at(990))).toBeNull() // nor below the last
  })

  it('steps by a row when the next or previous image is at the edge', () => {
    expect(revealRow(29, at(20))).toBe(21 * H) // one row below the view's last: scrolled just enough
    expect(revealRow(20, at(20))).toBe(19 * H) // the view's first row: one row of context above it
    expect(revealRow(30, at(20))).toBe(22 * H)
  })

  it('centres a row far away (a jump) and clamps to the list', () => {
    expect(revealRow(500, at(20))).toBe(500 * H - (10 * H - H) / 2)
    expect(revealRow(999, at(0))).toBe(990 * H)
    expect(revealRow(1, at(500))).toBe(0)
  })

  it('does nothing for rows not in the list', () => {
    expect(revealRow(-1, at(0))).toBeNull()
    expect(revealRow(1000, at(0))).toBeNull()
    expect(revealRow(0, { ...at(0), height: 0 })).toBeNull()
  })

  it('always ends with the row fully in view, within the list', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.nat(),
        (rowCount, visibleRows, rawIndex, rawFirst) => {
          const index = rawIndex % rowCount
          const height = visibleRows * H
          const maxScroll = Math.max(0, rowCount * H - height)
          const viewport = { scrollTop: Math.min(maxScroll, (rawFirst % rowCount) * H), height, rowCount, rowHeight: H }
          const target = revealRow(index, viewport) ?? viewport.scrollTop
          expect(target).toBeGreaterThanOrEqual(0)
          expect(target).toBeLessThanOrEqual(maxScroll)
          expect(index * H).toBeGreaterThanOrEqual(target)
          expect((index + 1) * H).toBeLessThanOrEqual(target + height)
        },
      ),
    )
  })
})

describe('compactCount', () => {
  it('keeps filter chips short', () => {
    expect([0, 999, 1000, 1234, 9999, 12_345, 100_000, 999_999, 1_234_567].map(compactCount)).toEqual([
      '0',
      '999',
      '1k',
      '1.2k',
      '9.9k',
      '12k',
      '100k',
      '999k',
      '1.2M',
    ])
  })
})
