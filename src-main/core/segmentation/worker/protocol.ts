/**
 * The typed request protocol between the SegmentationService (main thread) and the segmentation worker.
 * Every request carries a sequence number; every response echoes it with the request's kind, and either a
 * result or an error payload with a code. Plain data only (structured clone); typed arrays travel by
 * transfer where they can.
 */
import type { SegmentationErrorPayload } from '../errors'
import type { Rle } from '../../masks/coco-rle'
import type { ProviderAttempt, ExecutionProvider, ProviderPreference } from './providers'
import type { ImageSize, RgbImage, SegmentationCandidate, SegmentationPrompt, VariantCapabilities, VariantId } from '../variants/types'

export interface LoadModelOptions {
  /** onnxruntime intraOpNumThreads (the app setting); default: all cores, capped at 4. */
  readonly threads?: number
  readonly preferredProvider?: ProviderPreference
  /** Folder for the on-disk embedding cache (the project's cache folder), or null for memory only. */
  readonly cacheDir?: string | null
  /** Byte budget of the in-memory embedding LRU. */
  readonly memoryBudgetBytes?: number
  /**
   * Identifies the encoder (and so its embeddings) in the cache. Default: sha256 of the encoder file. Pass
   * the model record's hash when it is known, which also covers external weight files.
   */
  readonly modelHash?: string
}

export interface LoadModelResult {
  readonly variant: VariantId
  readonly description: string
  readonly capabilities: VariantCapabilities
  /** Every provider considered, in order, with why it was or was not used. */
  readonly providersTried: readonly ProviderAttempt[]
  /** The provider the encoder runs on (the expensive one). */
  readonly providerInUse: ExecutionProvider
  readonly decoderProvider: ExecutionProvider
  readonly modelHash: string
  /** Folder (below cacheDir) of this model's embeddings: the encoder hash combined with our preprocessing version. */
  readonly cacheModelKey: string
  readonly threads: number
}

/** A reference to an embedding held by the worker (memory cache, then disk cache). */
export interface EmbeddingHandle {
  readonly imageHash: string
  readonly modelHash: string
  readonly variant: VariantId
  /** Size of the image that was encoded. */
  readonly imageSize: ImageSize
  readonly byteSize: number
  readonly source: 'computed' | 'memory' | 'disk'
  /** Set when the embedding could not be written to the disk cache (it is still cached in memory). */
  readonly cacheWarning?: string
}

export interface PredictOptions {
  /** The frame the prompt is in and the masks come out at (the annotation size); default: the encoded image's size. */
  readonly frame?: ImageSize
  /** Up to 3 candidates (default) or the single best. */
  readonly multimask?: boolean /**
   * 'masks' (default): full candidates with logits and mask pixels. 'rle': each candidate's mask as COCO
   * RLE with its area, box and stability score, computed in the worker so no full-size buffer crosses
   * the thread boundary (what the interactive API needs; ~1.5 MB less per candidate to move).
   */
  readonly output?: 'masks' | 'rle'
  /** SAM's `stability_score_offset` for the stability counts (default 1). */
  readonly stabilityOffset?: number
  /**
   * Whether 'rle' answers carry the 256×256 logits for refinement (default true). Callers that never refine
   * (the automatic mask generator) say false: 1 MB less to move and collect per prompt.
   */
  readonly lowResLogits?: boolean
  /**
   * Names under which the worker keeps each 'rle' answer's 256×256 logits (name k for candidate k), so a later
   * prompt refines from them by name (`refineFrom`) and the 1 MB of logits never crosses threads. The
   * answers then carry no `lowResLogits`. The worker keeps the last RETAINED_LOW_RES names.
   */
  readonly keepLowResAs?: readonly string[]
  /** A name given in an earlier `keepLowResAs`: its logits become this prompt's mask_input. */
  readonly refineFrom?: string
}

/** How many kept low-res logits (by name) the worker holds: 256 KiB each. */
export const RETAINED_LOW_RES = 48

export interface PredictTimings {
  /** Building the decoder feeds (ours). */
  readonly feedsMs: number
  /** onnxruntime's decoder run. */
  readonly decoderMs: number
  /** Slicing, upscaling and thresholding (ours). */
  readonly postprocessMs: number
}

/** A candidate as `output: 'rle'` returns it. */
export interface EncodedCandidate {
  readonly token: number
  readonly predictedIou: number
  /** On the full-resolution logits (threshold 0, the requested offset); 0 for an empty mask (SAM's 0/0 is NaN). */
  readonly stabilityScore: number
  /** #(logit > offset) and #(logit > −offset) at the requested stability offset (compared in float32). */
  readonly stabilityCounts: { readonly above: number; readonly aboveLow: number }
  /**
   * COCO RLE of the mask at the output frame, as run lengths: they cross the thread by transfer, and
   * whoever needs the compressed string form (the renderer's contract) compresses on that side.
   */
  readonly rle: Rle & { readonly counts: Uint32Array }
  readonly area: number
  /** SA-1B convention [x, y, w, h] (inclusive max indices). */
  readonly bbox: [number, number, number, number]
  readonly lowResLogits: Float32Array | null
}

export interface PredictResult {
  readonly candidates: readonly SegmentationCandidate[]
  /** Filled instead of `candidates` when `output: 'rle'` was asked for. */
  readonly encoded?: readonly EncodedCandidate[]
  readonly timings: PredictTimings
}

export interface EncodeTimings {
  readonly preprocessMs: number
  readonly encoderMs: number
}

export interface EncodeResult {
  readonly handle: EmbeddingHandle
  /** Absent when the embedding came from a cache. */
  readonly timings?: EncodeTimings
}

/** Request parameters and result per request kind. */
export interface WorkerCalls {
  load: {
    params: { readonly encoderPath: string; readonly decoderPath: string; readonly options: LoadModelOptions }
    result: LoadModelResult
  }
  encode: {
    params: {
      readonly image: RgbImage
      readonly imageHash?: string
      /** Int32Array(1) over a SharedArrayBuffer; the caller stores 1 to cancel. Checked between stages. */
      readonly cancelFlag: SharedArrayBuffer
    }
    result: EncodeResult
  }
  predict: {
    params: {
      readonly imageHash: string
      readonly modelHash: string
      readonly prompt: SegmentationPrompt
      readonly options: PredictOptions
    }
    result: PredictResult
  }
  unload: { params: Record<string, never>; result: null }
}

export type WorkerCallKind = keyof WorkerCalls

export type WorkerRequest = {
  [K in WorkerCallKind]: { readonly seq: number; readonly kind: K; readonly params: WorkerCalls[K]['params'] }
}[WorkerCallKind]

export type WorkerResponse =
  | {
      [K in WorkerCallKind]: { readonly seq: number; readonly kind: K; readonly ok: true; readonly result: WorkerCalls[K]['result'] }
    }[WorkerCallKind]
  | { readonly seq: number; readonly kind: WorkerCallKind; readonly ok: false; readonly error: SegmentationErrorPayload }

export function isWorkerResponse(value: unknown): value is WorkerResponse {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { seq?: unknown; kind?: unknown; ok?: unknown }
  return typeof v.seq === 'number' && typeof v.kind === 'string' && typeof v.ok === 'boolean'
}

export function isWorkerRequest(value: unknown): value is WorkerRequest {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { seq?: unknown; kind?: unknown; params?: unknown }
  return (
    typeof v.seq === 'number' &&
    (v.kind === 'load' || v.kind === 'encode' || v.kind === 'predict' || v.kind === 'unload') &&
    typeof v.params === 'object'
  )
}
