/**
 * Turning SAM decoder outputs into masks: token slicing, thresholding, the stability score, and the
 * official upscaling of low-resolution logits for graphs that only return those (EdgeSAM and others).
 */
import { SAM_IMAGE_SIZE, samResizedSize } from './preprocess'
import type { ImageSize } from './preprocess'
import { SAM_LOW_RES_SIZE } from './decoder-feeds'

/** `Sam.mask_threshold`: a pixel is in the mask when its logit is strictly greater than this. */
export const SAM_MASK_THRESHOLD = 0
/** Default `stability_score_offset` of the automatic mask generator. */
export const SAM_STABILITY_OFFSET = 1

export interface OutputTensor {
  readonly data: Float32Array
  readonly dims: readonly number[]
}

/** The three outputs of the official decoder, by name: `masks`, `iou_predictions`, `low_res_masks`. */
export interface SamDecoderOutputs {
  /** [1, C, H, W] logits at `orig_im_size`. */
  readonly masks: OutputTensor
  /** [1, C] predicted IoU per token. */
  readonly iouPredictions: OutputTensor
  /** [1, C, 256, 256] raw logits over the padded 1024² square. */
  readonly lowResMasks: OutputTensor
}

export interface MaskCandidate {
  /** Decoder mask token: 0 is the single-mask output, 1–3 the multimask outputs. */
  readonly token: number
  /** H×W logits, row-major. */
  readonly logits: Float32Array
  readonly width: number
  readonly height: number
  readonly predictedIou: number
  /** 256×256 logits, to feed back as `mask_input` when refining. */
  readonly lowResLogits: Float32Array
}

/**
 * Picks the mask tokens the way PyTorch's `MaskDecoder.forward` does, which the ONNX graph does not:
 * with 4 outputs (exported without `--return-single-mask`), multimask → tokens 1–3, single → token 0.
 * A 1-output export already made its choice inside the graph, so its only mask is returned either way.
 */
export function selectMaskTokens(outputs: SamDecoderOutputs, multimask: boolean): MaskCandidate[] {
  const { masks, iouPredictions, lowResMasks } = outputs
  if (masks.dims.length !== 4 || masks.dims[0] !== 1) {
    throw new RangeError(`masks must be [1,C,H,W], got [${masks.dims.join(',')}]`)
  }
  const [, channels, height, width] = masks.dims as [number, number, number, number]
  if (channels !== 4 && channels !== 1) {
    throw new RangeError(`official SAM decoders return 4 or 1 masks, got ${channels}`)
  }
  const lowPlane = SAM_LOW_RES_SIZE * SAM_LOW_RES_SIZE
  if (iouPredictions.data.length !== channels || lowResMasks.data.length !== channels * lowPlane) {
    throw new RangeError(
      `iou_predictions [${iouPredictions.dims.join(',')}] and low_res_masks [${lowResMasks.dims.join(',')}] ` +
        `do not match ${channels} masks`,
    )
  }
  const tokens = channels === 1 ? [0] : multimask ? [1, 2, 3] : [0]
  const plane = width * height
  return tokens.map((token) => ({
    token,
    logits: masks.data.slice(token * plane, (token + 1) * plane),
    width,
    height,
    predictedIou: iouPredictions.data[token] as number,
    lowResLogits: lowResMasks.data.slice(token * lowPlane, (token + 1) * lowPlane),
  }))
}

/** Binarises logits: 1 where logit > threshold (0 for SAM; logits are not probabilities). */
export function thresholdLogits(logits: Float32Array, threshold = SAM_MASK_THRESHOLD): Uint8Array {
  const out = new Uint8Array(logits.length)
  for (let i = 0; i < logits.length; i++) out[i] = (logits[i] as number) > threshold ? 1 : 0
  return out
}

/**
 * Stability score (`calculate_stability_score`): #(logit > t + offset) / #(logit > t − offset), the IoU
 * of the masks at two thresholds (the first is a subset of the second). An empty union gives NaN, as in
 * SAM, which fails any `≥` filter.
 */
export function stabilityScore(logits: Float32Array, offset = SAM_STABILITY_OFFSET, threshold = SAM_MASK_THRESHOLD): number {
  const { above, aboveLow } = stabilityCounts(logits, offset, threshold)
  return above / aboveLow
}

/** The two counts of the stability score: #(logit > t + offset) and #(logit > t − offset). */
export function stabilityCounts(
  logits: Float32Array,
  offset = SAM_STABILITY_OFFSET,
  threshold = SAM_MASK_THRESHOLD,
): { above: number; aboveLow: number } {
  const hi = threshold + offset
  const lo = threshold - offset
  let above = 0
  let aboveLow = 0
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number
    if (v > hi) above++
    if (v > lo) aboveLow++
  }
  return { above, aboveLow }
}

/**
 * Linear-interpolation taps along one axis, PyTorch `F.interpolate(mode='bilinear', align_corners=False)`
 * without antialias (= ONNX Resize linear, half_pixel): src = (dst + 0.5)·in/out − 0.5, clamped at 0,
 * the upper neighbour clamped to the last index.
 */
export function linearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const i0 = new Int32Array(outSize)
  const i1 = new Int32Array(outSize)
  const w1 = new Float64Array(outSize)
  const scale = inSize / outSize
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5)
    const a = Math.min(Math.floor(src), inSize - 1)
    i0[o] = a
    i1[o] = Math.min(a + 1, inSize - 1)
    w1[o] = src - a
  }
  return { i0, i1, w1 }
}

/** Bilinear resize of one float plane (align_corners=False, no antialias), as PyTorch and ONNX Resize do. */
export function resizeBilinear(src: Float32Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Float32Array {
  if (src.length !== srcWidth * srcHeight) throw new RangeError('source plane size does not match its dimensions')
  const xs = linearTaps(srcWidth, dstWidth)
  const ys = linearTaps(srcHeight, dstHeight)
  const out = new Float32Array(dstWidth * dstHeight)
  for (let y = 0; y < dstHeight; y++) {
    const r0 = (ys.i0[y] as number) * srcWidth
    const r1 = (ys.i1[y] as number) * srcWidth
    const wy = ys.w1[y] as number
    for (let x = 0; x < dstWidth; x++) {
      const c0 = xs.i0[x] as number
      const c1 = xs.i1[x] as number
      const wx = xs.w1[x] as number
      const top = (src[r0 + c0] as number) * (1 - wx) + (src[r0 + c1] as number) * wx
      const bottom = (src[r1 + c0] as number) * (1 - wx) + (src[r1 + c1] as number) * wx
      out[y * dstWidth + x] = top * (1 - wy) + bottom * wy
    }
  }
  return out
}

/**
 * Up to 4 consecutive low-res indices with weights per output index of the composed upscale, along one
 * axis: output o = Σ_k weights[4o + k] · low[start[o] + k].
 */
export interface ComposedTaps {
  /** Length of the input axis (256). */
  readonly inSize: number
  readonly start: Int32Array
  /** 4 per output index; taps past the filter's support are 0. */
  readonly weights: Float64Array
}

export const COMPOSED_TAP_COUNT = 4

/**
 * Composes, along one axis, SAM's upscale of low-res logits: low (256) → mid (1024) bilinear, crop to
 * `cropSize`, → out bilinear (`cropSize` given; `Sam.postprocess_masks`), or low → out in one bilinear
 * step (`cropSize` null; SAM 2's). Each output index depends on at most 3 consecutive low-res indices.
 */
export function composedUpscaleTaps(cropSize: number | null, outSize: number): ComposedTaps {
  const toMid = cropSize === null ? null : linearTaps(SAM_LOW_RES_SIZE, SAM_IMAGE_SIZE)
  const toOut = linearTaps(cropSize ?? SAM_LOW_RES_SIZE, outSize)
  const start = new Int32Array(outSize)
  const weights = new Float64Array(outSize * COMPOSED_TAP_COUNT)
  for (let o = 0; o < outSize; o++) {
    const m0 = toOut.i0[o] as number
    const m1 = toOut.i1[o] as number
    const b = toOut.w1[o] as number
    const s = toMid ? (toMid.i0[m0] as number) : m0
    start[o] = s
    const add = (lowIndex: number, w: number): void => {
      const k = lowIndex - s
      if (k < 0 || k >= COMPOSED_TAP_COUNT) throw new Error('composed bilinear taps out of range')
      weights[o * COMPOSED_TAP_COUNT + k] = (weights[o * COMPOSED_TAP_COUNT + k] as number) + w
    }
    if (!toMid) {
      add(m0, 1 - b)
      add(m1, b)
      continue
    }
    add(toMid.i0[m0] as number, (1 - b) * (1 - (toMid.w1[m0] as number)))
    add(toMid.i1[m0] as number, (1 - b) * (toMid.w1[m0] as number))
    add(toMid.i0[m1] as number, b * (1 - (toMid.w1[m1] as number)))
    add(toMid.i1[m1] as number, b * (toMid.w1[m1] as number))
  }
  return { inSize: SAM_LOW_RES_SIZE, start, weights }
}

export interface UpscaleOptions {
  /**
   * Size of the resized image inside the padded square (h′×w′). Defaults to the double-precision rule
   * of the Python preprocessing (`samResizedSize`). The official ONNX graph computes it in float32;
   * the two agree except in rare half-way cases.
   */
  readonly resized?: ImageSize
}

/**
 * Official SAM mask upscaling (`Sam.postprocess_masks` / `SamOnnxModel.mask_postprocessing`) for decoders
 * that only return 256×256 logits: bilinear 256→1024, crop to the resized image h′×w′, bilinear to the
 * original H×W (align_corners=False throughout).
 *
 * Computed in one pass at the target size: bilinear interpolation is separable, so the composition is
 * a separable filter with at most 3 low-res taps per axis. Results equal the two-step version up to
 * float rounding (the two-step one rounds its 1024² intermediate to float32; this one keeps doubles).
 * Cost: about 6 multiply-adds per output pixel plus 256·3 per output row.
 */
export function createLowResUpscaler(original: ImageSize, options: UpscaleOptions = {}): (lowRes: Float32Array) => Float32Array {
  const resized = options.resized ?? samResizedSize(original, SAM_IMAGE_SIZE)
  if (resized.width > SAM_IMAGE_SIZE || resized.height > SAM_IMAGE_SIZE || resized.width < 1 || resized.height < 1) {
    throw new RangeError(`resized size ${resized.width}×${resized.height} must fit in 1024×1024`)
  }
  const { width, height } = original
  const xs = composedUpscaleTaps(resized.width, width)
  const ys = composedUpscaleTaps(resized.height, height)
  const n = SAM_LOW_RES_SIZE
  return (lowRes: Float32Array): Float32Array => {
    if (lowRes.length !== n * n) throw new RangeError(`low-res logits must be 256×256, got ${lowRes.length} values`)
    const out = new Float32Array(width * height)
    const row = new Float64Array(n)
    for (let y = 0; y < height; y++) {
      row.fill(0)
      const sy = ys.start[y] as number
      for (let k = 0; k < COMPOSED_TAP_COUNT; k++) {
        const w = ys.weights[y * COMPOSED_TAP_COUNT + k] as number
        if (w === 0) continue
        const base = (sy + k) * n
        for (let x = 0; x < n; x++) row[x] = (row[x] as number) + w * (lowRes[base + x] as number)
      }
      const outRow = y * width
      for (let x = 0; x < width; x++) {
        const sx = xs.start[x] as number
        const wOff = x * COMPOSED_TAP_COUNT
        let acc = 0
        for (let k = 0; k < COMPOSED_TAP_COUNT; k++) {
          const w = xs.weights[wOff + k] as number
          if (w !== 0) acc += w * (row[sx + k] as number)
        }
        out[outRow + x] = acc
      }
    }
    return out
  }
}

/** One-call form of {@link createLowResUpscaler} for a single 256×256 plane. */
export function upscaleLowResLogits(lowRes: Float32Array, original: ImageSize, options: UpscaleOptions = {}): Float32Array {
  return createLowResUpscaler(original, options)(lowRes)
}
