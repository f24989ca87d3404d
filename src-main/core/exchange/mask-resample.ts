/**
 * Nearest-neighbour resampling of masks between frames (annotation size ↔ original size, or an
 * annotation file made at another size), done on the runs without decoding the mask.
 *
 * The rule (pixel centres): target pixel (X, Y) of a W×H mask takes source pixel
 *   x = floor((X + ½)·w / W),  y = floor((Y + ½)·h / H)
 * of the w×h source, in exact integer arithmetic (floor((2X + 1)·w / 2W)). It is the same for up-
 * and downscaling, equals decoding, resizing with that mapping and re-encoding with pycocotools
 * (the tests check it pixel by pixel), and maps a mask onto itself when the sizes are equal.
 * Points scale continuously (x·W/w); boxes scale their corners and round to whole pixels.
 *
 * Cost: O(runs + W) time and memory; no h×w buffer.
 */
import type { BboxXywh, Rle } from '../masks'

/** Smallest target index T ≥ 0 whose source index floor((2T + 1)·from / (2·to)) is ≥ a (clamped to `to`). */
function firstTargetIndex(a: number, from: number, to: number): number {
  // (2T + 1)·from ≥ 2·a·to  ⇔  T ≥ (2·a·to − from) / (2·from)
  const numerator = 2 * a * to - from
  if (numerator <= 0) return 0
  const denominator = 2 * from
  let t = Math.ceil(numerator / denominator)
  while (t * denominator < numerator) t++
  while (t > 0 && (t - 1) * denominator >= numerator) t--
  return Math.min(t, to)
}

/** Source index of target index t: floor((2t + 1)·from / (2·to)). */
function sourceIndex(t: number, from: number, to: number): number {
  return Math.floor(((2 * t + 1) * from) / (2 * to))
}

/** Resamples a well-formed RLE to height×width with the nearest-neighbour rule above; canonical counts out. */
export function resampleRleNearest(rle: Rle, height: number, width: number): Rle {
  const [h, w] = rle.size
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 0 || width < 0) {
    throw new RangeError(`resampleRleNearest: bad target size ${height}×${width}`)
  }
  const total = height * width
  if (h === 0 || w === 0 || total === 0) return { size: [height, width], counts: Uint32Array.of(total) }
  if (h === height && w === width) return { size: [height, width], counts: Uint32Array.from(rle.counts) }

  // 1-intervals [y0, y1) of each source column, flattened: columnStart[x]..columnStart[x + 1] index into ys.
  const starts: number[] = []
  const ends: number[] = []
  const columnOf: number[] = []
  let position = 0
  for (let j = 0; j < rle.counts.length; j++) {
    const run = rle.counts[j] as number
    if ((j & 1) === 1 && run > 0) {
      let p = position
      const end = position + run
      while (p < end) {
        const x = Math.floor(p / h)
        const y0 = p - x * h
        const y1 = Math.min(h, y0 + (end - p))
        starts.push(y0)
        ends.push(y1)
        columnOf.push(x)
        p += y1 - y0
      }
    }
    position += run
  }
  const columnStart = new Uint32Array(w + 1)
  for (const x of columnOf) columnStart[x + 1]!++
  for (let x = 0; x < w; x++) columnStart[x + 1]! += columnStart[x] as number

  const counts: number[] = []
  let cursor = 0
  for (let tx = 0; tx < width; tx++) {
    const sx = sourceIndex(tx, w, width)
    const base = tx * height
    for (let i = columnStart[sx] as number; i < (columnStart[sx + 1] as number); i++) {
      const ty0 = firstTargetIndex(starts[i] as number, h, height)
      const ty1 = firstTargetIndex(ends[i] as number, h, height)
      if (ty1 <= ty0) continue
      const start = base + ty0
      const end = base + ty1
      if (counts.length > 0 && start === cursor) counts[counts.length - 1] = (counts[counts.length - 1] as number) + (end - start)
      else counts.push(start - cursor, end - start)
      cursor = end
    }
  }
  if (counts.length === 0 || cursor < total) counts.push(total - cursor)
  return { size: [height, width], counts: Uint32Array.from(counts) }
}

/** Scales points from a w×h frame to a W×H frame (continuous coordinates: x·W/w). */
export function scalePoints(
  points: readonly (readonly number[])[],
  from: { width: number; height: number },
  to: { width: number; height: number },
): [number, number][] {
  if (from.width === to.width && from.height === to.height) return points.map((point) => [point[0] as number, point[1] as number])
  const sx = to.width / from.width
  const sy = to.height / from.height
  return points.map((point) => [(point[0] as number) * sx, (point[1] as number) * sy])
}

/** Scales an XYWH box's corners from one frame to another and rounds them to whole pixels. */
export function scaleBox(box: BboxXywh, from: { width: number; height: number }, to: { width: number; height: number }): BboxXywh {
  if (from.width === to.width && from.height === to.height) return [box[0], box[1], box[2], box[3]]
  const sx = to.width / from.width
  const sy = to.height / from.height
  const x0 = Math.round(box[0] * sx)
  const y0 = Math.round(box[1] * sy)
  const x1 = Math.round((box[0] + box[2]) * sx)
  const y1 = Math.round((box[1] + box[3]) * sy)
  return [x0, y0, x1 - x0, y1 - y0]
}
