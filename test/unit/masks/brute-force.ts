/**
 * Pixel-by-pixel reference implementations used to check the RLE codec. Deliberately naive: every function
 * walks the row-major mask (index y·width + x, nonzero = set) directly and shares no code with the codec.
 */
import type { BboxXywh } from '../../../src-main/core/masks/box'

export interface PixelMask {
  height: number
  width: number
  pixels: Uint8Array
}

/** Builds a mask from rows of '0'/'1' characters, top row first. */
export function maskFromRows(rows: string[]): PixelMask {
  const height = rows.length
  const width = rows[0]?.length ?? 0
  const pixels = new Uint8Array(height * width)
  rows.forEach((row, y) => {
    if (row.length !== width) throw new Error(`row ${y} has ${row.length} columns, expected ${width}`)
    for (let x = 0; x < width; x++) pixels[y * width + x] = row[x] === '1' ? 1 : 0
  })
  return { height, width, pixels }
}

/** Column-major run lengths starting with a zero-run, built from the list of pixel values in column order. */
export function bruteForceCounts(mask: PixelMask): number[] {
  const columnOrder: number[] = []
  for (let x = 0; x < mask.width; x++) {
    for (let y = 0; y < mask.height; y++) columnOrder.push(mask.pixels[y * mask.width + x] !== 0 ? 1 : 0)
  }
  const counts: number[] = []
  let current = 0
  let run = 0
  for (const value of columnOrder) {
    if (value !== current) {
      counts.push(run)
      run = 0
      current = value
    }
    run++
  }
  counts.push(run)
  return counts
}

export function bruteForceArea(mask: PixelMask): number {
  return mask.pixels.reduce((sum, value) => sum + (value !== 0 ? 1 : 0), 0)
}

/** Exclusive-extent box of the set pixels, [0, 0, 0, 0] when none are set (COCO convention). */
export function bruteForceBbox(mask: PixelMask): BboxXywh {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.pixels[y * mask.width + x] === 0) continue
      minX = Math.min(minX, x)
      minY = Math.min(minY, y)
      maxX = Math.max(maxX, x)
      maxY = Math.max(maxY, y)
    }
  }
  if (minX === Infinity) return [0, 0, 0, 0]
  return [minX, minY, maxX - minX + 1, maxY - minY + 1]
}

/** Pixelwise OR (or AND) of same-sized masks, as 0/1 bytes. */
export function bruteForceCombine(masks: PixelMask[], intersect: boolean): PixelMask {
  const first = masks[0]
  if (!first) throw new Error('need at least one mask')
  const pixels = new Uint8Array(first.pixels.length)
  for (let i = 0; i < pixels.length; i++) {
    const values = masks.map((mask) => mask.pixels[i] !== 0)
    pixels[i] = (intersect ? values.every(Boolean) : values.some(Boolean)) ? 1 : 0
  }
  return { height: first.height, width: first.width, pixels }
}

/** |dt ∩ gt| / |dt ∪ gt| (or / |dt| for crowd gt); 0 when they share no pixel. Same-sized masks only. */
export function bruteForceIou(dt: PixelMask, gt: PixelMask, gtIsCrowd: boolean): number {
  let intersection = 0
  let union = 0
  let dtArea = 0
  for (let i = 0; i < dt.pixels.length; i++) {
    const inDt = dt.pixels[i] !== 0
    const inGt = gt.pixels[i] !== 0
    if (inDt) dtArea++
    if (inDt && inGt) intersection++
    if (inDt || inGt) union++
  }
  if (intersection === 0) return 0
  return intersection / (gtIsCrowd ? dtArea : union)
}
