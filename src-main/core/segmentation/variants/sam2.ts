/**
 * SAM 2 / 2.1 as exported by samexporter (`export_sam2.py`; official behaviour from facebookresearch/sam2).
 *
 * - Encoder `image` [1,3,1024,1024]: stretched to 1024² (aspect ratio not kept, no padding), ÷ 255, ImageNet
 *   mean/std. Outputs high_res_feats_0 [1,32,256,256], high_res_feats_1 [1,64,128,128], image_embed [1,256,64,64].
 * - Decoder rows in the stretched frame, x·1024/W, y·1024/H (never + 0.5: the graph adds it). Box corners
 *   (2, 3) go first, then the clicks, as `SAM2ImagePredictor._predict` concatenates them. No padding row from
 *   us: the graph always appends (0, 0)/−1 itself, as SAM 2 does.
 * - mask_input [1,1,256,256] + has_mask_input [1] as SAM 1.
 * - Outputs masks [1,3,256,256] (clamped ±32, low-res only) and iou_predictions [1,3]: multimask tokens 1–3.
 *   Upscaled in one bilinear step 256 → H×W (`SAM2Transforms.postprocess_masks`). Single mode returns the best
 *   of the three by predicted IoU (the export dropped token 0, so SAM 2's stability-based choice is not available).
 */
import { SAM_IMAGE_SIZE } from '../sam-official/preprocess'
import { SAM_MASK_INPUT_SHAPE } from '../sam-official/decoder-feeds'
import { SegmentationError } from '../errors'
import { assertCompatibleFrame, promptRows, rowArrays, validatePrompt, ZERO_MASK_INPUT } from './prompt-rows'
import {
  argmax,
  assertEmbeddingVariant,
  binarisedFromLowRes,
  candidatesFromLowRes,
  embeddingFromOutputs,
  embeddingTensor,
  f32,
  outputOf,
  scoreCount,
} from './common'
import { sam2Input } from './encoder-inputs'
import { UpscalePlanCache } from './logit-upscaler'
import type { MaskKernelArena } from '../../masks/kernels/mask-kernels'
import type { DetectedModel } from './detect'
import type {
  BinarisedCandidate,
  DecodeRequest,
  Embedding,
  ImageSize,
  RgbImage,
  SegmentationCandidate,
  SegmentationPrompt,
  TensorMap,
  VariantAdapter,
  VariantCapabilities,
  VariantId,
} from './types'

/** Output-frame pixels → SAM 2's stretched 1024² frame. */
export function sam2FrameMapper(frame: ImageSize): (x: number, y: number) => readonly [number, number] {
  const sx = SAM_IMAGE_SIZE / frame.width
  const sy = SAM_IMAGE_SIZE / frame.height
  return (x, y) => [x * sx, y * sy]
}

export class Sam2Adapter implements VariantAdapter {
  readonly variant: VariantId = 'sam2'
  readonly capabilities: VariantCapabilities
  private readonly plans = new UpscalePlanCache()

  constructor(private readonly model: DetectedModel) {
    if (model.decoder.variant !== 'sam2') throw new Error('Sam2Adapter needs a sam2 model')
    this.capabilities = { maskInput: true, maxPromptRows: null, multimaskCandidates: model.decoder.tokens === 1 ? 1 : 3 }
  }

  encoderFeeds(image: RgbImage): TensorMap {
    return { [this.model.encoder.inputName]: sam2Input(image) }
  }

  toEmbedding(outputs: TensorMap, imageSize: ImageSize): Embedding {
    return embeddingFromOutputs(this.variant, this.model.encoder.embeddings, outputs, imageSize)
  }

  decoderFeeds(prompt: SegmentationPrompt, request: DecodeRequest): TensorMap {
    validatePrompt(prompt, request.frame, this.capabilities)
    assertEmbeddingVariant(request.embedding, this.variant)
    assertCompatibleFrame(request.embedding.imageSize, request.frame)
    const rows = promptRows(prompt, { toModel: sam2FrameMapper(request.frame), padding: 'never', boxFirst: true })
    const { coords, labels } = rowArrays(rows)
    const tensor = (name: string): ReturnType<typeof f32> => {
      const t = embeddingTensor(request.embedding, name)
      return f32(t.data, t.dims)
    }
    return {
      image_embed: tensor('image_embed'),
      high_res_feats_0: tensor('high_res_feats_0'),
      high_res_feats_1: tensor('high_res_feats_1'),
      point_coords: f32(coords, [1, rows.length, 2]),
      point_labels: f32(labels, [1, rows.length]),
      mask_input: f32(prompt.maskInput ?? ZERO_MASK_INPUT, SAM_MASK_INPUT_SHAPE),
      has_mask_input: f32(Float32Array.of(prompt.maskInput ? 1 : 0), [1]),
    }
  }

  decodeOutputs(outputs: TensorMap, request: DecodeRequest): SegmentationCandidate[] {
    const { masks, iou, picks } = this.read(outputs, request)
    const plan = this.plans.get({ out: request.frame, crop: null })
    return candidatesFromLowRes({ lowRes: masks.data, iou: iou.data, plan, picks })
  }

  decodeBinarised(outputs: TensorMap, request: DecodeRequest, arena: MaskKernelArena): BinarisedCandidate[] {
    const { masks, iou, picks } = this.read(outputs, request)
    const { frame, stabilityOffset } = request
    return binarisedFromLowRes({ lowRes: masks.data, iou: iou.data, frame, crop: null, picks, arena, stabilityOffset })
  }

  private read(outputs: TensorMap, request: DecodeRequest) {
    const masks = outputOf(outputs, 'masks')
    const iou = outputOf(outputs, 'iou_predictions')
    const count = scoreCount(iou)
    if (count !== 3 && count !== 1) throw new SegmentationError('inference_failed', `SAM 2 decoders return 3 or 1 masks, got ${count}`)
    if (masks.data.length !== count * 256 * 256)
      throw new SegmentationError('inference_failed', `SAM 2 masks are [${masks.dims.join(',')}], expected [1,${count},256,256]`)
    const token = (i: number): number => (count === 3 ? i + 1 : 0)
    const picks = request.multimask
      ? Array.from({ length: count }, (_, i) => ({ index: i, token: token(i) }))
      : [{ index: argmax(iou.data, count), token: token(argmax(iou.data, count)) }]
    return { masks, iou, picks }
  }
}
