/**
 * How much of an image no accepted mask covers: per-pixel cover counts kept incrementally as masks are accepted
 * and removed, the uncovered gaps as 8-connected regions, and SAM's point grid restricted to those gaps for
 * re-seeding proposals there.
 *
 * Memory: 4 bytes per image pixel for the counts (6 MB for 1500×1000); `gaps` adds ~20 bytes per run of
 * uncovered pixels plus the gaps' own crops.
 *
 * Pure code: no Electron, no Node-only APIs, no DOM (runs in the backend and in the renderer).
 */
import { bitmapCentroid, bitmapHas, nearestSetPixel } from './bitmap'
import type { MaskBitmap } from './bitmap'

/** A connected region of uncovered pixels. */
export interface GapRegion {
  /** Number of pixels. */
  area: number
  /** COCO box: exclusive extents in image pixels. */
  bbox: [x: number, y: number, w: number, h: number]
  /** Mean of the region's pixel centres (i + 0.5, j + 0.5); may lie outside the region for concave shapes. */
  centroid: { x: number; y: number }
  /** The region's pixels. */
  bitmap: MaskBitmap
}

function checkImageSize(width: number, height: number, what: string): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`${what}: width and height must be non-negative integers, got ${width}×${height}`)
  }
}

/**
 * Per-pixel cover counts of one image. `add` and `remove` cost the bitmap's crop area; the uncovered count is kept
 * up to date as they go. Counts are uint32, so a pixel can carry 2^32 − 1 masks (no realistic limit).
 * Bitmaps must lie inside the image (`RangeError` otherwise).
 */
export class CoverageMap {
  readonly width: number
  readonly height: number
  /** Masks covering each pixel, row-major. */
  private readonly counts: Uint32Array
  private uncovered: number

  constructor(width: number, height: number) {
    checkImageSize(width, height, 'CoverageMap')
    this.width = width
    this.height = height
    this.counts = new Uint32Array(width * height)
    this.uncovered = width * height
  }

  /** Counts one more cover on every set pixel of `bitmap`. */
  add(bitmap: MaskBitmap): void {
    this.checkFits(bitmap, 'add')
    const { counts, width: imageWidth } = this
    const { pixels, width, height } = bitmap
    let newlyCovered = 0
    for (let row = 0; row < height; row++) {
      let from = row * width
      let to = (bitmap.y + row) * imageWidth + bitmap.x
      const end = from + width
      for (; from < end; from++, to++) {
        if (pixels[from] !== 0 && counts[to]!++ === 0) newlyCovered++
      }
    }
    this.uncovered -= newlyCovered
  }

  /**
   * Exact inverse of `add`. Throws `RangeError`, changing nothing, if some pixel of `bitmap` has no cover left
   * (the bitmap was not added, or was removed already).
   */
  remove(bitmap: MaskBitmap): void {
    this.checkFits(bitmap, 'remove')
    const { counts, width: imageWidth } = this
    const { pixels, width, height } = bitmap
    // Check everything first so that a refused removal leaves the counts untouched.
    for (let row = 0; row < height; row++) {
      let from = row * width
      let to = (bitmap.y + row) * imageWidth + bitmap.x
      const end = from + width
      for (; from < end; from++, to++) {
        if (pixels[from] !== 0 && counts[to] === 0) {
          throw new RangeError(
            `CoverageMap.remove: pixel (${bitmap.x + (from - row * width)}, ${bitmap.y + row}) is not covered; was this bitmap added?`,
          )
        }
      }
    }
    let newlyUncovered = 0
    for (let row = 0; row < height; row++) {
      let from = row * width
      let to = (bitmap.y + row) * imageWidth + bitmap.x
      const end = from + width
      for (; from < end; from++, to++) {
        if (pixels[from] !== 0 && --counts[to]! === 0) newlyUncovered++
      }
    }
    this.uncovered += newlyUncovered
  }

  /** Pixels that no mask covers. O(1). */
  get uncoveredPixels(): number {
    return this.uncovered
  }

  /** uncoveredPixels / (width·height); 0 for an image of no pixels. */
  get uncoveredFraction(): number {
    const total = this.width * this.height
    return total === 0 ? 0 : this.uncovered / total
  }

  /** Whether some mask covers the pixel holding image point (x, y) (floats allowed); false outside the image. */
  isCovered(x: number, y: number): boolean {
    const column = Math.floor(x)
    const row = Math.floor(y)
    if (!(column >= 0 && column < this.width && row >= 0 && row < this.height)) return false
    return this.counts[row * this.width + column] !== 0
  }

  /**
   * Connected uncovered regions with 8-connectivity of at least minArea pixels, largest first (ties: top-most,
   * then left-most bbox, then the region whose first pixel comes first in raster order).
   *
   * Run-based labelling: one pass over the counts finds each row's runs of uncovered pixels, runs touching a run
   * of the row above (overlapping or diagonal) are joined in a union-find over the run indices, then one pass
   * over the runs sums each region's statistics and a last pass fills the kept regions' crops.
   * Cost: one read per pixel plus near-linear work in the number of runs; no recursion.
   */
  gaps(minArea: number): GapRegion[] {
    if (Number.isNaN(minArea)) throw new RangeError('CoverageMap.gaps: minArea is NaN')
    const { width, height, counts } = this
    if (width === 0 || height === 0 || this.uncovered === 0) return []
    const runs = new RunList(Math.max(64, height * 2))
    let previousRowFirst = 0
    let previousRowEnd = 0
    for (let y = 0; y < height; y++) {
      const rowStart = y * width
      const rowFirst = runs.count
      let x = 0
      while (x < width) {
        while (x < width && counts[rowStart + x] !== 0) x++
        if (x === width) break
        const start = x
        while (x < width && counts[rowStart + x] === 0) x++
        runs.push(y, start, x)
      }
      const rowEnd = runs.count
      // Join each run with the runs above it that share a column or touch it diagonally:
      // [s, e) and [ps, pe) are 8-adjacent across rows iff ps <= e and pe >= s.
      let above = previousRowFirst
      for (let run = rowFirst; run < rowEnd; run++) {
        const start = runs.starts[run]!
        const end = runs.ends[run]!
        while (above < previousRowEnd && runs.ends[above]! < start) above++
        for (let candidate = above; candidate < previousRowEnd && runs.starts[candidate]! <= end; candidate++) {
          runs.union(run, candidate)
        }
      }
      previousRowFirst = rowFirst
      previousRowEnd = rowEnd
    }
    return runs.regions(minArea)
  }

  private checkFits(bitmap: MaskBitmap, what: string): void {
    if (bitmap.pixels.length !== bitmap.width * bitmap.height) {
      throw new RangeError(`CoverageMap.${what}: bitmap has ${bitmap.pixels.length} bytes but its crop is ${bitmap.width}×${bitmap.height}`)
    }
    if (bitmap.width === 0 || bitmap.height === 0) return
    if (bitmap.x < 0 || bitmap.y < 0 || bitmap.x + bitmap.width > this.width || bitmap.y + bitmap.height > this.height) {
      throw new RangeError(
        `CoverageMap.${what}: crop ${bitmap.width}×${bitmap.height} at (${bitmap.x}, ${bitmap.y}) does not fit the ${this.width}×${this.height} image`,
      )
    }
  }
}

/** Horizontal runs [start, end) of uncovered pixels in raster order, with a union-find over their indices. */
class RunList {
  count = 0
  rows: Int32Array
  starts: Int32Array
  ends: Int32Array
  /** Union-find parent; a root is always the smallest run index of its region, so roots come first in raster order. */
  parents: Int32Array

  constructor(capacity: number) {
    this.rows = new Int32Array(capacity)
    this.starts = new Int32Array(capacity)
    this.ends = new Int32Array(capacity)
    this.parents = new Int32Array(capacity)
  }

  push(row: number, start: number, end: number): void {
    if (this.count === this.rows.length) this.grow()
    const index = this.count++
    this.rows[index] = row
    this.starts[index] = start
    this.ends[index] = end
    this.parents[index] = index
  }

  find(run: number): number {
    const parents = this.parents
    while (parents[run] !== run) {
      const grandparent = parents[parents[run]!]!
      parents[run] = grandparent
      run = grandparent
    }
    return run
  }

  union(a: number, b: number): void {
    const rootA = this.find(a)
    const rootB = this.find(b)
    if (rootA < rootB) this.parents[rootB] = rootA
    else if (rootB < rootA) this.parents[rootA] = rootB
  }

  regions(minArea: number): GapRegion[] {
    const { count, rows, starts, ends } = this
    // Region index per run; regions are numbered in the raster order of their first run.
    const regionOf = new Int32Array(count)
    const stats: RegionStats[] = []
    for (let run = 0; run < count; run++) {
      const root = this.find(run)
      let region: number
      if (root === run) {
        region = stats.length
        stats.push({ index: region, area: 0, minX: Infinity, maxX: -1, minY: rows[run]!, maxY: 0, sumX: 0, sumY: 0 })
      } else {
        region = regionOf[root]!
      }
      regionOf[run] = region
      const s = stats[region]!
      const start = starts[run]!
      const end = ends[run]!
      const length = end - start
      const row = rows[run]!
      s.area += length
      if (start < s.minX) s.minX = start
      if (end - 1 > s.maxX) s.maxX = end - 1
      s.maxY = row
      // Sum of pixel centres (x + 0.5) for x in [start, end).
      s.sumX += (length * (start + end)) / 2
      s.sumY += length * (row + 0.5)
    }
    const kept = stats.filter((s) => s.area >= minArea)
    kept.sort((p, q) => q.area - p.area || p.minY - q.minY || p.minX - q.minX || p.index - q.index)
    const keptSlot = new Int32Array(stats.length).fill(-1)
    const results: GapRegion[] = kept.map((s, slot) => {
      keptSlot[s.index] = slot
      const width = s.maxX - s.minX + 1
      const height = s.maxY - s.minY + 1
      return {
        area: s.area,
        bbox: [s.minX, s.minY, width, height],
        centroid: { x: s.sumX / s.area, y: s.sumY / s.area },
        bitmap: { x: s.minX, y: s.minY, width, height, pixels: new Uint8Array(width * height), area: s.area },
      }
    })
    for (let run = 0; run < count; run++) {
      const slot = keptSlot[regionOf[run]!]!
      if (slot < 0) continue
      const bitmap = results[slot]!.bitmap
      const offset = (rows[run]! - bitmap.y) * bitmap.width - bitmap.x
      bitmap.pixels.fill(1, offset + starts[run]!, offset + ends[run]!)
    }
    return results
  }

  private grow(): void {
    const capacity = this.rows.length * 2
    const grow = (array: Int32Array): Int32Array => {
      const larger = new Int32Array(capacity)
      larger.set(array)
      return larger
    }
    this.rows = grow(this.rows)
    this.starts = grow(this.starts)
    this.ends = grow(this.ends)
    this.parents = grow(this.parents)
  }
}

interface RegionStats {
  /** Raster order of the region's first pixel. */
  index: number
  area: number
  minX: number
  maxX: number
  minY: number
  maxY: number
  sumX: number
  sumY: number
}

/** Convenience for the backend: coverage from a list of bitmaps. */
export function coverageOf(bitmaps: readonly MaskBitmap[], width: number, height: number): CoverageMap {
  const coverage = new CoverageMap(width, height)
  for (const bitmap of bitmaps) coverage.add(bitmap)
  return coverage
}

/**
 * SAM's `build_point_grid(n)` exactly as numpy computes it: n values `np.linspace(1/(2n), 1 − 1/(2n), n)`, i.e.
 * (i + 0.5)/n up to rounding (linspace steps from the start and pins the last value to the stop).
 */
function samGridValues(pointsPerSide: number): Float64Array {
  const offset = 1 / (2 * pointsPerSide)
  const stop = 1 - offset
  const values = new Float64Array(pointsPerSide)
  if (pointsPerSide === 1) {
    values[0] = offset
    return values
  }
  const step = (stop - offset) / (pointsPerSide - 1)
  for (let i = 0; i < pointsPerSide; i++) values[i] = i * step + offset
  values[pointsPerSide - 1] = stop
  return values
}

/**
 * SAM's point grid (build_point_grid: n×n points at ((i + 0.5)/n, (j + 0.5)/n) of the image, x scaled by width,
 * y by height) restricted to pixels inside the given regions; returns points in image pixels [x, y] and in
 * normalised [0,1] coordinates. Always returns at least one point per region (its pixel nearest the centroid, as a
 * pixel centre) so small gaps are not skipped.
 *
 * Order: the grid points first, in SAM's order (rows top to bottom, left to right within a row; each point once
 * even if regions overlap), then one point for each region that holds no grid point, in the order of `regions`.
 * Grid values follow numpy's linspace bit for bit, so they can differ from (i + 0.5)/n in the last bit.
 * Cost: the grid points inside each region's bbox plus one pass over the crop of each region that needs a fallback.
 */
export function gridPointsInRegions(
  regions: readonly GapRegion[],
  width: number,
  height: number,
  pointsPerSide: number,
): { pixels: [number, number][]; normalised: [number, number][] } {
  checkImageSize(width, height, 'gridPointsInRegions')
  if (!Number.isSafeInteger(pointsPerSide) || pointsPerSide < 1) {
    throw new RangeError(`gridPointsInRegions: pointsPerSide must be a positive integer, got ${pointsPerSide}`)
  }
  const n = pointsPerSide
  const values = samGridValues(n)
  const xs = values.map((value) => value * width)
  const ys = values.map((value) => value * height)
  const taken = new Uint8Array(n * n)
  const fallbacks: { pixel: [number, number] }[] = []
  for (const region of regions) {
    const bitmap = region.bitmap
    let holdsGridPoint = false
    if (bitmap.width > 0 && bitmap.height > 0) {
      // Grid indices whose coordinate falls in [crop start, crop end); values are increasing, so bound by search.
      const [i0, i1] = indexRange(xs, bitmap.x, bitmap.x + bitmap.width)
      const [j0, j1] = indexRange(ys, bitmap.y, bitmap.y + bitmap.height)
      for (let j = j0; j < j1; j++) {
        for (let i = i0; i < i1; i++) {
          if (bitmapHas(bitmap, xs[i]!, ys[j]!)) {
            taken[j * n + i] = 1
            holdsGridPoint = true
          }
        }
      }
    }
    if (holdsGridPoint) continue
    const centroid = bitmapCentroid(bitmap)
    if (centroid === null) continue
    const nearest = nearestSetPixel(bitmap, centroid.x, centroid.y)!
    fallbacks.push({ pixel: [nearest.x, nearest.y] })
  }
  const pixels: [number, number][] = []
  const normalised: [number, number][] = []
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      if (taken[j * n + i] === 0) continue
      pixels.push([xs[i]!, ys[j]!])
      normalised.push([values[i]!, values[j]!])
    }
  }
  for (const { pixel } of fallbacks) {
    pixels.push(pixel)
    normalised.push([pixel[0] / width, pixel[1] / height])
  }
  return { pixels, normalised }
}

/** [first, end) of the indices of increasing `values` whose floor lies in [low, high) (low and high integers). */
function indexRange(values: Float64Array, low: number, high: number): [number, number] {
  let first = 0
  while (first < values.length && values[first]! < low) first++
  let end = first
  while (end < values.length && values[end]! < high) end++
  return [first, end]
}
