/**
 * Small-region cleanup: hand-made masks for each rule (holes touching the border, 8-connectivity, islands,
 * the largest-island fallback and its tie order), golden results from OpenCV 4.6's
 * connectedComponentsWithStats (fixtures/make-opencv-fixture.py), and `postprocessSmallRegions`'
 * re-scoring, box recomputation, NMS and reordering.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeMask, encodeMask, maskBboxInclusive } from '../../../../src-main/core/masks'
import type { Rle } from '../../../../src-main/core/masks'
import { postprocessSmallRegions, removeSmallRegions } from '../../../../src-main/core/segmentation/amg'
import type { MaskProposal, SmallRegionMode } from '../../../../src-main/core/segmentation/amg'
import { maskFromRows, rowsFromMask } from './amg-test-helpers'

function rleOf(rows: string[]): Rle {
  const { mask, width, height } = maskFromRows(rows)
  return encodeMask(mask, height, width)
}

function rowsOf(rle: Rle): string[] {
  return rowsFromMask(decodeMask(rle), rle.size[1], rle.size[0])
}

function clean(rows: string[], area: number, mode: SmallRegionMode): { rows: string[]; changed: boolean } {
  const result = removeSmallRegions(rleOf(rows), area, mode)
  return { rows: rowsOf(result.rle), changed: result.changed }
}

describe('removeSmallRegions: holes', () => {
  it('fills a hole smaller than the area and leaves one that is not', () => {
    const ring = ['.....', '.###.', '.#.#.', '.###.', '.....']
    expect(clean(ring, 2, 'holes')).toEqual({ rows: ['.....', '.###.', '.###.', '.###.', '.....'], changed: true })
    expect(clean(ring, 1, 'holes')).toEqual({ rows: ring, changed: false })
  })

  it('fills background that touches the border when it is small (OpenCV labels it like any component)', () => {
    const bar = ['.##.....', '.##.....', '.##.....']
    // Left strip: 3 px, right part: 15 px.
    expect(clean(bar, 4, 'holes')).toEqual({ rows: ['###.....', '###.....', '###.....'], changed: true })
    expect(clean(bar, 16, 'holes')).toEqual({ rows: ['########', '########', '########'], changed: true })
    // An empty mask is one background component: filled whole when it is below the area.
    expect(clean(['...', '...'], 7, 'holes')).toEqual({ rows: ['###', '###'], changed: true })
    expect(clean(['...', '...'], 6, 'holes')).toEqual({ rows: ['...', '...'], changed: false })
  })

  it('uses 8-connectivity: a hole that touches the outside diagonally is part of the outside', () => {
    const leaky = ['......', '.###..', '.#.#..', '.##...', '......']
    // The 1-px gap at (2, 2) touches the background through the corner at (3, 3).
    expect(clean(leaky, 2, 'holes')).toEqual({ rows: leaky, changed: false })
    const sealed = ['......', '.###..', '.#.#..', '.###..', '......']
    expect(clean(sealed, 2, 'holes').rows).toEqual(['......', '.###..', '.###..', '.###..', '......'])
  })

  it('a full mask has no holes', () => {
    expect(clean(['##', '##'], 100, 'holes')).toEqual({ rows: ['##', '##'], changed: false })
  })
})

describe('removeSmallRegions: islands', () => {
  it('removes islands smaller than the area', () => {
    const rows = ['##....', '##..#.', '......', '...###']
    expect(clean(rows, 2, 'islands')).toEqual({ rows: ['##....', '##....', '......', '...###'], changed: true })
    expect(clean(rows, 1, 'islands')).toEqual({ rows, changed: false })
  })

  it('uses 8-connectivity: pixels touching at a corner are one island', () => {
    const diagonal = ['#...', '.#..', '..#.', '....']
    expect(clean(diagonal, 3, 'islands')).toEqual({ rows: diagonal, changed: false })
  })

  it('keeps only the largest when every island is small, and then reports a change even if no pixel changed', () => {
    const rows = ['##..#', '##...', '.....', '#...#']
    expect(clean(rows, 10, 'islands')).toEqual({ rows: ['##...', '##...', '.....', '.....'], changed: true })
    const single = ['.....', '.##..', '.....']
    expect(clean(single, 10, 'islands')).toEqual({ rows: single, changed: true })
    expect(clean(['...', '...'], 10, 'islands')).toEqual({ rows: ['...', '...'], changed: false })
  })

  it('breaks ties by OpenCV label order: the first 2×2 block in raster order, not the first pixel', () => {
    // Island A's first pixel is (row 1, col 0), island B's (row 0, col 6): B comes first in pixel order,
    // A in 2×2-block order (block (0, 0) before block (0, 3)). OpenCV keeps A (see the fixture's first case).
    const rows = ['......##....', '##..........', '............']
    expect(clean(rows, 3, 'islands').rows).toEqual(['............', '##..........', '............'])
    // In different block rows, the upper block row wins.
    expect(clean(['..#', '..#', '...', '##.'], 3, 'islands').rows).toEqual(['..#', '..#', '...', '...'])
  })
})

interface FixtureCase {
  note: string
  height: number
  width: number
  counts: number[]
  threshold: number
  mode: SmallRegionMode
  changed: boolean
  expected: number[]
}

describe('removeSmallRegions against OpenCV 4.6', () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/opencv-small-regions.json', import.meta.url), 'utf8')) as {
    opencv: string
    cases: FixtureCase[]
  }

  it(`matches connectedComponentsWithStats(…, 8) on ${fixture.cases.length} cases (noise, blobs, ties)`, () => {
    expect(fixture.cases.length).toBeGreaterThan(300)
    let changed = 0
    for (const [i, c] of fixture.cases.entries()) {
      const rle: Rle = { size: [c.height, c.width], counts: Uint32Array.from(c.counts) }
      const result = removeSmallRegions(rle, c.threshold, c.mode)
      const context = `case ${i} (${c.note}, ${c.height}×${c.width}, ${c.mode} < ${c.threshold})`
      expect(result.changed, context).toBe(c.changed)
      expect(Array.from(result.rle.counts), context).toEqual(c.expected)
      if (c.changed) changed++
    }
    expect(changed).toBeGreaterThan(100)
  })
})

describe('postprocessSmallRegions', () => {
  const proposal = (rows: string[], predictedIou: number): MaskProposal => {
    const rle = rleOf(rows)
    return {
      rle,
      box: maskBboxInclusive(rle),
      point: { x: predictedIou, y: 0 },
      predictedIou,
      stabilityScore: 0.97,
      cropBox: [0, 0, rows[0]!.length, rows.length],
    }
  }

  it('prefers the mask that needed no cleanup, recomputes boxes, and reorders to NMS order', () => {
    const withSpeck = proposal(['###....#', '###.....', '###.....', '........'], 0.99) // island of 1 px
    const clean = proposal(['###.....', '###.....', '###.....', '........'], 0.95)
    const other = proposal(['........', '........', '......##', '......##'], 0.9)
    const out = postprocessSmallRegions([withSpeck, clean, other], 2, 0.7)
    // withSpeck loses its island and becomes a duplicate of clean; it scores 0, clean 1, so clean wins.
    expect(out).toHaveLength(2)
    expect(out[0]).toBe(clean)
    expect(out[1]).toBe(other)
  })

  it('a kept mask that changed gets the cleaned RLE and box; unchanged masks are returned as they were', () => {
    const holed = proposal(['#####...', '#.###...', '#####...', '.......#'], 0.99)
    const untouched = proposal(['........', '........', '........', '...###..'], 0.9)
    const out = postprocessSmallRegions([holed, untouched], 2, 0.7)
    // Scores 0 (changed) and 1 (unchanged): the unchanged mask comes first.
    expect(out[0]).toBe(untouched)
    expect(rowsOf(out[1]!.rle)).toEqual(['#####...', '#####...', '#####...', '........'])
    expect(out[1]!.box).toEqual([0, 0, 4, 2])
    expect(out[1]).toMatchObject({ predictedIou: 0.99, stabilityScore: 0.97, point: holed.point, cropBox: holed.cropBox })
  })

  it('equal scores keep the incoming order; an empty list stays empty', () => {
    const a = proposal(['##......', '##......'], 0.9)
    const b = proposal(['......##', '......##'], 0.95)
    expect(postprocessSmallRegions([a, b], 2, 0.7)).toEqual([a, b])
    expect(postprocessSmallRegions([], 2, 0.7)).toEqual([])
  })
})
