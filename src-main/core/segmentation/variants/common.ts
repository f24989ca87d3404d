/**
 * Output and embedding plumbing shared by the adapters: pulling named tensors out of a run, building the
 * candidates from full-resolution or low-resolution logits, and turning encoder outputs into an Embedding.
 *
 * Allocation policy (predict is on the interactive path): logits that onnxruntime already produced at full
 * resolution are handed out as views (no copy); each predict allocates one buffer for all masks and, for
 * low-res-only decoders, one for all upscaled logits. Those buffers leave the worker by transfer, so they
 * cannot be pooled there.
 */
import { SegmentationError } from '../errors'
import { LOW_RES_PLANE } from './prompt-rows'
import { SAM_LOW_RES_SIZE as LOW_RES_SIDE } from '../sam-official/decoder-feeds'
import { thresholdAndCountInto, UpscaleCache, upscaleResample } from './logit-upscaler'
import { SAM_STABILITY_OFFSET } from '../sam-official/postprocess'
import type { UpscalePlan } from './logit-upscaler'
import type { MaskKernelArena } from '../../masks/kernels/mask-kernels'
import type { EmbeddingBinding } from './detect'
import type {
  BinarisedCandidate,
  Embedding,
  EmbeddingTensor,
  ImageSize,
  SegmentationCandidate,
  TensorData,
  TensorMap,
  VariantId,
} from './types'

export function outputOf(outputs: TensorMap, name: string): TensorData & { type: 'float32' } {
  const t = outputs[name]
  if (!t) throw new SegmentationError('inference_failed', `the model returned no output ${name}`)
  if (t.type !== 'float32') throw new SegmentationError('inference_failed', `output ${name} is ${t.type}, expected float32`)
  return t
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1)

/**
 * Candidates from logits the decoder already produced at the output frame (official SAM, SAM-HQ,
 * EfficientSAM). `planes` holds `count` planes of frame size from `planeOffset`; logits are views into it.
 */
export function candidatesFromFullRes(params: {
  readonly planes: Float32Array
  readonly count: number
  readonly frame: ImageSize
  readonly iou: Float32Array
  readonly lowRes: Float32Array | null
  /** Indices (into planes, iou and lowRes) to return, and the token each one is. */
  readonly picks: readonly { readonly index: number; readonly token: number }[]
  /** Binarise with the SIMD kernel in this arena (see DecodeRequest.arena). */
  readonly arena?: MaskKernelArena | undefined
  readonly stabilityOffset?: number | undefined
}): SegmentationCandidate[] {
  const { planes, count, frame, iou, lowRes, picks } = params
  const n = frame.width * frame.height
  if (planes.length !== count * n) {
    throw new SegmentationError(
      'inference_failed',
      `the decoder returned ${planes.length / Math.max(1, count)} mask pixels per candidate for a ${frame.width}×${frame.height} frame; ` +
        'an export from before segment-anything commit e9f2d58 bakes in its dummy image size (re-export the decoder)',
    )
  }
  // float32, as torch compares float32 logits with a Python float
  const offset = Math.fround(params.stabilityOffset ?? SAM_STABILITY_OFFSET)
  if (params.arena) return candidatesInArena(params.arena, { ...params, offset, n })
  const masks = new Uint8Array(picks.length * n)
  return picks.map(({ index, token }, k) => {
    const logits = planes.subarray(index * n, (index + 1) * n)
    const mask = masks.subarray(k * n, (k + 1) * n)
    const counts = thresholdAndCountInto(logits, 0, n, mask, 0, offset)
    return {
      token,
      stabilityScore: counts.above / counts.aboveLow,
      stabilityCounts: counts,
      width: frame.width,
      height: frame.height,
      logits,
      mask,
      lowResLogits: lowRes ? lowRes.subarray(index * LOW_RES_PLANE, (index + 1) * LOW_RES_PLANE) : null,
      predictedIou: iou[index] as number,
    }
  })
}

/**
 * The SIMD path of {@link candidatesFromFullRes}: the picked planes are copied into the arena and binarised
 * there. Mask k of the answer is the arena's mask plane k.
 */
function candidatesInArena(
  arena: MaskKernelArena,
  params: Parameters<typeof candidatesFromFullRes>[0] & { readonly offset: number; readonly n: number },
): SegmentationCandidate[] {
  const { planes, frame, iou, lowRes, picks, offset, n } = params
  arena.layout({ width: frame.width, height: frame.height, logitPlanes: picks.length, maskPlanes: picks.length })
  return picks.map(({ index, token }, k) => {
    arena.logitPlane(k).set(planes.subarray(index * n, (index + 1) * n))
    const result = arena.threshold(k, k, offset)
    return {
      token,
      stabilityScore: result.above / result.aboveLow,
      stabilityCounts: { above: result.above, aboveLow: result.aboveLow },
      rowTransitions: result.rowTransitions,
      width: frame.width,
      height: frame.height,
      logits: arena.logitPlane(k),
      mask: result.mask,
      lowResLogits: lowRes ? lowRes.subarray(index * LOW_RES_PLANE, (index + 1) * LOW_RES_PLANE) : null,
      predictedIou: iou[index] as number,
    }
  })
}

/** Candidates from 256×256 logits the decoder returned alone (EdgeSAM, SAM 2), upscaled with `plan`. */
export function candidatesFromLowRes(params: {
  readonly lowRes: Float32Array
  readonly iou: Float32Array
  readonly plan: UpscalePlan
  readonly picks: readonly { readonly index: number; readonly token: number }[]
}): SegmentationCandidate[] {
  const { lowRes, iou, plan, picks } = params
  const n = plan.width * plan.height
  const logits = new Float32Array(picks.length * n)
  const masks = new Uint8Array(picks.length * n)
  return picks.map(({ index, token }, k) => {
    if (lowRes.length < (index + 1) * LOW_RES_PLANE)
      throw new SegmentationError('inference_failed', 'the decoder returned fewer masks than scores')
    plan.run(lowRes, index * LOW_RES_PLANE, logits, masks, k * n)
    return {
      token,
      width: plan.width,
      height: plan.height,
      logits: logits.subarray(k * n, (k + 1) * n),
      mask: masks.subarray(k * n, (k + 1) * n),
      lowResLogits: lowRes.subarray(index * LOW_RES_PLANE, (index + 1) * LOW_RES_PLANE),
      predictedIou: iou[index] as number,
    }
  })
}

/** Separable taps per upscale, shared by every adapter of the thread (they depend on sizes only). */
const resamples = new UpscaleCache(upscaleResample)

/**
 * Candidates from 256×256 logits, upscaled and binarised by the SIMD kernel in `arena` without writing the
 * full-resolution logits: SAM's `postprocess_masks` (256 → 1024, crop to `crop`, → frame) or, with `crop`
 * null, SAM 2's one step. Candidate k keeps its edge rows in the arena's mask plane k.
 */
export function binarisedFromLowRes(params: {
  readonly lowRes: Float32Array
  readonly iou: Float32Array
  readonly frame: ImageSize
  readonly crop: ImageSize | null
  readonly picks: readonly { readonly index: number; readonly token: number }[]
  readonly arena: MaskKernelArena
  readonly stabilityOffset?: number | undefined
}): BinarisedCandidate[] {
  const { lowRes, iou, frame, crop, picks, arena } = params
  const offset = Math.fround(params.stabilityOffset ?? SAM_STABILITY_OFFSET)
  const resample = resamples.get({ out: frame, crop })
  arena.layout({
    width: frame.width,
    height: frame.height,
    logitPlanes: 0,
    maskPlanes: picks.length,
    source: { width: LOW_RES_SIDE, height: LOW_RES_SIDE, planes: picks.length },
  })
  return picks.map(({ index, token }, k) => {
    if (lowRes.length < (index + 1) * LOW_RES_PLANE || index >= iou.length) {
      throw new SegmentationError('inference_failed', 'the decoder returned fewer low-res masks than scores')
    }
    const plane = lowRes.subarray(index * LOW_RES_PLANE, (index + 1) * LOW_RES_PLANE)
    arena.sourcePlane(k).set(plane)
    const result = arena.resampleThreshold(k, k, resample, offset)
    return {
      token,
      width: frame.width,
      height: frame.height,
      firstRow: result.firstRow,
      lastRow: result.lastRow,
      stabilityCounts: { above: result.above, aboveLow: result.aboveLow },
      rowTransitions: result.rowTransitions,
      lowResLogits: plane,
      predictedIou: iou[index] as number,
    }
  })
}

/** Index of the highest score. */
export function argmax(values: Float32Array, count = values.length): number {
  let best = 0
  for (let i = 1; i < count; i++) if ((values[i] as number) > (values[best] as number)) best = i
  return best
}

/** Number of masks a decoder returned, from its score tensor [.., C]. */
export function scoreCount(iou: TensorData): number {
  const c = iou.dims[iou.dims.length - 1]
  if (typeof c !== 'number' || c < 1)
    throw new SegmentationError('inference_failed', `scores have an unexpected shape [${iou.dims.join(',')}]`)
  return c
}

/**
 * Encoder outputs → Embedding, following the detected bindings. Output buffers are kept (onnxruntime
 * allocates fresh ones per run). `select` may narrow a tensor (SAM-HQ keeps one of four interm features).
 */
export function embeddingFromOutputs(
  variant: VariantId,
  bindings: readonly EmbeddingBinding[],
  outputs: TensorMap,
  imageSize: ImageSize,
  select?: (binding: EmbeddingBinding, tensors: readonly (TensorData & { type: 'float32' })[]) => EmbeddingTensor,
): Embedding {
  const tensors = bindings.map((b): EmbeddingTensor => {
    const parts = b.encoderOutputs.map((name) => outputOf(outputs, name))
    if (select) return select(b, parts)
    const t = parts[0]
    if (!t || parts.length !== 1) throw new SegmentationError('internal', `binding for ${b.decoderInput} needs exactly one encoder output`)
    if (t.data.length !== product(t.dims))
      throw new SegmentationError('inference_failed', `encoder output ${b.encoderOutputs[0]} has a size that does not match its dims`)
    return { name: b.decoderInput, dims: [...t.dims], data: t.data }
  })
  return embeddingOf(variant, imageSize, tensors)
}

export function embeddingOf(variant: VariantId, imageSize: ImageSize, tensors: readonly EmbeddingTensor[]): Embedding {
  const byteSize = tensors.reduce((s, t) => s + t.data.byteLength, 0)
  return { variant, imageSize: { width: imageSize.width, height: imageSize.height }, tensors, byteSize }
}

export function embeddingTensor(embedding: Embedding, name: string): EmbeddingTensor {
  const t = embedding.tensors.find((x) => x.name === name)
  if (!t) throw new SegmentationError('embedding_not_found', `the embedding has no ${name} (it was made by another model variant)`)
  return t
}

export function assertEmbeddingVariant(embedding: Embedding, variant: VariantId): void {
  if (embedding.variant !== variant) {
    throw new SegmentationError(
      'embedding_not_found',
      `the embedding was made by a ${embedding.variant} encoder, this decoder is ${variant}`,
    )
  }
}

export const f32 = (data: Float32Array, dims: readonly number[]): TensorData => ({ type: 'float32', data, dims })
