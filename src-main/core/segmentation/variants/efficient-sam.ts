/**
 * EfficientSAM (yformer/EfficientSAM `export_to_onnx.py`, `onnx_models.py`).
 *
 * - Encoder `batched_images` float32 [B,3,H,W]: RGB ÷ 255 at any size; the graph resizes to 1024² and
 *   applies ImageNet mean/std itself.
 * - Decoder: one query (B = Q = 1). `batched_point_coords` [1,1,N,2] in **original pixels** of the frame
 *   (the graph scales x by 1024/W and y by 1024/H, then adds 0.5); `batched_point_labels` [1,1,N] float32
 *   (1 fg, 0 bg, 2/3 box corners); `orig_im_size` **int64** [2] = (H, W).
 * - Rows: clicks then box corners, no padding row — the graph pads (or truncates!) to 6 rows with −1 itself,
 *   so more than 6 rows are refused rather than silently dropped. An export whose point axis N was traced
 *   fixed (the official script's dummy has N = 1) takes at most N rows; shorter prompts are padded with −1
 *   rows the way the graph would.
 * - Outputs output_masks [1,1,3,H,W] (bilinear straight from 256 to H×W in-graph), iou_predictions [1,1,3],
 *   and an auto-named third output with the 256×256 logits [1·1,3,256,256]. The three are multimask tokens
 *   1–3; single mode returns the best by predicted IoU. No mask input.
 */
import { SegmentationError } from '../errors'
import { assertCompatibleFrame, promptRows, rowArrays, validatePrompt } from './prompt-rows'
import type { PromptRow } from './prompt-rows'
import {
  argmax,
  assertEmbeddingVariant,
  candidatesFromFullRes,
  embeddingFromOutputs,
  embeddingTensor,
  f32,
  outputOf,
  scoreCount,
} from './common'
import { rgb01NchwInput } from './encoder-inputs'
import type { DetectedModel } from './detect'
import type {
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

/** `decoder_max_num_input_points` of EfficientSAM: the graph pads or truncates every query to this many rows. */
export const EFFICIENT_SAM_MAX_POINTS = 6

export class EfficientSamAdapter implements VariantAdapter {
  readonly variant: VariantId = 'efficient-sam'
  readonly capabilities: VariantCapabilities
  private readonly lowResOutput: string | null
  private readonly fixedRows: number | null

  constructor(private readonly model: DetectedModel) {
    if (model.decoder.variant !== 'efficient-sam') throw new Error('EfficientSamAdapter needs an efficient-sam model')
    this.lowResOutput = model.decoder.lowResOutput
    this.fixedRows = model.decoder.pointsPerQuery
    this.capabilities = {
      maskInput: false,
      maxPromptRows: Math.min(EFFICIENT_SAM_MAX_POINTS, this.fixedRows ?? EFFICIENT_SAM_MAX_POINTS),
      multimaskCandidates: 3,
    }
  }

  encoderFeeds(image: RgbImage): TensorMap {
    return { [this.model.encoder.inputName]: rgb01NchwInput(image) }
  }

  toEmbedding(outputs: TensorMap, imageSize: ImageSize): Embedding {
    return embeddingFromOutputs(this.variant, this.model.encoder.embeddings, outputs, imageSize)
  }

  decoderFeeds(prompt: SegmentationPrompt, request: DecodeRequest): TensorMap {
    validatePrompt(prompt, request.frame, this.capabilities)
    assertEmbeddingVariant(request.embedding, this.variant)
    assertCompatibleFrame(request.embedding.imageSize, request.frame)
    // Original pixels of the frame: the graph does the scaling from orig_im_size.
    const rows: PromptRow[] = promptRows(prompt, { toModel: (x, y) => [x, y], padding: 'never', boxFirst: false })
    if (this.fixedRows !== null) while (rows.length < this.fixedRows) rows.push({ x: -1, y: -1, label: -1 })
    const { coords, labels } = rowArrays(rows)
    const embedding = embeddingTensor(request.embedding, 'image_embeddings')
    return {
      image_embeddings: f32(embedding.data, embedding.dims),
      batched_point_coords: f32(coords, [1, 1, rows.length, 2]),
      batched_point_labels: f32(labels, [1, 1, rows.length]),
      orig_im_size: { type: 'int64', data: BigInt64Array.of(BigInt(request.frame.height), BigInt(request.frame.width)), dims: [2] },
    }
  }

  decodeOutputs(outputs: TensorMap, request: DecodeRequest): SegmentationCandidate[] {
    const masks = outputOf(outputs, 'output_masks')
    const iou = outputOf(outputs, 'iou_predictions')
    const lowRes = this.lowResOutput ? outputOf(outputs, this.lowResOutput) : null
    const count = scoreCount(iou)
    if (iou.data.length !== count)
      throw new SegmentationError('inference_failed', `expected one query of scores, got [${iou.dims.join(',')}]`)
    const picks = request.multimask
      ? Array.from({ length: count }, (_, i) => ({ index: i, token: count === 3 ? i + 1 : i }))
      : [{ index: argmax(iou.data, count), token: count === 3 ? argmax(iou.data, count) + 1 : 0 }]
    return candidatesFromFullRes({
      planes: masks.data,
      count,
      frame: request.frame,
      iou: iou.data,
      lowRes: lowRes && lowRes.data.length === count * 256 * 256 ? lowRes.data : null,
      picks,
      arena: request.arena,
      stabilityOffset: request.stabilityOffset,
    })
  }
}
