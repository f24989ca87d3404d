/**
 * Small builders for the generator's tests: masks from text rows, disk logits, and a fake MaskSource whose
 * candidates are known disks.
 */
import { seededRandom } from '../../../../src-main/core/demo/seeded-random'
import type { AmgLogitCandidate, CropBox, MaskSource, PixelPoint } from '../../../../src-main/core/segmentation/amg'
import type { ImageSize } from '../../../../src-main/core/segmentation/variants/types'

/** Row-major 0/1 mask from rows of '#' (set) and '.' (clear). */
export function maskFromRows(rows: readonly string[]): { mask: Uint8Array; width: number; height: number } {
  const height = rows.length
  const width = rows[0]?.length ?? 0
  const mask = new Uint8Array(width * height)
  rows.forEach((row, y) => {
    if (row.length !== width) throw new Error(`row ${y} has ${row.length} characters, expected ${width}`)
    for (let x = 0; x < width; x++) mask[y * width + x] = row[x] === '#' ? 1 : 0
  })
  return { mask, width, height }
}

export function rowsFromMask(mask: Uint8Array, width: number, height: number): string[] {
  const rows: string[] = []
  for (let y = 0; y < height; y++) {
    let row = ''
    for (let x = 0; x < width; x++) row += mask[y * width + x] ? '#' : '.'
    rows.push(row)
  }
  return rows
}

export interface Disk {
  readonly cx: number
  readonly cy: number
  readonly r: number
}

/** Logit of a disk at the centre of pixel (x, y): `gain` per pixel of signed distance to the rim, clipped to ±clip. */
export function diskLogit(disk: Disk, x: number, y: number, gain = 2, clip = 20): number {
  const d = Math.hypot(x + 0.5 - disk.cx, y + 0.5 - disk.cy)
  return Math.max(-clip, Math.min(clip, (disk.r - d) * gain))
}

/** Row-major image-frame mask of a disk (logit > 0). */
export function diskMask(disk: Disk, size: ImageSize): Uint8Array {
  const mask = new Uint8Array(size.width * size.height)
  for (let y = 0; y < size.height; y++) for (let x = 0; x < size.width; x++) mask[y * size.width + x] = diskLogit(disk, x, y) > 0 ? 1 : 0
  return mask
}

export function contains(disk: Disk, p: PixelPoint): boolean {
  return Math.hypot(p.x - disk.cx, p.y - disk.cy) < disk.r
}

/** A candidate whose logits are `logit(x, y)` over a crop (image coordinates passed to `logit`). */
export function candidateFrom(
  cropBox: CropBox,
  predictedIou: number,
  logit: (x: number, y: number) => number,
  withMask = false,
): AmgLogitCandidate {
  const width = cropBox[2] - cropBox[0]
  const height = cropBox[3] - cropBox[1]
  const logits = new Float32Array(width * height)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) logits[y * width + x] = logit(x + cropBox[0], y + cropBox[1])
  if (!withMask) return { width, height, logits, predictedIou }
  const mask = new Uint8Array(width * height)
  let above = 0
  let aboveLow = 0
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!
    mask[i] = v > 0 ? 1 : 0
    if (v > 1) above++
    if (v > -1) aboveLow++
  }
  return { width, height, logits, predictedIou, mask, stabilityScore: above / aboveLow }
}

export interface FakeSourceLog {
  readonly encoded: CropBox[]
  readonly released: CropBox[]
  /** Points of each predictPoints call, in crop pixels. */
  readonly calls: { cropBox: CropBox; points: PixelPoint[]; cropSize: ImageSize }[]
}

/**
 * A source over a scene of disks. A point inside disk k gets three candidates: the disk itself (predicted IoU
 * `ious[k]`), the disk grown by 6 px (IoU 0.9) and a token that fails the IoU filter (0.5). A point on the
 * background gets three flat, unstable candidates (logits in (−1, 1), IoU 0.95).
 */
export function diskSource(disks: readonly Disk[], ious: readonly number[], options: { maxPointsPerCall?: number } = {}) {
  const log: FakeSourceLog = { encoded: [], released: [], calls: [] }
  const source: MaskSource<CropBox> & { log: FakeSourceLog } = {
    log,
    ...(options.maxPointsPerCall !== undefined ? { maxPointsPerCall: options.maxPointsPerCall } : {}),
    encodeCrop(cropBox) {
      log.encoded.push(cropBox)
      return Promise.resolve(cropBox)
    },
    predictPoints(cropBox, points, cropSize) {
      log.calls.push({ cropBox, points: [...points], cropSize })
      return Promise.resolve(
        points.map((p) => {
          const image = { x: p.x + cropBox[0], y: p.y + cropBox[1] }
          const k = disks.findIndex((d) => contains(d, image))
          if (k < 0) {
            return [0, 1, 2].map((t) => candidateFrom(cropBox, 0.95, (x, y) => 0.9 * Math.sin((x + y + t) / 7)))
          }
          const disk = disks[k]!
          const grown = { ...disk, r: disk.r + 6 }
          return [
            candidateFrom(cropBox, ious[k]!, (x, y) => diskLogit(disk, x, y)),
            candidateFrom(cropBox, 0.9, (x, y) => diskLogit(grown, x, y)),
            candidateFrom(cropBox, 0.5, (x, y) => diskLogit(disk, x, y)),
          ]
        }),
      )
    },
    releaseCrop(cropBox) {
      log.released.push(cropBox)
    },
  }
  return source
}

/** Random integers in [0, n). */
export function randomInts(seed: number): (n: number) => number {
  const random = seededRandom(seed)
  return (n) => Math.floor(random() * n)
}
