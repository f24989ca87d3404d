import { describe, expect, it } from 'vitest'
import { CoverageMap, bitmapFromFull, gridPointsInRegions } from '../../../src-main/core/masks'
import { RESEED_MAX_POINTS, RESEED_MIN_POINTS_PER_SIDE, reseedGrid } from '../../../src-main/core/app/proposal-controller'

/** An annotation-size image with one accepted mask over its left `coveredColumns` columns. */
function gapsOf(width: number, height: number, coveredColumns: number) {
  const pixels = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) pixels.fill(1, y * width, y * width + coveredColumns)
  const coverage = new CoverageMap(width, height)
  coverage.add(bitmapFromFull(pixels, width, height))
  return coverage.gaps(100)
}

describe('reseedGrid', () => {
  it('keeps the full density when the gaps are small', () => {
    const gaps = gapsOf(1500, 1000, 1400) // a 100-px strip on the right
    const result = reseedGrid(gaps, 1500, 1000, 64)
    expect(result.pointsPerSide).toBe(64)
    expect(result.normalised).toEqual(gridPointsInRegions(gaps, 1500, 1000, 64).normalised)
    expect(result.normalised.length).toBeLessThanOrEqual(RESEED_MAX_POINTS)
  })

  it('thins the grid until it fits the budget when the gaps are large, and keeps every point inside a gap', () => {
    const gaps = gapsOf(1500, 1000, 150) // 90% of the image uncovered: 64² × 0.9 ≈ 3,700 points at full density
    expect(gridPointsInRegions(gaps, 1500, 1000, 64).normalised.length).toBeGreaterThan(RESEED_MAX_POINTS)
    const result = reseedGrid(gaps, 1500, 1000, 64)
    expect(result.pointsPerSide).toBeLessThan(64)
    expect(result.pointsPerSide).toBeGreaterThanOrEqual(RESEED_MIN_POINTS_PER_SIDE)
    expect(result.normalised.length).toBeLessThanOrEqual(RESEED_MAX_POINTS)
    expect(result.normalised.length).toBeGreaterThan(RESEED_MAX_POINTS / 2) // thinned no more than needed
    for (const [x] of result.pixels) expect(x).toBeGreaterThanOrEqual(150)
  })

  it('stops at the minimum density rather than dropping gaps', () => {
    const gaps = gapsOf(1500, 1000, 0)
    const result = reseedGrid(gaps, 1500, 1000, RESEED_MIN_POINTS_PER_SIDE)
    expect(result.pointsPerSide).toBe(RESEED_MIN_POINTS_PER_SIDE)
    expect(result.normalised.length).toBe(RESEED_MIN_POINTS_PER_SIDE ** 2)
  })
})
