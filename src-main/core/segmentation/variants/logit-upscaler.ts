/**
 * Fast upscaling of 256×256 low-resolution logits to the output frame, fused with thresholding, for the
 * decoders that return low-res logits only (EdgeSAM, SAM 2). Bilinear throughout with align_corners=False
 * and no antialias (PyTorch `F.interpolate(mode='bilinear')` = ONNX Resize linear/half_pixel):
 *
 * - `crop` given (SAM's `postprocess_masks`): 256 → 1024, crop to the resized image h′×w′, → H×W;
 * - `crop` null (SAM 2's `postprocess_masks`): 256 → H×W in one step.
 *
 * A plan precomputes taps for one output size; running it costs, per output row, one pass over ≤4 low-res
 * rows (256 wide), a 256→1024 pass along x for the two-step form, then one multiply-add per output pixel
 * (runs of output pixels share their two source samples). Rows are built in small scratch buffers and
 * copied out with `set`, which V8 runs much faster than strided writes into the big output arrays.
 * The composed vertical taps use doubles, so values can differ from PyTorch's two float32 passes by ~1e-6.
 */
import type { ImageSize } from './types'
import type { Resample2d } from '../../masks/kernels/mask-kernels'
import { COMPOSED_TAP_COUNT, composedUpscaleTaps, linearTaps } from '../sam-official/postprocess'

export const LOW_RES_SIZE = 256
const MID_SIZE = 1024

/** Runs of consecutive outputs sharing the source index i0 (taps are monotone), plus float32 weights. */
interface RunTaps {
  /** For source index j, outputs [runStart[j], runStart[j+1]) interpolate between j and j+1. */
  readonly runStart: Int32Array
  readonly weight: Float32Array
}

function runTaps(inSize: number, outSize: number): RunTaps {
  const t = linearTaps(inSize, outSize)
  const runStart = new Int32Array(inSize + 1)
  let o = 0
  for (let j = 0; j < inSize; j++) {
    runStart[j] = o
    while (o < outSize && t.i0[o] === j) o++
  }
  runStart[inSize] = outSize
  // Clamped upper neighbours (i1 = i0 at the last index) are handled by padding the source row by one copy.
  return { runStart, weight: Float32Array.from(t.w1) }
}

/** Up to 4 consecutive low-res rows and weights per output row (the composition of the vertical steps). */
interface RowTaps {
  readonly start: Int32Array
  /** Taps actually used per row (trailing zero weights dropped). */
  readonly count: Int32Array
  readonly weights: Float64Array
}

const MAX_ROW_TAPS = COMPOSED_TAP_COUNT

function composedRowTaps(outSize: number, crop: number | null): RowTaps {
  const { start, weights } = composedUpscaleTaps(crop, outSize)
  const count = new Int32Array(outSize)
  for (let o = 0; o < outSize; o++) {
    let n = MAX_ROW_TAPS
    while (n > 1 && weights[o * MAX_ROW_TAPS + n - 1] === 0) n--
    count[o] = n
  }
  return { start, count, weights }
}

export interface UpscalePlanOptions {
  readonly out: ImageSize
  /** The resized image inside the padded 1024² square (SAM's two-step upscale), or null for one step. */
  readonly crop: ImageSize | null
}

export interface UpscalePlan {
  readonly width: number
  readonly height: number
  /**
   * Upscales the 256×256 plane at `low[lowOffset…]` into `logits[outOffset…]` (width×height floats) and
   * writes `mask[outOffset…] = logit > 0`.
   */
  run(low: Float32Array, lowOffset: number, logits: Float32Array, mask: Uint8Array, outOffset: number): void
}

export function createUpscalePlan({ out, crop }: UpscalePlanOptions): UpscalePlan {
  const { width, height } = out
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new RangeError(`output size must be positive integers, got ${width}×${height}`)
  }
  if (crop && (crop.width < 1 || crop.height < 1 || crop.width > MID_SIZE || crop.height > MID_SIZE)) {
    throw new RangeError(`crop ${crop.width}×${crop.height} must fit in 1024×1024`)
  }
  const rows = composedRowTaps(height, crop ? crop.height : null)
  const toMid = crop ? runTaps(LOW_RES_SIZE, MID_SIZE) : null
  const toOut = runTaps(crop ? crop.width : LOW_RES_SIZE, width)
  const srcWidth = crop ? crop.width : LOW_RES_SIZE

  // Scratch rows, reused by every call (one plan per worker and size; never shared between threads).
  const low = new Float32Array(LOW_RES_SIZE + 1)
  const mid = new Float32Array(MID_SIZE + 1)
  const rowOut = new Float32Array(width + 3)
  // Mask bytes are packed four to a 32-bit store (little-endian: byte 0 = first pixel).
  const words = Math.ceil(width / 4)
  const maskWords = new Uint32Array(words)
  const maskRow = new Uint8Array(maskWords.buffer, 0, width)
  const midStart = toMid?.runStart ?? new Int32Array(0)
  const midWeight = toMid?.weight ?? new Float32Array(0)
  const outStart = toOut.runStart
  const outWeight = toOut.weight
  const rowStart = rows.start
  const rowCount = rows.count
  const rowWeights = rows.weights

  return {
    width,
    height,
    run(src, lowOffset, logits, mask, outOffset) {
      if (src.length < lowOffset + LOW_RES_SIZE * LOW_RES_SIZE) throw new RangeError('low-res plane out of bounds')
      if (logits.length < outOffset + width * height || mask.length < outOffset + width * height) {
        throw new RangeError('output arrays are too small for the plan')
      }
      for (let y = 0; y < height; y++) {
        // Vertical: ≤4 low-res rows, 256 wide.
        const n = rowCount[y] as number
        const wOff = y * MAX_ROW_TAPS
        const base0 = lowOffset + (rowStart[y] as number) * LOW_RES_SIZE
        const w0 = rowWeights[wOff] as number
        for (let x = 0; x < LOW_RES_SIZE; x++) low[x] = w0 * (src[base0 + x] as number)
        for (let k = 1; k < n; k++) {
          const w = rowWeights[wOff + k] as number
          const base = base0 + k * LOW_RES_SIZE
          for (let x = 0; x < LOW_RES_SIZE; x++) low[x] = (low[x] as number) + w * (src[base + x] as number)
        }
        low[LOW_RES_SIZE] = low[LOW_RES_SIZE - 1] as number
        // Horizontal: along runs of outputs that share their two source samples.
        let row = low
        if (toMid) {
          for (let j = 0; j < LOW_RES_SIZE; j++) {
            const a = low[j] as number
            const d = (low[j + 1] as number) - a
            const end = midStart[j + 1] as number
            for (let x = midStart[j] as number; x < end; x++) mid[x] = a + d * (midWeight[x] as number)
          }
          mid[srcWidth] = mid[srcWidth - 1] as number
          row = mid
        }
        for (let j = 0; j < srcWidth; j++) {
          const a = row[j] as number
          const d = (row[j + 1] as number) - a
          const end = outStart[j + 1] as number
          for (let x = outStart[j] as number; x < end; x++) rowOut[x] = a + d * (outWeight[x] as number)
        }
        for (let k = 0, x = 0; k < words; k++, x += 4) {
          maskWords[k] =
            ((rowOut[x] as number) > 0 ? 1 : 0) |
            ((rowOut[x + 1] as number) > 0 ? 0x100 : 0) |
            ((rowOut[x + 2] as number) > 0 ? 0x10000 : 0) |
            ((rowOut[x + 3] as number) > 0 ? 0x1000000 : 0)
        }
        const o = outOffset + y * width
        logits.set(rowOut.subarray(0, width), o)
        mask.set(maskRow, o)
      }
    },
  }
}

/**
 * mask[dstOffset + i] = src[srcOffset + i] > 0 for i < n. Writes four mask bytes per 32-bit store where the
 * destination is aligned (about twice as fast as byte stores).
 */
export function thresholdInto(src: Float32Array, srcOffset: number, n: number, dst: Uint8Array, dstOffset: number): void {
  thresholdAndCountInto(src, srcOffset, n, dst, dstOffset, 1)
}

/**
 * thresholdInto plus SAM's stability counts in the same pass over the logits (the pass is memory-bound,
 * so the counts cost little here and a whole second pass elsewhere): returns #(v > t + offset) and
 * #(v > t − offset) with t = 0.
 */
export function thresholdAndCountInto(
  src: Float32Array,
  srcOffset: number,
  n: number,
  dst: Uint8Array,
  dstOffset: number,
  offset: number,
): { above: number; aboveLow: number } {
  const hi = offset
  const lo = -offset
  let above = 0
  let aboveLow = 0
  let i = 0
  while (i < n && (dst.byteOffset + dstOffset + i) % 4 !== 0) {
    const v = src[srcOffset + i] as number
    dst[dstOffset + i] = v > 0 ? 1 : 0
    above += (v > hi) as unknown as number
    aboveLow += (v > lo) as unknown as number
    i++
  }
  const words = (n - i) >> 2
  if (words > 0) {
    const d32 = new Uint32Array(dst.buffer, dst.byteOffset + dstOffset + i, words)
    let j = srcOffset + i
    for (let k = 0; k < words; k++, j += 4) {
      const a = src[j] as number
      const b = src[j + 1] as number
      const c = src[j + 2] as number
      const d = src[j + 3] as number
      d32[k] = (a > 0 ? 1 : 0) | (b > 0 ? 0x100 : 0) | (c > 0 ? 0x10000 : 0) | (d > 0 ? 0x1000000 : 0)
      above +=
        ((a > hi) as unknown as number) +
        ((b > hi) as unknown as number) +
        ((c > hi) as unknown as number) +
        ((d > hi) as unknown as number)
      aboveLow +=
        ((a > lo) as unknown as number) +
        ((b > lo) as unknown as number) +
        ((c > lo) as unknown as number) +
        ((d > lo) as unknown as number)
    }
    i += words * 4
  }
  for (; i < n; i++) {
    const v = src[srcOffset + i] as number
    dst[dstOffset + i] = v > 0 ? 1 : 0
    above += (v > hi) as unknown as number
    aboveLow += (v > lo) as unknown as number
  }
  return { above, aboveLow }
}

/** Key of one upscale: output size and crop (or one step). */
const upscaleKey = (options: UpscalePlanOptions): string =>
  `${options.out.width}x${options.out.height}/${options.crop ? `${options.crop.width}x${options.crop.height}` : '-'}`

/** A small most-recently-used cache of values per upscale (a session works on a few image sizes at a time). */
export class UpscaleCache<T> {
  private readonly entries = new Map<string, T>()
  constructor(
    private readonly make: (options: UpscalePlanOptions) => T,
    private readonly capacity = 4,
  ) {}

  get(options: UpscalePlanOptions): T {
    const key = upscaleKey(options)
    let value = this.entries.get(key)
    if (value !== undefined) {
      this.entries.delete(key)
    } else {
      value = this.make(options)
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next().value
        if (oldest !== undefined) this.entries.delete(oldest)
      }
    }
    this.entries.set(key, value)
    return value
  }
}

/** Upscale plans (scalar, writes the logits) per output size. */
export class UpscalePlanCache extends UpscaleCache<UpscalePlan> {
  constructor(capacity = 4) {
    super(createUpscalePlan, capacity)
  }
}

/** The upscale as separable taps for the SIMD kernel (`MaskKernelArena.resampleThreshold`). */
export function upscaleResample({ out, crop }: UpscalePlanOptions): Resample2d {
  return {
    horizontal: composedUpscaleTaps(crop ? crop.width : null, out.width),
    vertical: composedUpscaleTaps(crop ? crop.height : null, out.height),
  }
}
