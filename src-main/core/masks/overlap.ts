/**
 * Possible duplicate masks: pairs whose mask IoU is above a threshold.
 *
 * Pairs are pruned before any pixel is read: crops that do not overlap are never compared (a sweep over the masks
 * sorted by x), and neither are pairs whose IoU cannot exceed the threshold even if the smaller mask lay wholly
 * inside the larger one and the crops' overlap: IoU ≤ m / (areaA + areaB − m) with m = min(areaA, areaB, overlap
 * box area). Only the survivors pay for a pixel walk, over their crops' overlap alone.
 *
 * Pure code: no Electron, no Node-only APIs, no DOM (runs in the backend and in the renderer).
 */
import { bitmapIntersection } from './bitmap'
import type { MaskBitmap } from './bitmap'

export interface OverlapCandidate {
  id: number
  bitmap: MaskBitmap
}

/** A pair of masks with a.id < b.id and their mask IoU. */
export interface OverlapPair {
  a: number
  b: number
  iou: number
}

function checkThreshold(threshold: number, what: string): void {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`${what}: threshold must lie in [0, 1], got ${threshold}`)
}

/** The pair's IoU if it is strictly above `threshold`, else -1 (also for empty masks and disjoint crops). */
function iouAbove(a: MaskBitmap, b: MaskBitmap, threshold: number): number {
  if (a.area === 0 || b.area === 0) return -1
  const overlapWidth = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  if (overlapWidth <= 0) return -1
  const overlapHeight = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  if (overlapHeight <= 0) return -1
  const largestIntersection = Math.min(a.area, b.area, overlapWidth * overlapHeight)
  // The IoU grows with the intersection and division rounds monotonically, so this bound holds in floating point.
  if (!(largestIntersection / (a.area + b.area - largestIntersection) > threshold)) return -1
  const intersection = bitmapIntersection(a, b)
  if (intersection === 0) return -1
  const iou = intersection / (a.area + b.area - intersection)
  return iou > threshold ? iou : -1
}

function pair(idA: number, idB: number, iou: number): OverlapPair {
  return idA < idB ? { a: idA, b: idB, iou } : { a: idB, b: idA, iou }
}

function byIouThenIds(p: OverlapPair, q: OverlapPair): number {
  return q.iou - p.iou || p.a - q.a || p.b - q.b
}

/**
 * Every pair (a.id < b.id in the output) whose IoU is strictly above `threshold` (in [0, 1], else `RangeError`);
 * bbox pre-filter so it is far below O(n²·pixels) in practice; sorted by IoU descending then ids.
 * Ids must be distinct (`RangeError` otherwise). Empty masks pair with nothing.
 */
export function findOverlaps(masks: readonly OverlapCandidate[], threshold: number): OverlapPair[] {
  checkThreshold(threshold, 'findOverlaps')
  const ids = new Set<number>()
  for (const mask of masks) {
    if (ids.has(mask.id)) throw new RangeError(`findOverlaps: id ${mask.id} appears more than once`)
    ids.add(mask.id)
  }
  const sorted = masks.filter((mask) => mask.bitmap.area > 0).sort((p, q) => p.bitmap.x - q.bitmap.x)
  const pairs: OverlapPair[] = []
  for (let i = 0; i < sorted.length; i++) {
    const first = sorted[i]!
    const right = first.bitmap.x + first.bitmap.width
    // Later masks start at or right of `first`; once one starts past its right edge, all the rest do too.
    for (let j = i + 1; j < sorted.length && sorted[j]!.bitmap.x < right; j++) {
      const second = sorted[j]!
      const iou = iouAbove(first.bitmap, second.bitmap, threshold)
      if (iou >= 0) pairs.push(pair(first.id, second.id, iou))
    }
  }
  return pairs.sort(byIouThenIds)
}

/**
 * The pairs involving one mask (for a freshly accepted or created mask), in the same form and order as
 * `findOverlaps`. Entries of `others` with the mask's own id are skipped, so `others` may include the mask itself.
 */
export function overlapsWith(mask: OverlapCandidate, others: readonly OverlapCandidate[], threshold: number): OverlapPair[] {
  checkThreshold(threshold, 'overlapsWith')
  const pairs: OverlapPair[] = []
  for (const other of others) {
    if (other.id === mask.id) continue
    const iou = iouAbove(mask.bitmap, other.bitmap, threshold)
    if (iou >= 0) pairs.push(pair(mask.id, other.id, iou))
  }
  return pairs.sort(byIouThenIds)
}
