/**
 * COCO polygons → RLE exactly as pycocotools' rleFrPoly (maskApi.c): the boundary is walked at 5×
 * resolution, its y-crossings are downsampled to pixel columns and turned into runs. Polygon parts of
 * one annotation are united (pycocotools frPyObjects + merge), so COCO polygon annotations import
 * with the same pixels training code would see.
 */
import { RleFormatError, rleMerge, type Rle } from './coco-rle'

/** pycocotools upsamples the boundary by this factor before rasterising. */
const POLY_SCALE = 5

/** One polygon [x0, y0, x1, y1, …] in pixel coordinates → RLE of an h×w mask. */
export function rleFromPolygon(xy: readonly number[], height: number, width: number): Rle {
  if (xy.length % 2 !== 0 || xy.length < 4)
    throw new RleFormatError(`a polygon needs an even number (≥ 4) of coordinates, got ${xy.length}`)
  for (const value of xy) if (!Number.isFinite(value)) throw new RleFormatError('a polygon coordinate is not a finite number')
  const k = xy.length / 2
  const xs = new Int32Array(k + 1)
  const ys = new Int32Array(k + 1)
  // C's (int) cast truncates toward zero.
  for (let j = 0; j < k; j++) {
    xs[j] = Math.trunc(POLY_SCALE * (xy[2 * j] as number) + 0.5)
    ys[j] = Math.trunc(POLY_SCALE * (xy[2 * j + 1] as number) + 0.5)
  }
  xs[k] = xs[0] as number
  ys[k] = ys[0] as number
  let total = 0
  for (let j = 0; j < k; j++)
    total += Math.max(Math.abs((xs[j] as number) - (xs[j + 1] as number)), Math.abs((ys[j] as number) - (ys[j + 1] as number))) + 1
  const u = new Int32Array(total)
  const v = new Int32Array(total)
  let m = 0
  for (let j = 0; j < k; j++) {
    let x0 = xs[j] as number
    let x1 = xs[j + 1] as number
    let y0 = ys[j] as number
    let y1 = ys[j + 1] as number
    const dx = Math.abs(x1 - x0)
    const dy = Math.abs(y0 - y1)
    const flip = (dx >= dy && x0 > x1) || (dx < dy && y0 > y1)
    if (flip) {
      ;[x0, x1] = [x1, x0]
      ;[y0, y1] = [y1, y0]
    }
    const slope = dx >= dy ? (y1 - y0) / dx : (x1 - x0) / dy
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d
        u[m] = t + x0
        v[m] = Math.trunc(y0 + slope * t + 0.5)
        m++
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d
        v[m] = t + y0
        u[m] = Math.trunc(x0 + slope * t + 0.5)
        m++
      }
    }
  }
  // Points where the boundary crosses a pixel column, downsampled.
  const starts: number[] = []
  for (let j = 1; j < m; j++) {
    const uj = u[j] as number
    const up = u[j - 1] as number
    if (uj === up) continue
    let xd = uj < up ? uj : uj - 1
    xd = (xd + 0.5) / POLY_SCALE - 0.5
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue
    const vj = v[j] as number
    const vp = v[j - 1] as number
    let yd = vj < vp ? vj : vp
    yd = (yd + 0.5) / POLY_SCALE - 0.5
    if (yd < 0) yd = 0
    else if (yd > height) yd = height
    yd = Math.ceil(yd)
    starts.push(xd * height + yd)
  }
  starts.push(height * width)
  starts.sort((a, b) => a - b)
  const deltas: number[] = []
  let previous = 0
  for (const value of starts) {
    deltas.push(value - previous)
    previous = value
  }
  // Zero-length runs merge their neighbours, as the C code does.
  const counts: number[] = [deltas[0] as number]
  for (let j = 1; j < deltas.length;) {
    if ((deltas[j] as number) > 0) counts.push(deltas[j++] as number)
    else {
      j++
      if (j < deltas.length) counts[counts.length - 1] = (counts[counts.length - 1] as number) + (deltas[j++] as number)
    }
  }
  return { size: [height, width], counts: Uint32Array.from(counts) }
}

/** A COCO polygon segmentation (one or more parts) → one RLE, the union of the parts. */
export function rleFromPolygons(polygons: readonly (readonly number[])[], height: number, width: number): Rle {
  if (polygons.length === 0) throw new RleFormatError('a polygon segmentation has no polygons')
  const parts = polygons.map((polygon) => rleFromPolygon(polygon, height, width))
  return parts.length === 1 ? (parts[0] as Rle) : rleMerge(parts)
}
