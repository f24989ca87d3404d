/**
 * A synthetic RGB scene with known ground truth for segmentation tests: a red disk and a blue rectangle
 * on a textured grey background. Deterministic (integer hash noise, no Math.random).
 */
import type { RgbImage } from '../../../src-main/core/segmentation/sam-official/preprocess'

export interface Disk {
  readonly cx: number
  readonly cy: number
  readonly r: number
}
export interface Rect {
  readonly x0: number
  readonly y0: number
  readonly x1: number
  readonly y1: number
}

export interface SyntheticScene {
  readonly image: RgbImage
  readonly disk: Disk
  readonly rect: Rect
  /** Ground-truth masks, 1 inside, row-major. */
  readonly diskMask: Uint8Array
  readonly rectMask: Uint8Array
}

/** Small integer hash for deterministic texture noise in 0..255. */
function noise(x: number, y: number): number {
  let h = (Math.imul(x, 374761393) + Math.imul(y, 668265263)) | 0
  h = Math.imul(h ^ (h >>> 13), 1274126177)
  return (h ^ (h >>> 16)) & 255
}

export function inDisk(d: Disk, x: number, y: number): boolean {
  const dx = x + 0.5 - d.cx
  const dy = y + 0.5 - d.cy
  return dx * dx + dy * dy <= d.r * d.r
}

export function inRect(r: Rect, x: number, y: number): boolean {
  return x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1
}

/**
 * Default: 1500×1000 (W×H). Disk centre (450, 500), radius 250; rectangle x 850–1350, y 200–800.
 */
export function makeScene(width = 1500, height = 1000): SyntheticScene {
  const sx = width / 1500
  const sy = height / 1000
  const disk: Disk = { cx: 450 * sx, cy: 500 * sy, r: 250 * Math.min(sx, sy) }
  const rect: Rect = {
    x0: Math.round(850 * sx),
    y0: Math.round(200 * sy),
    x1: Math.round(1350 * sx),
    y1: Math.round(800 * sy),
  }
  const data = new Uint8Array(width * height * 3)
  const diskMask = new Uint8Array(width * height)
  const rectMask = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x
      const n = noise(x, y) - 128 // −128..127
      let r: number
      let g: number
      let b: number
      if (inDisk(disk, x, y)) {
        diskMask[i] = 1
        r = 215 + (n >> 4)
        g = 40 + (n >> 4)
        b = 35 + (n >> 4)
      } else if (inRect(rect, x, y)) {
        rectMask[i] = 1
        r = 30 + (n >> 4)
        g = 60 + (n >> 4)
        b = 200 + (n >> 4)
      } else {
        // Grey with stripes and noise: a textured background.
        const stripe = ((x >> 4) + (y >> 5)) % 2 === 0 ? 10 : -10
        const v = 128 + stripe + (n >> 3)
        r = v
        g = v + 4
        b = v - 4
      }
      data[i * 3] = r
      data[i * 3 + 1] = g
      data[i * 3 + 2] = b
    }
  }
  return { image: { data, width, height }, disk, rect, diskMask, rectMask }
}

export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0
  let union = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x && y) inter++
    if (x || y) union++
  }
  return union === 0 ? 0 : inter / union
}

export function maskArea(a: Uint8Array): number {
  let n = 0
  for (let i = 0; i < a.length; i++) n += a[i] as number
  return n
}

/** True when every pixel of `inner` is also in `outer`. */
export function isSubset(inner: Uint8Array, outer: Uint8Array): boolean {
  for (let i = 0; i < inner.length; i++) if (inner[i] && !outer[i]) return false
  return true
}
