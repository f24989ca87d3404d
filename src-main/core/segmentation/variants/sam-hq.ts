/**
 * SAM-HQ (sam-hq `scripts/export_onnx_model.py`): SAM preprocessing and prompt rules, plus
 * `interm_embeddings` float32 [4,1,64,64,C], the intermediate ViT features from the encoder.
 *
 * The HQ decoder reads only index 0 of interm_embeddings ("early-layer ViT feature, after the 1st global
 * attention block"; `vit_features = interm_embeddings[0]`), so the embedding keeps just that slice:
 * 64·64·C float32 = 12 MiB (vit_b) to 20 MiB (vit_h) instead of four times that. Feeding rebuilds the
 * [4,…] tensor in one buffer kept per adapter, copied only when the embedding changes; slots 1–3 stay zero.
 *
 * The decoder always returns one mask (SAM token 0, or best of 1–3 with `--multimask-output`, corrected by the
 * HQ token): [1,1,H,W], [1,1], [1,1,256,256].
 */
import { SegmentationError } from '../errors'
import { assertCompatibleFrame, validatePrompt } from './prompt-rows'
import { assertEmbeddingVariant, embeddingFromOutputs, embeddingTensor, f32 } from './common'
import { SAM_BINARISED_FETCHES, samDecoderInputs, samEncoderFeeds, samOfficialBinarised, samOfficialCandidates } from './sam-official'
import type { MaskKernelArena } from '../../masks/kernels/mask-kernels'
import type { DetectedModel } from './detect'
import type {
  BinarisedCandidate,
  DecodeRequest,
  Embedding,
  EmbeddingTensor,
  ImageSize,
  RgbImage,
  SegmentationCandidate,
  SegmentationPrompt,
  TensorMap,
  VariantAdapter,
  VariantCapabilities,
  VariantId,
} from './types'

const INTERM_SLOTS = 4
const GRID = 64

export class SamHqAdapter implements VariantAdapter {
  readonly variant: VariantId = 'sam-hq'
  readonly capabilities: VariantCapabilities = { maskInput: true, maxPromptRows: null, multimaskCandidates: 1 }
  private readonly channels: number
  /** The [4,1,64,64,C] feed: slot 0 holds the current embedding's features, slots 1–3 zeros. */
  private intermFeed: Float32Array | null = null
  private intermLoadedFrom: Float32Array | null = null

  constructor(private readonly model: DetectedModel) {
    if (model.decoder.variant !== 'sam-hq') throw new Error('SamHqAdapter needs a sam-hq model')
    this.channels = model.decoder.intermChannels
  }

  encoderFeeds(image: RgbImage): TensorMap {
    return samEncoderFeeds(this.model.encoder.inputName, this.model.encoder.inputForm, image)
  }

  toEmbedding(outputs: TensorMap, imageSize: ImageSize): Embedding {
    const slot = GRID * GRID * this.channels
    return embeddingFromOutputs(this.variant, this.model.encoder.embeddings, outputs, imageSize, (binding, parts): EmbeddingTensor => {
      const first = parts[0]
      if (!first) throw new SegmentationError('inference_failed', `encoder returned nothing for ${binding.decoderInput}`)
      if (binding.decoderInput !== 'interm_embeddings') return { name: binding.decoderInput, dims: [...first.dims], data: first.data }
      // Four outputs [1,64,64,C] (keep the first, no copy), or one stacked [4,1,64,64,C] (copy slot 0 so the rest can be freed).
      const data = parts.length > 1 ? first.data : first.data.slice(0, slot)
      if (data.length !== slot)
        throw new SegmentationError('inference_failed', `interm features have ${data.length} values, expected 64·64·${this.channels}`)
      return { name: 'interm_embeddings', dims: [1, 1, GRID, GRID, this.channels], data }
    })
  }

  decoderFeeds(prompt: SegmentationPrompt, request: DecodeRequest): TensorMap {
    validatePrompt(prompt, request.frame, this.capabilities)
    assertEmbeddingVariant(request.embedding, this.variant)
    assertCompatibleFrame(request.embedding.imageSize, request.frame)
    const interm = embeddingTensor(request.embedding, 'interm_embeddings').data
    const slot = GRID * GRID * this.channels
    if (interm.length !== slot)
      throw new SegmentationError('embedding_not_found', `the embedding's interm features do not have C = ${this.channels}`)
    if (!this.intermFeed) this.intermFeed = new Float32Array(INTERM_SLOTS * slot)
    if (this.intermLoadedFrom !== interm) {
      this.intermFeed.set(interm, 0)
      this.intermLoadedFrom = interm
    }
    return {
      ...samDecoderInputs(prompt, request, embeddingTensor(request.embedding, 'image_embeddings').data),
      interm_embeddings: f32(this.intermFeed, [INTERM_SLOTS, 1, GRID, GRID, this.channels]),
    }
  }

  decodeOutputs(outputs: TensorMap, request: DecodeRequest): SegmentationCandidate[] {
    return samOfficialCandidates(outputs, request)
  }

  readonly binarisedFetches = SAM_BINARISED_FETCHES

  decodeBinarised(outputs: TensorMap, request: DecodeRequest, arena: MaskKernelArena): BinarisedCandidate[] {
    return samOfficialBinarised(outputs, request, arena)
  }
}
