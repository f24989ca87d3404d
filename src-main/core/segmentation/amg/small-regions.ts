/**
 * Small-region cleanup of the automatic mask generator (segment-anything `remove_small_regions` and
 * `SamAutomaticMaskGenerator.postprocess_small_regions`), with OpenCV's 8-connectivity
 * (`cv2.connectedComponentsWithStats(mask, 8)`). Pure code.
 *
 * Components are labelled on the RLE's runs rather than on pixels: the runs are split at column ends,
 * and two runs in neighbouring columns are 8-connected when their row ranges overlap or touch diagonally
 * (8-connectivity is symmetric under transposition, so column runs work as row runs do). Cost is
 * proportional to the number of runs (width + mask boundary), not to the image's pixels.
 *
 * Reference semantics reproduced:
 * - holes: the components of ¬mask with area < A (including background that touches the border) join the
 *   mask; islands: only components with area ≥ A stay, or the largest one alone if none qualifies;
 * - a step reports "changed" whenever it found a component with area < A, even when that leaves the pixels
 *   as they were (one island smaller than A is kept as the largest, yet counts as changed);
 * - the largest-island fallback takes the first largest in OpenCV's label order. OpenCV's block-based
 *   labelling (Spaghetti/BBDT, 2×2 blocks, two rows at a time) numbers components by their first 2×2 block in
 *   raster order, so ties go to the component with the smallest (y >> 1, x >> 1) over its pixels.
 */
import { maskBboxInclusive } from '../../masks'
import type { BoxXyxy, Rle } from '../../masks'
import { nms } from './nms'
import type { MaskProposal } from './batch-filter'

export type SmallRegionMode = 'holes' | 'islands'

/** The runs of an RLE split at column ends, in column-major order. */
interface ColumnRuns {
  readonly count: number
  readonly column: Int32Array
  /** First row of the run. */
  readonly start: Int32Array
  /** Row after the last row of the run. */
  readonly end: Int32Array
  readonly value: Uint8Array
  /** Index of the first run of each column; columnFirst[width] = count. */
  readonly columnFirst: Int32Array
}

function columnRuns(rle: Rle): ColumnRuns {
  const [height, width] = rle.size
  let capacity = Math.max(16, width * 2 + rle.counts.length)
  let column = new Int32Array(capacity)
  let start = new Int32Array(capacity)
  let end = new Int32Array(capacity)
  let value = new Uint8Array(capacity)
  const columnFirst = new Int32Array(width + 1)
  let count = 0
  let position = 0
  let v = 0
  for (let j = 0; j < rle.counts.length; j++, v ^= 1) {
    let remaining = rle.counts[j]!
    while (remaining > 0) {
      const x = Math.floor(position / height)
      const y = position - x * height
      const piece = Math.min(remaining, height - y)
      if (count === capacity) {
        capacity *= 2
        column = grow(column, capacity)
        start = grow(start, capacity)
        end = grow(end, capacity)
        const larger = new Uint8Array(capacity)
        larger.set(value)
        value = larger
      }
      if (y === 0) columnFirst[x] = count
      column[count] = x
      start[count] = y
      end[count] = y + piece
      value[count] = v
      count++
      position += piece
      remaining -= piece
    }
  }
  columnFirst[width] = count
  return { count, column, start, end, value, columnFirst }
}

function grow(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(capacity)
  larger.set(array)
  return larger
}

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    const grandparent = parent[parent[i]!]!
    parent[i] = grandparent
    i = grandparent
  }
  return i
}

interface Components {
  /** Root run of each run of the target value (−1 for runs of the other value). */
  readonly rootOf: Int32Array
  /** Root runs in OpenCV label order (label k + 1 = roots[k]). */
  readonly roots: number[]
  /** Area per root run (indexed by run). */
  readonly area: Float64Array
}

/** 8-connected components of the runs whose value is `target`. */
function labelComponents(runs: ColumnRuns, target: number, width: number): Components {
  const { count, start, end, value, column, columnFirst } = runs
  const parent = Int32Array.from({ length: count }, (_, i) => i)
  for (let x = 1; x < width; x++) {
    let i = columnFirst[x - 1]!
    const iEnd = columnFirst[x]!
    let j = iEnd
    const jEnd = columnFirst[x + 1]!
    for (;;) {
      while (i < iEnd && value[i] !== target) i++
      while (j < jEnd && value[j] !== target) j++
      if (i >= iEnd || j >= jEnd) break
      // Rows [start, end) of the left run against the right run widened by one row each way.
      const leftLast = end[i]! - 1
      const rightFirst = start[j]! - 1
      const rightLast = end[j]!
      if (Math.max(start[i]!, rightFirst) <= Math.min(leftLast, rightLast)) {
        const a = find(parent, i)
        const b = find(parent, j)
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
      }
      if (leftLast < rightLast) i++
      else j++
    }
  }
  const rootOf = new Int32Array(count).fill(-1)
  const area = new Float64Array(count)
  const firstBlock = new Float64Array(count).fill(Infinity)
  const blocksPerRow = Math.ceil(width / 2)
  const roots: number[] = []
  for (let r = 0; r < count; r++) {
    if (value[r] !== target) continue
    const root = find(parent, r)
    rootOf[r] = root
    if (root === r) roots.push(r)
    area[root] = area[root]! + (end[r]! - start[r]!)
    const block = (start[r]! >> 1) * blocksPerRow + (column[r]! >> 1)
    if (block < firstBlock[root]!) firstBlock[root] = block
  }
  roots.sort((a, b) => firstBlock[a]! - firstBlock[b]!)
  return { rootOf, roots, area }
}

/** Rebuilds counts from the runs with new values, joining neighbours of equal value. */
function rebuild(runs: ColumnRuns, size: [number, number], newValue: (run: number) => number): Rle {
  const counts: number[] = []
  let current = 0
  let currentValue = 0
  for (let r = 0; r < runs.count; r++) {
    const v = newValue(r)
    const length = runs.end[r]! - runs.start[r]!
    if (v === currentValue) current += length
    else {
      counts.push(current)
      current = length
      currentValue = v
    }
  }
  counts.push(current)
  return { size: [size[0], size[1]], counts: Uint32Array.from(counts) }
}

/**
 * `remove_small_regions(mask, areaThreshold, mode)` on an RLE. Returns the same RLE object when nothing is
 * below the threshold (changed = false), else a new one (changed = true, see the file comment).
 */
export function removeSmallRegions(rle: Rle, areaThreshold: number, mode: SmallRegionMode): { rle: Rle; changed: boolean } {
  const [height, width] = rle.size
  if (height === 0 || width === 0) return { rle, changed: false }
  const runs = columnRuns(rle)
  const holes = mode === 'holes'
  const { rootOf, roots, area } = labelComponents(runs, holes ? 0 : 1, width)
  const small = roots.filter((root) => area[root]! < areaThreshold)
  if (small.length === 0) return { rle, changed: false }
  const size: [number, number] = [height, width]
  if (holes) {
    const fill = new Set(small)
    return { rle: rebuild(runs, size, (r) => (runs.value[r] === 1 || fill.has(rootOf[r]!) ? 1 : 0)), changed: true }
  }
  let keep = roots.filter((root) => area[root]! >= areaThreshold)
  if (keep.length === 0) {
    // np.argmax: the first largest in label order.
    let largest = roots[0]!
    for (const root of roots) if (area[root]! > area[largest]!) largest = root
    keep = [largest]
  }
  const kept = new Set(keep)
  return { rle: rebuild(runs, size, (r) => (runs.value[r] === 1 && kept.has(rootOf[r]!) ? 1 : 0)), changed: true }
}

/**
 * `postprocess_small_regions`: holes then islands on every mask; a mask scores 1 if neither step changed it,
 * else 0; boxes are recomputed from the new masks; NMS at `nmsThreshold` (the generator passes
 * max(box NMS, crop NMS)) with those scores; kept masks that changed take their new RLE and box; the result
 * is in NMS order.
 */
export function postprocessSmallRegions(proposals: readonly MaskProposal[], minArea: number, nmsThreshold: number): MaskProposal[] {
  if (proposals.length === 0) return []
  const cleaned = proposals.map((proposal) => {
    const holes = removeSmallRegions(proposal.rle, minArea, 'holes')
    const islands = removeSmallRegions(holes.rle, minArea, 'islands')
    return { rle: islands.rle, unchanged: !holes.changed && !islands.changed }
  })
  const boxes: BoxXyxy[] = cleaned.map((c) => maskBboxInclusive(c.rle))
  const keep = nms(
    boxes,
    cleaned.map((c) => (c.unchanged ? 1 : 0)),
    nmsThreshold,
  )
  return keep.map((i) => {
    const proposal = proposals[i]!
    const clean = cleaned[i]!
    return clean.unchanged ? proposal : { ...proposal, rle: clean.rle, box: boxes[i]! }
  })
}
