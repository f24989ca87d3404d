import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CoverageMap,
  bitmapFromFull,
  bitmapFromRle,
  bitmapHas,
  bitmapIntersection,
  coverageOf,
  decompressRle,
  gridPointsInRegions,
  rleArea,
  rleMerge,
} from '../../../src-main/core/masks'
import type { CompressedRle, GapRegion, MaskBitmap } from '../../../src-main/core/masks'
import { sharedFixture } from '../../support/shared-fixtures'
import { buildPointGrid } from '../../../src-main/core/segmentation/amg/point-grid'

import { pixelsArbitrary } from './mask-arbitraries'

const RUNS = { numRuns: 300 }

interface Scene {
  width: number
  height: number
  masks: Uint8Array[]
}

/** An image size (1..16 each side) and up to 5 full-image masks. */
const sceneArbitrary: fc.Arbitrary<Scene> = fc
  .tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }))
  .chain(([width, height]) => fc.array(pixelsArbitrary(height, width), { maxLength: 5 }).map((masks) => ({ width, height, masks })))

function bitmapOf(scene: Scene, mask: Uint8Array): MaskBitmap {
  return bitmapFromFull(mask, scene.width, scene.height)
}

/** Covered = any mask set there; rows of '#' (covered) and '.' (uncovered). */
function coverageFromRows(rows: string[]): { coverage: CoverageMap; bitmap: MaskBitmap } {
  const height = rows.length
  const width = rows[0]!.length
  const full = new Uint8Array(width * height)
  rows.forEach((row, y) => [...row].forEach((char, x) => (full[y * width + x] = char === '#' ? 1 : 0)))
  const bitmap = bitmapFromFull(full, width, height)
  return { coverage: coverageOf([bitmap], width, height), bitmap }
}

interface BruteRegion {
  area: number
  bbox: [number, number, number, number]
  centroid: { x: number; y: number }
  pixels: [number, number][]
}

/** Flood fill of the uncovered pixels (BFS, explicit queue) in raster order of the seeds, then the spec's order. */
function bruteForceGaps(uncovered: boolean[], width: number, height: number, connectivity: 4 | 8, minArea: number): BruteRegion[] {
  const seen = new Array<boolean>(width * height).fill(false)
  const steps: [number, number][] =
    connectivity === 8
      ? [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx): [number, number] => [dx, dy])).filter(([dx, dy]) => dx !== 0 || dy !== 0)
      : [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
        ]
  const regions: BruteRegion[] = []
  for (let start = 0; start < width * height; start++) {
    if (!uncovered[start] || seen[start]) continue
    seen[start] = true
    const queue = [start]
    const pixels: [number, number][] = []
    while (queue.length > 0) {
      const index = queue.shift()!
      const x = index % width
      const y = Math.floor(index / width)
      pixels.push([x, y])
      for (const [dx, dy] of steps) {
        const nx = x + dx
        const ny = y + dy
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue
        const next = ny * width + nx
        if (uncovered[next] && !seen[next]) {
          seen[next] = true
          queue.push(next)
        }
      }
    }
    const xs = pixels.map(([x]) => x)
    const ys = pixels.map(([, y]) => y)
    const minX = Math.min(...xs)
    const minY = Math.min(...ys)
    regions.push({
      area: pixels.length,
      bbox: [minX, minY, Math.max(...xs) - minX + 1, Math.max(...ys) - minY + 1],
      centroid: { x: xs.reduce((s, x) => s + x + 0.5, 0) / pixels.length, y: ys.reduce((s, y) => s + y + 0.5, 0) / pixels.length },
      pixels,
    })
  }
  // Array.prototype.sort is stable, so equal keys keep the raster order of their first pixel.
  return regions.filter((r) => r.area >= minArea).sort((p, q) => q.area - p.area || p.bbox[1] - q.bbox[1] || p.bbox[0] - q.bbox[0])
}

function bruteUncovered(scene: Scene, active: readonly Uint8Array[]): boolean[] {
  return Array.from({ length: scene.width * scene.height }, (_, i) => active.every((mask) => mask[i] === 0))
}

function expectRegionsMatch(actual: GapRegion[], expected: BruteRegion[]): void {
  expect(actual.map((r) => [r.area, r.bbox])).toEqual(expected.map((r) => [r.area, r.bbox]))
  actual.forEach((region, k) => {
    const want = expected[k]!
    expect(region.centroid.x).toBeCloseTo(want.centroid.x, 9)
    expect(region.centroid.y).toBeCloseTo(want.centroid.y, 9)
    const { bitmap } = region
    expect([bitmap.x, bitmap.y, bitmap.width, bitmap.height, bitmap.area]).toEqual([...want.bbox, want.area])
    const set: [number, number][] = []
    for (let row = 0; row < bitmap.height; row++) {
      for (let column = 0; column < bitmap.width; column++) {
        const value = bitmap.pixels[row * bitmap.width + column]!
        expect(value === 0 || value === 1).toBe(true)
        if (value === 1) set.push([bitmap.x + column, bitmap.y + row])
      }
    }
    const order = (p: [number, number], q: [number, number]): number => p[1] - q[1] || p[0] - q[0]
    expect(set.sort(order)).toEqual([...want.pixels].sort(order))
  })
}

describe('CoverageMap against brute-force cover counts', () => {
  it('random add/remove sequences keep uncoveredPixels, uncoveredFraction and isCovered exact', () => {
    const opsArbitrary = fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat()), { maxLength: 20 })
    fc.assert(
      fc.property(sceneArbitrary, opsArbitrary, (scene, ops) => {
        const coverage = new CoverageMap(scene.width, scene.height)
        const bitmaps = scene.masks.map((mask) => bitmapOf(scene, mask))
        const active: Uint8Array[] = []
        const activeIndex: number[] = []
        for (const [isAdd, pick, slot] of ops) {
          if (scene.masks.length === 0) break
          if (isAdd || active.length === 0) {
            const index = pick % scene.masks.length
            coverage.add(bitmaps[index]!)
            active.push(scene.masks[index]!)
            activeIndex.push(index)
          } else {
            const position = slot % active.length
            coverage.remove(bitmaps[activeIndex[position]!]!)
            active.splice(position, 1)
            activeIndex.splice(position, 1)
          }
          const uncovered = bruteUncovered(scene, active)
          const expectedCount = uncovered.filter(Boolean).length
          expect(coverage.uncoveredPixels).toBe(expectedCount)
          expect(coverage.uncoveredFraction).toBe(expectedCount / (scene.width * scene.height))
          for (let y = 0; y < scene.height; y++) {
            for (let x = 0; x < scene.width; x++) expect(coverage.isCovered(x + 0.5, y)).toBe(!uncovered[y * scene.width + x])
          }
        }
      }),
      RUNS,
    )
  })

  it('remove∘add is the identity (same counts, same gaps)', () => {
    fc.assert(
      fc.property(sceneArbitrary, pixelsArbitrary(16, 16), (scene, extraSource) => {
        const coverage = coverageOf(
          scene.masks.map((mask) => bitmapOf(scene, mask)),
          scene.width,
          scene.height,
        )
        const extra = bitmapFromFull(
          Uint8Array.from({ length: scene.width * scene.height }, (_, i) => extraSource[i]!),
          scene.width,
          scene.height,
        )
        const before = { uncovered: coverage.uncoveredPixels, gaps: coverage.gaps(1) }
        coverage.add(extra)
        coverage.add(extra)
        coverage.remove(extra)
        coverage.remove(extra)
        expect(coverage.uncoveredPixels).toBe(before.uncovered)
        expect(coverage.gaps(1)).toEqual(before.gaps)
        // The counts went back to their old values, not merely to "covered": removing every mask uncovers everything.
        for (const mask of scene.masks) coverage.remove(bitmapOf(scene, mask))
        expect(coverage.uncoveredPixels).toBe(scene.width * scene.height)
        if (extra.area > 0) expect(() => coverage.remove(extra)).toThrow(RangeError)
      }),
      RUNS,
    )
  })

  it('gaps equal a brute-force 8-connected flood fill: count, areas, bboxes, centroids, pixels, minArea filter and order', () => {
    fc.assert(
      fc.property(sceneArbitrary, fc.integer({ min: 0, max: 12 }), (scene, minArea) => {
        const coverage = coverageOf(
          scene.masks.map((mask) => bitmapOf(scene, mask)),
          scene.width,
          scene.height,
        )
        const uncovered = bruteUncovered(scene, scene.masks)
        expectRegionsMatch(coverage.gaps(minArea), bruteForceGaps(uncovered, scene.width, scene.height, 8, minArea))
      }),
      RUNS,
    )
  })

  it('gaps of sparse noise on larger images (many small regions, long runs of ties)', () => {
    const noisyArbitrary = fc
      .tuple(fc.integer({ min: 20, max: 48 }), fc.integer({ min: 20, max: 48 }), fc.integer({ min: 100, max: 200 }))
      .chain(([width, height, cut]) =>
        fc
          .uint8Array({ minLength: width * height, maxLength: width * height })
          .map((bytes) => ({ width, height, masks: [bytes.map((v) => (v < cut ? 1 : 0))] })),
      )
    fc.assert(
      fc.property(noisyArbitrary, fc.integer({ min: 0, max: 4 }), (scene, minArea) => {
        const coverage = coverageOf([bitmapOf(scene, scene.masks[0]!)], scene.width, scene.height)
        const uncovered = bruteUncovered(scene, scene.masks)
        expectRegionsMatch(coverage.gaps(minArea), bruteForceGaps(uncovered, scene.width, scene.height, 8, minArea))
      }),
      { numRuns: 60 },
    )
  })
})

describe('CoverageMap edge cases', () => {
  it('joins regions that touch only at a corner (8-connectivity), where 4-connectivity would see two', () => {
    for (const rows of [
      ['.##', '#.#', '###'],
      ['#.#', '.##', '###'],
    ]) {
      const { coverage } = coverageFromRows(rows)
      const uncovered = rows
        .join('')
        .split('')
        .map((char) => char === '.')
      expect(bruteForceGaps(uncovered, 3, 3, 4, 1)).toHaveLength(2)
      const gaps = coverage.gaps(1)
      expect(gaps).toHaveLength(1)
      expect(gaps[0]!.area).toBe(2)
      expect(gaps[0]!.bbox).toEqual([0, 0, 2, 2])
      expect(gaps[0]!.centroid).toEqual({ x: 1, y: 1 })
    }
  })

  it('a 1×1 image: uncovered, then covered, then uncovered again', () => {
    const coverage = new CoverageMap(1, 1)
    expect(coverage.uncoveredPixels).toBe(1)
    expect(coverage.uncoveredFraction).toBe(1)
    const [gap] = coverage.gaps(1)
    expect(gap!.bbox).toEqual([0, 0, 1, 1])
    expect(gap!.centroid).toEqual({ x: 0.5, y: 0.5 })
    expect(gap!.bitmap).toEqual({ x: 0, y: 0, width: 1, height: 1, pixels: Uint8Array.of(1), area: 1 })
    expect(coverage.gaps(2)).toEqual([])
    const pixel = bitmapFromFull(Uint8Array.of(1), 1, 1)
    coverage.add(pixel)
    expect(coverage.uncoveredPixels).toBe(0)
    expect(coverage.isCovered(0, 0)).toBe(true)
    expect(coverage.isCovered(0.999, 0.5)).toBe(true)
    // Points off the image are never covered.
    expect([coverage.isCovered(1, 0), coverage.isCovered(-0.5, 0), coverage.isCovered(0, 1), coverage.isCovered(Number.NaN, 0)]).toEqual([
      false,
      false,
      false,
      false,
    ])
    expect(coverage.gaps(0)).toEqual([])
    coverage.remove(pixel)
    expect(coverage.isCovered(0, 0)).toBe(false)
    expect(coverage.uncoveredFraction).toBe(1)
  })

  it('an image of no pixels has fraction 0 and no gaps', () => {
    const coverage = new CoverageMap(0, 0)
    expect(coverage.uncoveredPixels).toBe(0)
    expect(coverage.uncoveredFraction).toBe(0)
    expect(coverage.gaps(0)).toEqual([])
    expect(new CoverageMap(5, 0).uncoveredFraction).toBe(0)
  })

  it('masks touching every border leave one inner gap; a gap on the border keeps its pixels', () => {
    const ring = coverageFromRows(['#####', '#...#', '#####'])
    expect(ring.coverage.uncoveredPixels).toBe(3)
    expect(ring.coverage.gaps(1).map((g) => [g.area, g.bbox])).toEqual([[3, [1, 1, 3, 1]]])
    const corners = coverageFromRows(['.###.', '#####', '.###.'])
    expect(corners.coverage.gaps(1).map((g) => g.bbox)).toEqual([
      [0, 0, 1, 1],
      [4, 0, 1, 1],
      [0, 2, 1, 1],
      [4, 2, 1, 1],
    ])
  })

  it('orders equal areas by top-most bbox, then left-most bbox (not by first pixel)', () => {
    const topFirst = coverageFromRows(['###..', '#####', '..###'])
    expect(topFirst.coverage.gaps(1).map((g) => g.bbox)).toEqual([
      [3, 0, 2, 1],
      [0, 2, 2, 1],
    ])
    // Both regions have 10 pixels and start on row 0. The right one starts later in raster order (at x 4) but
    // wraps under the left one to x 0, so its bbox is the left-most.
    const wrapped = coverageFromRows(['#..#.', '#..#.', '#..#.', '#..#.', '#..#.', '####.', '....#'])
    const gaps = wrapped.coverage.gaps(1)
    expect(gaps.map((g) => [g.area, g.bbox])).toEqual([
      [10, [0, 0, 5, 7]],
      [10, [1, 0, 2, 5]],
    ])
  })

  it('minArea keeps regions of exactly minArea pixels and drops smaller ones', () => {
    const { coverage } = coverageFromRows(['..#.', '####', '...#'])
    expect(coverage.gaps(0).map((g) => g.area)).toEqual([3, 2, 1])
    expect(coverage.gaps(2).map((g) => g.area)).toEqual([3, 2])
    expect(coverage.gaps(3).map((g) => g.area)).toEqual([3])
    expect(coverage.gaps(4)).toEqual([])
    expect(() => coverage.gaps(Number.NaN)).toThrow(RangeError)
  })

  it('remove of a mask that is not there throws and changes nothing, even when some of its pixels are covered', () => {
    const coverage = new CoverageMap(4, 2)
    const left = bitmapFromFull(Uint8Array.of(1, 1, 0, 0, 1, 1, 0, 0), 4, 2)
    const all = bitmapFromFull(new Uint8Array(8).fill(1), 4, 2)
    coverage.add(left)
    expect(() => coverage.remove(all)).toThrow(RangeError)
    expect(coverage.uncoveredPixels).toBe(4)
    expect([0, 1, 2, 3].map((x) => coverage.isCovered(x, 0))).toEqual([true, true, false, false])
    coverage.remove(left)
    expect(coverage.uncoveredPixels).toBe(8)
  })

  it('counts covers beyond 255 and 65535 without saturating', () => {
    const coverage = new CoverageMap(1, 1)
    const pixel = bitmapFromFull(Uint8Array.of(1), 1, 1)
    for (let i = 0; i < 70_000; i++) coverage.add(pixel)
    for (let i = 0; i < 69_999; i++) coverage.remove(pixel)
    expect(coverage.isCovered(0, 0)).toBe(true)
    coverage.remove(pixel)
    expect(coverage.isCovered(0, 0)).toBe(false)
  })

  it('refuses bitmaps that do not fit the image and sizes that are not integers', () => {
    const coverage = new CoverageMap(3, 3)
    const bitmap = bitmapFromFull(Uint8Array.of(1, 1, 1, 1), 2, 2)
    expect(() => coverage.add({ ...bitmap, x: 2 })).toThrow(RangeError)
    expect(() => coverage.add({ ...bitmap, y: -1 })).toThrow(RangeError)
    expect(() => coverage.add({ ...bitmap, width: 3 })).toThrow(RangeError)
    expect(coverage.uncoveredPixels).toBe(9)
    expect(() => new CoverageMap(2.5, 3)).toThrow(RangeError)
    expect(() => new CoverageMap(-1, 3)).toThrow(RangeError)
  })
})

/** The automatic mask generator's own grid (numpy linspace), as [u, v] in grid order. */
function amgGrid(n: number): [number, number][] {
  return buildPointGrid(n).map((point): [number, number] => [point.x, point.y])
}

describe('gridPointsInRegions', () => {
  it('returns exactly the grid points inside the regions, in grid order, then one fallback per region without any', () => {
    fc.assert(
      fc.property(sceneArbitrary, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 4 }), (scene, n, minArea) => {
        const { width, height } = scene
        const coverage = coverageOf(
          scene.masks.map((mask) => bitmapOf(scene, mask)),
          width,
          height,
        )
        const regions = coverage.gaps(minArea)
        const result = gridPointsInRegions(regions, width, height, n)
        // Brute force: every grid point, tested against the regions' pixels through the full uncovered map.
        const inRegion = new Int32Array(width * height).fill(-1)
        regions.forEach((region, k) => {
          for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (bitmapHas(region.bitmap, x, y)) inRegion[y * width + x] = k
        })
        const expectedGrid: [number, number][] = []
        const regionHasPoint = regions.map(() => false)
        const grid = amgGrid(n)
        expect(grid).toHaveLength(n * n)
        grid.forEach(([u, v], index) => {
          // The formula SAM's grid implements: ((i + 0.5)/n, (j + 0.5)/n), row-major with y outer.
          expect(u).toBeCloseTo(((index % n) + 0.5) / n, 12)
          expect(v).toBeCloseTo((Math.floor(index / n) + 0.5) / n, 12)
          const k = inRegion[Math.floor(v * height) * width + Math.floor(u * width)]!
          if (k < 0) return
          expectedGrid.push([u, v])
          regionHasPoint[k] = true
        })
        const gridCount = expectedGrid.length
        expect(result.normalised.length).toBe(gridCount + regionHasPoint.filter((has) => !has).length)
        expect(result.pixels.length).toBe(result.normalised.length)
        // Bit for bit the generator's grid points.
        expect(result.normalised.slice(0, gridCount)).toEqual(expectedGrid)
        result.pixels.forEach(([x, y], k) => {
          const [u, v] = result.normalised[k]!
          // Grid points are scaled as SAM scales them; fallback pixel centres are divided down.
          if (k < gridCount) expect([x, y]).toEqual([u * width, v * height])
          else expect([u, v]).toEqual([x / width, y / height])
          expect(inRegion[Math.floor(y) * width + Math.floor(x)]).toBeGreaterThanOrEqual(0)
        })
        // Fallbacks: pixel centres of the regions without grid points, nearest to each one's centroid, in order.
        const withoutPoints = regions.filter((_, k) => !regionHasPoint[k])
        result.pixels.slice(gridCount).forEach(([x, y], k) => {
          const region = withoutPoints[k]!
          expect(x % 1).toBe(0.5)
          expect(y % 1).toBe(0.5)
          expect(bitmapHas(region.bitmap, x, y)).toBe(true)
          let nearest = Infinity
          for (let py = 0; py < height; py++) {
            for (let px = 0; px < width; px++) {
              if (bitmapHas(region.bitmap, px, py))
                nearest = Math.min(nearest, Math.hypot(px + 0.5 - region.centroid.x, py + 0.5 - region.centroid.y))
            }
          }
          expect(Math.hypot(x - region.centroid.x, y - region.centroid.y)).toBeCloseTo(nearest, 9)
        })
      }),
      RUNS,
    )
  })

  it('uses numpy linspace values: n = 2 gives 0.25 and 0.75; n = 1 gives the centre', () => {
    const { coverage } = coverageFromRows(['....', '....', '....', '....'])
    const gaps = coverage.gaps(1)
    expect(gridPointsInRegions(gaps, 4, 4, 2).normalised).toEqual([
      [0.25, 0.25],
      [0.75, 0.25],
      [0.25, 0.75],
      [0.75, 0.75],
    ])
    expect(gridPointsInRegions(gaps, 4, 4, 2).pixels).toEqual([
      [1, 1],
      [3, 1],
      [1, 3],
      [3, 3],
    ])
    expect(gridPointsInRegions(gaps, 4, 4, 1)).toEqual({ pixels: [[2, 2]], normalised: [[0.5, 0.5]] })
  })

  it('gives a small gap between grid points its pixel nearest the centroid; a gap holding grid points gets none', () => {
    // 8×8, n = 2: grid pixels (2, 2), (6, 2), (2, 6), (6, 6). Gap A (pixel 4,4) misses them; gap B holds (6, 6).
    const rows = ['########', '########', '########', '########', '####.###', '########', '######..', '######..']
    const { coverage } = coverageFromRows(rows)
    const gaps = coverage.gaps(1)
    expect(gaps.map((g) => g.area)).toEqual([4, 1])
    const points = gridPointsInRegions(gaps, 8, 8, 2)
    expect(points.pixels).toEqual([
      [6, 6],
      [4.5, 4.5],
    ])
    expect(points.normalised).toEqual([
      [0.75, 0.75],
      [4.5 / 8, 4.5 / 8],
    ])
  })

  it('a C-shaped gap whose centroid lies outside it falls back to its pixel nearest the centroid', () => {
    const rows = ['.....', '.####', '.####', '.####', '.....']
    const { coverage } = coverageFromRows(rows)
    const gaps = coverage.gaps(1)
    expect(gaps).toHaveLength(1)
    // 13 pixels: column 0 and the top and bottom rows. Centroid (26.5/13, 2.5) ≈ (2.04, 2.5) is on a covered pixel,
    // as is the only grid point (2.5, 2.5); the nearest gap pixel centre is (0.5, 2.5), 1.54 away.
    expect(gaps[0]!.centroid.x).toBeCloseTo(26.5 / 13, 12)
    expect(gaps[0]!.centroid.y).toBe(2.5)
    expect(bitmapHas(gaps[0]!.bitmap, gaps[0]!.centroid.x, gaps[0]!.centroid.y)).toBe(false)
    expect(gridPointsInRegions(gaps, 5, 5, 1)).toEqual({ pixels: [[0.5, 2.5]], normalised: [[0.1, 0.5]] })
  })

  it('no regions, no points; bad sizes throw', () => {
    expect(gridPointsInRegions([], 10, 10, 32)).toEqual({ pixels: [], normalised: [] })
    expect(() => gridPointsInRegions([], 10, 10, 0)).toThrow(RangeError)
    expect(() => gridPointsInRegions([], 10, 10, 1.5)).toThrow(RangeError)
  })
})

const sa1bFile = sharedFixture('sa1b/sa_226381.json', 'coverage on SA-1B')

describe.skipIf(sa1bFile === null)('coverage of the real SA-1B masks of sa_226381.json (2000×1500)', () => {
  it('uncovered pixels equal the image minus the RLE union; the gaps tile exactly the uncovered pixels', () => {
    const data = JSON.parse(readFileSync(sa1bFile!, 'utf8')) as { annotations: { segmentation: CompressedRle }[] }
    const rles = data.annotations.map((annotation) => decompressRle(annotation.segmentation))
    const bitmaps = rles.map(bitmapFromRle)
    const coverage = coverageOf(bitmaps, 2000, 1500)
    const uncovered = 2000 * 1500 - rleArea(rleMerge(rles))
    expect(uncovered).toBeGreaterThan(0)
    expect(coverage.uncoveredPixels).toBe(uncovered)
    const gaps = coverage.gaps(0)
    expect(gaps.reduce((sum, gap) => sum + gap.area, 0)).toBe(uncovered)
    for (const gap of gaps) for (const bitmap of bitmaps) expect(bitmapIntersection(gap.bitmap, bitmap)).toBe(0)
    for (const bitmap of bitmaps) coverage.remove(bitmap)
    expect(coverage.uncoveredPixels).toBe(2000 * 1500)
  })
})
