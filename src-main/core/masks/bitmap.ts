/**
 * Masks cropped to their tight bounding box: the working form for per-pixel maths (IoU, union, coverage,
 * distances) that would otherwise walk whole images. A 1500×1000 image holds 1.5 M pixels; a typical mask's
 * crop holds a few thousand, so every operation here costs the crop area (or the crops' overlap), never h·w.
 *
 * Coordinates are image pixels; pixel (i, j) spans [i, i + 1) × [j, j + 1) and its centre is (i + 0.5, j + 0.5).
 * Crops are row-major (index = row·width + column), any nonzero byte is set, and the constructors here write 1.
 * `area` must equal the number of set pixels and the crop must be tight (every edge row and column holds a set
 * pixel); every function in this module that makes a bitmap guarantees both.
 *
 * Pure code: no Electron, no Node-only APIs, no DOM (runs in the backend and in the renderer).
 */
import { rleToBbox, validateRle } from './coco-rle'
import type { Rle } from './coco-rle'

/** A mask cropped to its tight bounding box, in image pixels. */
export interface MaskBitmap {
  /** Top-left of the crop in image pixels. */
  x: number
  y: number
  /** Crop size; 0×0 for an empty mask. */
  width: number
  height: number
  /** Row-major width·height bytes, 1 = inside, 0 = outside. */
  pixels: Uint8Array
  /** Number of set pixels. */
  area: number
}

function emptyBitmap(): MaskBitmap {
  return { x: 0, y: 0, width: 0, height: 0, pixels: new Uint8Array(0), area: 0 }
}

/**
 * Decodes a COCO RLE straight into its cropped bitmap: one pass over the counts for the box, one to fill the crop.
 * Never allocates height·width. Accepts non-canonical counts (zero-length runs) as `decodeMask` does and throws
 * `RleFormatError` for malformed RLEs.
 */
export function bitmapFromRle(rle: Rle): MaskBitmap {
  validateRle(rle)
  const [bx, by, width, height] = rleToBbox(rle)
  if (width === 0 || height === 0) return emptyBitmap()
  const imageHeight = rle.size[0]
  const counts = rle.counts
  const pixels = new Uint8Array(width * height)
  let area = 0
  /** Column-major index of the first pixel of the current run. */
  let runStart = 0
  for (let j = 0; j < counts.length; j++) {
    const run = counts[j]!
    if ((j & 1) === 1 && run > 0) {
      area += run
      let column = Math.floor(runStart / imageHeight)
      let row = runStart - column * imageHeight
      let remaining = run
      while (remaining > 0) {
        const rowsInColumn = Math.min(remaining, imageHeight - row)
        let index = (row - by) * width + (column - bx)
        for (let k = 0; k < rowsInColumn; k++) {
          pixels[index] = 1
          index += width
        }
        remaining -= rowsInColumn
        column++
        row = 0
      }
    }
    runStart += run
  }
  return { x: bx, y: by, width, height, pixels, area }
}

/** Crops a full ROW-MAJOR mask (index y·width + x, any nonzero byte set) to its tight box. One pass over the image. */
export function bitmapFromFull(pixels: Uint8Array, width: number, height: number): MaskBitmap {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`bitmapFromFull: width and height must be non-negative integers, got ${width}×${height}`)
  }
  if (pixels.length !== width * height) {
    throw new RangeError(`bitmapFromFull: ${pixels.length} bytes given but ${width}×${height} needs ${width * height}`)
  }
  let minX = width
  let maxX = -1
  let minY = -1
  let maxY = -1
  for (let y = 0; y < height; y++) {
    const rowStart = y * width
    let first = -1
    for (let x = 0; x < width; x++) {
      if (pixels[rowStart + x] !== 0) {
        first = x
        break
      }
    }
    if (first < 0) continue
    let last = width - 1
    while (pixels[rowStart + last] === 0) last--
    if (minY < 0) minY = y
    maxY = y
    if (first < minX) minX = first
    if (last > maxX) maxX = last
  }
  if (minY < 0) return emptyBitmap()
  const cropWidth = maxX - minX + 1
  const cropHeight = maxY - minY + 1
  const crop = new Uint8Array(cropWidth * cropHeight)
  let area = 0
  for (let row = 0; row < cropHeight; row++) {
    const source = (minY + row) * width + minX
    const target = row * cropWidth
    for (let column = 0; column < cropWidth; column++) {
      if (pixels[source + column] !== 0) {
        crop[target + column] = 1
        area++
      }
    }
  }
  return { x: minX, y: minY, width: cropWidth, height: cropHeight, pixels: crop, area }
}

/** Throws unless the bitmap's crop lies inside an image of the given size (an empty bitmap fits anywhere). */
function checkFits(bitmap: MaskBitmap, imageWidth: number, imageHeight: number, what: string): void {
  if (bitmap.pixels.length !== bitmap.width * bitmap.height) {
    throw new RangeError(`${what}: bitmap has ${bitmap.pixels.length} bytes but its crop is ${bitmap.width}×${bitmap.height}`)
  }
  if (bitmap.width === 0 || bitmap.height === 0) return
  if (bitmap.x < 0 || bitmap.y < 0 || bitmap.x + bitmap.width > imageWidth || bitmap.y + bitmap.height > imageHeight) {
    throw new RangeError(
      `${what}: crop ${bitmap.width}×${bitmap.height} at (${bitmap.x}, ${bitmap.y}) does not fit a ${imageWidth}×${imageHeight} image`,
    )
  }
}

/**
 * Column-major COCO runs of the bitmap placed in an image of the given size; equal to `encodeMask` of the full
 * mask (canonical counts, starting with a zero-run; an image of 0 pixels gives [0]). Cost: the crop area plus the
 * number of runs. Throws `RangeError` when the crop does not fit the image.
 */
export function bitmapToRle(bitmap: MaskBitmap, imageHeight: number, imageWidth: number): Rle {
  if (!Number.isSafeInteger(imageWidth) || !Number.isSafeInteger(imageHeight) || imageWidth < 0 || imageHeight < 0) {
    throw new RangeError(`bitmapToRle: image size must be non-negative integers, got ${imageWidth}×${imageHeight}`)
  }
  checkFits(bitmap, imageWidth, imageHeight, 'bitmapToRle')
  const pixelCount = imageWidth * imageHeight
  const { x: bx, y: by, width, height, pixels } = bitmap
  let counts = new Uint32Array(16)
  let count = 0
  /** Column-major index where the current run began, and the value of that run. */
  let runStart = 0
  let value = 0
  const startRun = (position: number): void => {
    if (count === counts.length) {
      const larger = new Uint32Array(counts.length * 2)
      larger.set(counts)
      counts = larger
    }
    counts[count++] = position - runStart
    runStart = position
    value ^= 1
  }
  for (let column = 0; column < width; column++) {
    const columnStart = (bx + column) * imageHeight + by
    for (let row = 0; row < height; row++) {
      if ((pixels[row * width + column] !== 0 ? 1 : 0) !== value) startRun(columnStart + row)
    }
    // Pixels after the crop in column order (below it, or above it in the next column) are clear.
    const afterCrop = columnStart + height
    if (value === 1 && afterCrop < pixelCount && (height < imageHeight || column === width - 1)) startRun(afterCrop)
  }
  startRun(pixelCount)
  return { size: [imageHeight, imageWidth], counts: counts.slice(0, count) }
}

/** Whether image point (x, y) lies in a set pixel (floats allowed: pixel i spans [i, i + 1)); false outside the crop. */
export function bitmapHas(bitmap: MaskBitmap, x: number, y: number): boolean {
  const column = Math.floor(x) - bitmap.x
  const row = Math.floor(y) - bitmap.y
  // Negated comparisons so that NaN is outside too.
  if (!(column >= 0 && column < bitmap.width && row >= 0 && row < bitmap.height)) return false
  return bitmap.pixels[row * bitmap.width + column] !== 0
}

/** Number of pixels set in both; walks only the intersection of the two crops. */
export function bitmapIntersection(a: MaskBitmap, b: MaskBitmap): number {
  const x0 = Math.max(a.x, b.x)
  const x1 = Math.min(a.x + a.width, b.x + b.width)
  const y0 = Math.max(a.y, b.y)
  const y1 = Math.min(a.y + a.height, b.y + b.height)
  if (x0 >= x1 || y0 >= y1) return 0
  const columns = x1 - x0
  const pa = a.pixels
  const pb = b.pixels
  let intersection = 0
  for (let y = y0; y < y1; y++) {
    let ia = (y - a.y) * a.width + (x0 - a.x)
    let ib = (y - b.y) * b.width + (x0 - b.x)
    const end = ia + columns
    for (; ia < end; ia++, ib++) if (pa[ia] !== 0 && pb[ib] !== 0) intersection++
  }
  return intersection
}

/** Intersection over union; 0 when both are empty (and whenever they share no pixel). */
export function bitmapIou(a: MaskBitmap, b: MaskBitmap): number {
  const intersection = bitmapIntersection(a, b)
  if (intersection === 0) return 0
  return intersection / (a.area + b.area - intersection)
}

/** Pixelwise OR as a new tight bitmap (a fresh copy even when one side is empty). Cost: the union box's area. */
export function bitmapUnion(a: MaskBitmap, b: MaskBitmap): MaskBitmap {
  const aEmpty = a.width === 0 || a.height === 0
  const bEmpty = b.width === 0 || b.height === 0
  if (aEmpty && bEmpty) return emptyBitmap()
  if (aEmpty || bEmpty) {
    const only = aEmpty ? b : a
    return { x: only.x, y: only.y, width: only.width, height: only.height, pixels: only.pixels.slice(), area: only.area }
  }
  const x0 = Math.min(a.x, b.x)
  const y0 = Math.min(a.y, b.y)
  const width = Math.max(a.x + a.width, b.x + b.width) - x0
  const height = Math.max(a.y + a.height, b.y + b.height) - y0
  const pixels = new Uint8Array(width * height)
  let area = 0
  for (const source of [a, b]) {
    const sourcePixels = source.pixels
    for (let row = 0; row < source.height; row++) {
      let from = row * source.width
      let to = (source.y - y0 + row) * width + (source.x - x0)
      const end = from + source.width
      for (; from < end; from++, to++) {
        if (sourcePixels[from] !== 0 && pixels[to] === 0) {
          pixels[to] = 1
          area++
        }
      }
    }
  }
  return { x: x0, y: y0, width, height, pixels, area }
}

/** Mean of the set pixels' centres (i + 0.5, j + 0.5) in image pixels; null for an empty mask. */
export function bitmapCentroid(bitmap: MaskBitmap): { x: number; y: number } | null {
  const { width, height, pixels } = bitmap
  let count = 0
  let sumColumn = 0
  let sumRow = 0
  for (let row = 0; row < height; row++) {
    const rowStart = row * width
    let rowCount = 0
    for (let column = 0; column < width; column++) {
      if (pixels[rowStart + column] !== 0) {
        rowCount++
        sumColumn += column
      }
    }
    count += rowCount
    sumRow += rowCount * row
  }
  if (count === 0) return null
  return { x: bitmap.x + sumColumn / count + 0.5, y: bitmap.y + sumRow / count + 0.5 }
}

/**
 * The set pixel whose centre is nearest to (x, y), as that centre, with the distance; null for an empty mask.
 * Ties go to the first such pixel in raster order. Rows farther than the best distance found so far are skipped.
 */
export function nearestSetPixel(bitmap: MaskBitmap, x: number, y: number): { x: number; y: number; distance: number } | null {
  const { width, height, pixels } = bitmap
  let bestSquared = Infinity
  let bestColumn = -1
  let bestRow = -1
  for (let row = 0; row < height; row++) {
    const dy = bitmap.y + row + 0.5 - y
    const dySquared = dy * dy
    if (!(dySquared <= bestSquared)) continue
    const rowStart = row * width
    for (let column = 0; column < width; column++) {
      if (pixels[rowStart + column] === 0) continue
      const dx = bitmap.x + column + 0.5 - x
      const squared = dx * dx + dySquared
      if (squared < bestSquared) {
        bestSquared = squared
        bestColumn = column
        bestRow = row
      }
    }
  }
  if (bestColumn < 0) return null
  return { x: bitmap.x + bestColumn + 0.5, y: bitmap.y + bestRow + 0.5, distance: Math.sqrt(bestSquared) }
}

/**
 * Where a prompt point sits relative to its mask: inside?, distance in pixels from the point to the centroid,
 * and to the nearest mask pixel centre (0 when inside). Both distances are null for an empty mask.
 * Cost: one pass over the crop.
 */
export function describePoint(
  bitmap: MaskBitmap,
  x: number,
  y: number,
): { inside: boolean; centroidDistance: number | null; edgeDistance: number | null } {
  const inside = bitmapHas(bitmap, x, y)
  const centroid = bitmapCentroid(bitmap)
  if (centroid === null) return { inside, centroidDistance: null, edgeDistance: null }
  const centroidDistance = Math.hypot(x - centroid.x, y - centroid.y)
  if (inside) return { inside, centroidDistance, edgeDistance: 0 }
  return { inside, centroidDistance, edgeDistance: nearestSetPixel(bitmap, x, y)!.distance }
}
