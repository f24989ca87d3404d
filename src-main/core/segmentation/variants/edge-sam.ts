/**
 * EdgeSAM (EdgeSAM `scripts/export_onnx_model.py`, `edge_sam/onnx/predictor_onnx.py`).
 *
 * - Encoder `image` [1,3,1024,1024]: the traced encoder neither normalises nor pads, so we do the SAM steps
 *   (PIL long side 1024, SAM mean/std, zero pad).
 * - Decoder inputs image_embeddings, point_coords [1,N,2], point_labels [1,N] only: no mask input, no size.
 *   Rows as SAM (clicks, then box corners 2/3) in the resized frame, and no padding row (the official ONNX
 *   predictor adds none).
 * - Outputs in the order scores [1,4], masks [1,4,256,256] (read by name, so the order does not matter):
 *   low-res logits only, upscaled here the SAM way (256 → 1024, crop h′×w′, → H×W).
 * - Tokens as SAM: multimask → 1–3, single → 0.
 */
import { SAM_EMBEDDING_SHAPE } from '../sam-official/decoder-feeds'
import { samResizedSize } from '../sam-official/preprocess'
import { SegmentationError } from '../errors'
import { assertCompatibleFrame, promptRows, rowArrays, validatePrompt } from './prompt-rows'
import type { MaskKernelArena } from '../../masks/kernels/mask-kernels'
import {
  assertEmbeddingVariant,
  binarisedFromLowRes,
  candidatesFromLowRes,
  embeddingFromOutputs,
  embeddingTensor,
  f32,
  outputOf,
  scoreCount,
} from './common'
import { samNchwInput } from './encoder-inputs'
import { UpscalePlanCache } from './logit-upscaler'
import { samResizedFrameMapper } from './sam-official'
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

export class EdgeSamAdapter implements VariantAdapter {
  readonly variant: VariantId = 'edge-sam'
  readonly capabilities: VariantCapabilities = { maskInput: false, maxPromptRows: null, multimaskCandidates: 3 }
  private readonly plans = new UpscalePlanCache()

  constructor(private readonly model: DetectedModel) {
    if (model.decoder.variant !== 'edge-sam') throw new Error('EdgeSamAdapter needs an edge-sam model')
  }

  encoderFeeds(image: RgbImage): TensorMap {
    return { [this.model.encoder.inputName]: samNchwInput(image) }
  }

  toEmbedding(outputs: TensorMap, imageSize: ImageSize): Embedding {
    return embeddingFromOutputs(this.variant, this.model.encoder.embeddings, outputs, imageSize)
  }

  decoderFeeds(prompt: SegmentationPrompt, request: DecodeRequest): TensorMap {
    validatePrompt(prompt, request.frame, this.capabilities)
    assertEmbeddingVariant(request.embedding, this.variant)
    assertCompatibleFrame(request.embedding.imageSize, request.frame)
    const rows = promptRows(prompt, { toModel: samResizedFrameMapper(request.frame), padding: 'never', boxFirst: false })
    const { coords, labels } = rowArrays(rows)
    return {
      image_embeddings: f32(embeddingTensor(request.embedding, 'image_embeddings').data, SAM_EMBEDDING_SHAPE),
      point_coords: f32(coords, [1, rows.length, 2]),
      point_labels: f32(labels, [1, rows.length]),
    }
  }

  decodeOutputs(outputs: TensorMap, request: DecodeRequest): SegmentationCandidate[] {
    const { scores, masks, picks } = this.read(outputs, request)
    // Crop to the frame's resized size, exactly where the graph's coordinates put the content.
    const plan = this.plans.get({ out: request.frame, crop: samResizedSize(request.frame) })
    return candidatesFromLowRes({ lowRes: masks.data, iou: scores.data, plan, picks })
  }

  decodeBinarised(outputs: TensorMap, request: DecodeRequest, arena: MaskKernelArena): BinarisedCandidate[] {
    const { scores, masks, picks } = this.read(outputs, request)
    const { frame, stabilityOffset } = request
    return binarisedFromLowRes({ lowRes: masks.data, iou: scores.data, frame, crop: samResizedSize(frame), picks, arena, stabilityOffset })
  }

  private read(outputs: TensorMap, request: DecodeRequest) {
    const scores = outputOf(outputs, 'scores')
    const masks = outputOf(outputs, 'masks')
    const count = scoreCount(scores)
    if (count !== 4) throw new SegmentationError('inference_failed', `EdgeSAM returns 4 masks, got ${count}`)
    const picks = request.multimask ? [1, 2, 3].map((t) => ({ index: t, token: t })) : [{ index: 0, token: 0 }]
    return { scores, masks, picks }
  }
}
