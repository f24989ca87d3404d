/**
 * The shapes every SAM variant adapter shares. Adapters are pure: tensors in and out as plain typed
 * arrays, no onnxruntime import, so they run the same in the worker, in tests and in benchmarks.
 */
import type { ImageSize, RgbImage } from '../sam-official/preprocess'
import type { SamPrompt } from '../sam-official/decoder-feeds'
import type { MaskKernelArena } from '../../masks/kernels/mask-kernels'

export type { ImageSize, RgbImage } from '../sam-official/preprocess'
export type { PromptBox, PromptPoint } from '../sam-official/decoder-feeds'

/**
 * The supported families. MobileSAM and SAM ViT-B/L/H share `sam-official` (same decoder export, same
 * preprocessing); they cannot be told apart from their signatures and need not be.
 */
export const VARIANT_IDS = ['sam-official', 'sam-hq', 'edge-sam', 'efficient-sam', 'sam2'] as const
export type VariantId = (typeof VARIANT_IDS)[number]

/** One input or output as onnxruntime reports it. `shape` holds numbers and symbolic names; `type` is ORT's. */
export interface TensorSpec {
  readonly name: string
  /** 'float32', 'int64' … or 'non-tensor' for sequences and maps. */
  readonly type: string
  readonly shape: readonly (number | string)[]
}

export interface ModelSignature {
  readonly inputs: readonly TensorSpec[]
  readonly outputs: readonly TensorSpec[]
}

/** A tensor as plain data. The worker wraps it in `ort.Tensor(type, data, dims)`. */
export type TensorData =
  | { readonly type: 'float32'; readonly data: Float32Array; readonly dims: readonly number[] }
  | { readonly type: 'int64'; readonly data: BigInt64Array; readonly dims: readonly number[] }

export type TensorMap = Readonly<Record<string, TensorData>>

/** One tensor of an embedding, named by the decoder input it feeds. */
export interface EmbeddingTensor {
  readonly name: string
  readonly dims: readonly number[]
  readonly data: Float32Array
}

/**
 * Everything the decoder needs from one encoder run. Sizes (float32):
 * - SAM / MobileSAM / EdgeSAM / EfficientSAM: image_embeddings 256×64×64 = 4 MiB;
 * - SAM-HQ: + interm_embeddings slice 0 (64×64×C, C = 768/1024/1280) = 12–20 MiB;
 * - SAM 2: image_embed 4 MiB + high_res_feats_0 32×256×256 (8 MiB) + high_res_feats_1 64×128×128 (4 MiB) = 16 MiB.
 */
export interface Embedding {
  readonly variant: VariantId
  /** Size of the RGB image that was encoded; prompts and outputs live in a frame of the same aspect ratio. */
  readonly imageSize: ImageSize
  readonly tensors: readonly EmbeddingTensor[]
  /** Sum of the tensors' byte lengths. */
  readonly byteSize: number
}

/** A prompt in output-frame pixels: clicks, at most one box, and optionally previous low-res logits. */
export type SegmentationPrompt = SamPrompt

/** What every mask proposal carries besides its pixels. */
interface CandidateBase {
  /** Decoder mask token: 0 = single-mask output, 1–3 = multimask outputs (SAM-HQ's one mask is 0). */
  readonly token: number
  readonly width: number
  readonly height: number
  /**
   * 256×256 raw logits to feed back as `mask_input` when refining (SAM, SAM-HQ, SAM 2). EfficientSAM
   * exports carry them only as an unnamed third output and take no mask input; null when absent.
   */
  readonly lowResLogits: Float32Array | null
  readonly predictedIou: number
}

/**
 * One mask proposal binarised in the kernel arena, for encoding in the thread that made it: what its
 * COCO RLE and stability score need (mask rows 0 and height−1, the row transitions, SAM's stability
 * counts), without the full-resolution logits or byte mask.
 */
export interface BinarisedCandidate extends CandidateBase {
  /** Mask rows 0 and height−1 (1 where logit > 0), views into the arena. */
  readonly firstRow: Uint8Array
  readonly lastRow: Uint8Array
  /** #(logit > offset) and #(logit > −offset) at the request's stability offset. */
  readonly stabilityCounts: { readonly above: number; readonly aboveLow: number }
  /** Row-major indices (y ≥ 1) where the mask differs from the pixel above, increasing. */
  readonly rowTransitions: Uint32Array
}

/** One mask proposal with its full-resolution logits and byte mask. */
export interface SegmentationCandidate extends CandidateBase {
  /** width×height logits in the output frame, row-major. */
  readonly logits: Float32Array
  /** width×height, 1 where logit > 0. */
  readonly mask: Uint8Array
  /**
   * SAM's stability score (offset 1, threshold 0) of `logits`, when the adapter computed it in its
   * threshold pass; otherwise computed from `logits` on demand.
   */
  readonly stabilityScore?: number
  /** #(logit > offset) and #(logit > −offset) at the request's stability offset, when the threshold pass counted them. */
  readonly stabilityCounts?: BinarisedCandidate['stabilityCounts']
  /**
   * Row-major indices (y ≥ 1) where `mask` differs from the pixel above, when the SIMD kernel found them
   * (then the RLE costs work proportional to the boundary only).
   */
  readonly rowTransitions?: Uint32Array
}

export interface VariantCapabilities {
  /** The decoder takes previous low-res logits (`mask_input`). */
  readonly maskInput: boolean
  /** Most prompt rows (points plus two per box) one call takes; null when the graph imposes no limit. */
  readonly maxPromptRows: number | null
  /** Candidates returned with multimask on. */
  readonly multimaskCandidates: number
}

export interface DecodeRequest {
  readonly embedding: Embedding
  /** The frame the prompt coordinates are in and the masks come out at (the annotation size). */
  readonly frame: ImageSize
  /** All multimask candidates (true) or the single best mask (false). */
  readonly multimask: boolean
  /**
   * Where full-resolution logits are binarised (by the SIMD kernel) when given. Candidates' `logits` and
   * `mask` are then views into the arena, valid only until its next use: for answers encoded in the
   * same thread, never for buffers that leave it.
   */
  readonly arena?: MaskKernelArena
  /** Offset of the stability counts (SAM's `stability_score_offset`); default 1. */
  readonly stabilityOffset?: number
  /**
   * The answer will be read from the low-res logits only (`decodeBinarised`): a graph that upscales its
   * masks to `orig_im_size` itself is then asked for a 1×1 frame, which spares onnxruntime four
   * full-resolution planes nobody reads (~10 ms per prompt at 1500×1000 with the demo decoder). Its
   * low-res logits and scores do not depend on that size (segment-anything `SamOnnxModel.forward`).
   */
  readonly masksUnused?: boolean
}

/** One implementation per variant; see variants/<variant>.ts. */
export interface VariantAdapter {
  readonly variant: VariantId
  readonly capabilities: VariantCapabilities
  /** The encoder's input tensor(s) for an RGB image, preprocessed the way this variant requires. */
  encoderFeeds(image: RgbImage): TensorMap
  /** Encoder outputs → the tensors the decoder needs. Copies nothing it can keep. */
  toEmbedding(outputs: TensorMap, imageSize: ImageSize): Embedding
  /** Decoder inputs for one prompt, in this variant's coordinate frame and row conventions. */
  decoderFeeds(prompt: SegmentationPrompt, request: DecodeRequest): TensorMap
  /** Decoder outputs → candidates at the requested frame. */
  decodeOutputs(outputs: TensorMap, request: DecodeRequest): SegmentationCandidate[]
  /**
   * The outputs to fetch for {@link decodeBinarised}: adapters that upscale the 256×256 logits themselves
   * leave out the graph's full-resolution masks, so onnxruntime does not copy them out (24 MB per run at
   * 1500×1000 with 4 tokens).
   */
  readonly binarisedFetches?: readonly string[]
  /**
   * Decoder outputs → candidates binarised in `arena` (views valid until its next use), for answers
   * encoded in the worker. Adapters without it are binarised from their full candidates.
   */
  decodeBinarised?(outputs: TensorMap, request: DecodeRequest, arena: MaskKernelArena): BinarisedCandidate[]
}
