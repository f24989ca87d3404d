/**
 * SAM ViT-B/L/H and MobileSAM with the official decoder export (segment-anything `SamOnnxModel`).
 *
 * - Encoder: long side 1024 with PIL bilinear, SAM mean/std, zero pad after normalising (or the raw resized
 *   [h,w,3] image for encoders with built-in preprocessing).
 * - Decoder rows: clicks, then box corners (2, 3); one (0, 0)/−1 padding row only when there is no box.
 *   Coordinates in the resized frame, x′ = x·(newW/W), y′ = y·(newH/H) with the rounded resized size; never
 *   + 0.5 (the graph adds it).
 * - orig_im_size = (H, W) of the output frame, float32; the graph upscales the masks to it.
 * - Outputs: 4 tokens (default export) → multimask tokens 1–3, single token 0; a 1-token export
 *   (`--return-single-mask`) already chose inside the graph, so its mask is returned either way.
 */
import { SAM_EMBEDDING_SHAPE, SAM_MASK_INPUT_SHAPE } from '../sam-official/decoder-feeds'
import { samResizedSize } from '../sam-official/preprocess'
import { SegmentationError } from '../errors'
import { assertCompatibleFrame, promptRows, rowArrays, validatePrompt, ZERO_MASK_INPUT } from './prompt-rows'
import type { PaddingRule } from './prompt-rows'
import {
  assertEmbeddingVariant,
  binarisedFromLowRes,
  candidatesFromFullRes,
  embeddingFromOutputs,
  embeddingTensor,
  f32,
  outputOf,
  scoreCount,
} from './common'
import type { MaskKernelArena } from '../../masks/kernels/mask-kernels'
import { samHwcResizedInput, samNchwInput } from './encoder-inputs'
import type { DetectedModel } from './detect'
import type {
  BinarisedCandidate,
  DecodeRequest,
  Embedding,
  ImageSize,
  RgbImage,
  SegmentationCandidate,
  SegmentationPrompt,
  TensorData,
  TensorMap,
  VariantAdapter,
  VariantCapabilities,
  VariantId,
} from './types'

/** Maps output-frame pixels into SAM's resized frame (long side 1024, rounded size per axis). */
export function samResizedFrameMapper(frame: ImageSize): (x: number, y: number) => readonly [number, number] {
  const resized = samResizedSize(frame)
  const sx = resized.width / frame.width
  const sy = resized.height / frame.height
  return (x, y) => [x * sx, y * sy]
}

/** The six official SAM decoder inputs (plus nothing else); SAM-HQ adds interm_embeddings to these. */
export function samDecoderInputs(
  prompt: SegmentationPrompt,
  request: DecodeRequest,
  imageEmbeddings: Float32Array,
  padding: PaddingRule = 'when-no-box',
): Record<string, ReturnType<typeof f32>> {
  const { frame } = request
  const rows = promptRows(prompt, { toModel: samResizedFrameMapper(frame), padding, boxFirst: false })
  const { coords, labels } = rowArrays(rows)
  return {
    image_embeddings: f32(imageEmbeddings, SAM_EMBEDDING_SHAPE),
    point_coords: f32(coords, [1, rows.length, 2]),
    point_labels: f32(labels, [1, rows.length]),
    mask_input: f32(prompt.maskInput ?? ZERO_MASK_INPUT, SAM_MASK_INPUT_SHAPE),
    has_mask_input: f32(Float32Array.of(prompt.maskInput ? 1 : 0), [1]),
    orig_im_size: f32(request.masksUnused ? Float32Array.of(1, 1) : Float32Array.of(frame.height, frame.width), [2]),
  }
}

/** Tokens to return from C = 4 (multimask 1–3, single 0) or C = 1 outputs (the export already chose). */
function samOfficialPicks(iou: TensorData, multimask: boolean): { index: number; token: number }[] {
  const count = scoreCount(iou)
  if (count !== 4 && count !== 1) throw new SegmentationError('inference_failed', `official SAM decoders return 4 or 1 masks, got ${count}`)
  return count === 1 ? [{ index: 0, token: 0 }] : multimask ? [1, 2, 3].map((t) => ({ index: t, token: t })) : [{ index: 0, token: 0 }]
}

/** Candidates from the official outputs masks [1,C,H,W], iou_predictions [1,C], low_res_masks [1,C,256,256]. */
export function samOfficialCandidates(outputs: TensorMap, request: DecodeRequest): SegmentationCandidate[] {
  const masks = outputOf(outputs, 'masks')
  const iou = outputOf(outputs, 'iou_predictions')
  const lowRes = outputOf(outputs, 'low_res_masks')
  return candidatesFromFullRes({
    planes: masks.data,
    count: scoreCount(iou),
    frame: request.frame,
    iou: iou.data,
    lowRes: lowRes.data,
    picks: samOfficialPicks(iou, request.multimask),
    arena: request.arena,
    stabilityOffset: request.stabilityOffset,
  })
}

/**
 * The outputs {@link samOfficialBinarised} reads: the graph's own full-resolution `masks` are left in
 * onnxruntime (it computes them anyway; fetching them would copy 4 planes of the frame out per run).
 */
export const SAM_BINARISED_FETCHES = ['iou_predictions', 'low_res_masks'] as const

/**
 * Candidates binarised in the arena from low_res_masks, upscaled as the graph's own `mask_postprocessing`
 * does (256 → 1024, crop to the frame's resized size, → frame; bilinear, half-pixel).
 */
export function samOfficialBinarised(outputs: TensorMap, request: DecodeRequest, arena: MaskKernelArena): BinarisedCandidate[] {
  const iou = outputOf(outputs, 'iou_predictions')
  return binarisedFromLowRes({
    lowRes: outputOf(outputs, 'low_res_masks').data,
    iou: iou.data,
    frame: request.frame,
    crop: samResizedSize(request.frame),
    picks: samOfficialPicks(iou, request.multimask),
    arena,
    stabilityOffset: request.stabilityOffset,
  })
}

export function samEncoderFeeds(inputName: string, form: DetectedModel['encoder']['inputForm'], image: RgbImage): TensorMap {
  if (form === 'sam-hwc-resized') return { [inputName]: samHwcResizedInput(image) }
  return { [inputName]: samNchwInput(image) }
}

export class SamOfficialAdapter implements VariantAdapter {
  readonly variant: VariantId = 'sam-official'
  readonly capabilities: VariantCapabilities = { maskInput: true, maxPromptRows: null, multimaskCandidates: 3 }

  constructor(private readonly model: DetectedModel) {
    if (model.decoder.variant !== 'sam-official') throw new Error('SamOfficialAdapter needs a sam-official model')
    if (model.decoder.tokens === 1) this.capabilities = { ...this.capabilities, multimaskCandidates: 1 }
  }

  encoderFeeds(image: RgbImage): TensorMap {
    return samEncoderFeeds(this.model.encoder.inputName, this.model.encoder.inputForm, image)
  }

  toEmbedding(outputs: TensorMap, imageSize: ImageSize): Embedding {
    return embeddingFromOutputs(this.variant, this.model.encoder.embeddings, outputs, imageSize)
  }

  decoderFeeds(prompt: SegmentationPrompt, request: DecodeRequest): TensorMap {
    validatePrompt(prompt, request.frame, this.capabilities)
    assertEmbeddingVariant(request.embedding, this.variant)
    assertCompatibleFrame(request.embedding.imageSize, request.frame)
    return samDecoderInputs(prompt, request, embeddingTensor(request.embedding, 'image_embeddings').data)
  }

  decodeOutputs(outputs: TensorMap, request: DecodeRequest): SegmentationCandidate[] {
    return samOfficialCandidates(outputs, request)
  }

  readonly binarisedFetches = SAM_BINARISED_FETCHES

  decodeBinarised(outputs: TensorMap, request: DecodeRequest, arena: MaskKernelArena): BinarisedCandidate[] {
    return samOfficialBinarised(outputs, request, arena)
  }
}
