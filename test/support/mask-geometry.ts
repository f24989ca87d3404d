/** Small pixel computations tests use to check masks against ground truth (brute force on purpose). */

/** Mean (x, y) of the set pixels of a row-major mask, in pixel-index units; null when empty. */
export function maskCentroid(mask: Uint8Array, width: number): { x: number; y: number } | null {
  let sumX = 0
  let sumY = 0
  let count = 0
  for (let index = 0; index < mask.length; index++) {
    if (!mask[index]) continue
    sumX += index % width
    sumY += Math.floor(index / width)
    count++
  }
  return count === 0 ? null : { x: sumX / count, y: sumY / count }
}

/** Intersection over union of two equally sized masks (0 when both are empty). */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0
  let union = 0
  for (let index = 0; index < a.length; index++) {
    if (a[index] && b[index]) intersection++
    if (a[index] || b[index]) union++
  }
  return union === 0 ? 0 : intersection / union
}
