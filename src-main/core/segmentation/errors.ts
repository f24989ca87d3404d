/**
 * Errors of the segmentation domain. Each carries a code that survives the worker boundary (the worker
 * sends `{ code, message }`, the service rebuilds a SegmentationError), so callers and the UI can react to
 * the kind of failure without parsing messages. Messages are written for the person at the screen.
 */

export type SegmentationErrorCode =
  /** A model file does not exist (never existed, was moved, or was deleted after an earlier load). */
  | 'model_not_found'
  /** A model file exists but cannot be read (permissions, a directory, I/O error). */
  | 'model_unreadable'
  /** A model file is not a valid ONNX model (truncated, corrupt, another format). */
  | 'model_corrupt'
  /** The encoder/decoder pair matches none of the supported SAM variants. */
  | 'unknown_model_signature'
  /** The decoder is a known variant but the encoder does not produce what it needs. */
  | 'encoder_decoder_mismatch'
  /** No model is loaded (or it was unloaded) when an encode or predict arrived. */
  | 'no_model_loaded'
  /** The embedding a predict refers to is neither in memory nor in the disk cache. */
  | 'embedding_not_found'
  /** The low-res logits a prompt refines from are no longer kept by the worker (evicted, or the worker restarted). */
  | 'refinement_not_found'
  /** The prompt is malformed (no point and no box, NaN coordinates, wrong mask_input size). */
  | 'invalid_prompt'
  /** The prompt is valid but this model cannot take it (mask_input for EdgeSAM, too many points). */
  | 'unsupported_prompt'
  /** The image is malformed (size does not match its data, zero size). */
  | 'invalid_image'
  /** The requested output frame does not have the aspect ratio of the encoded image. */
  | 'size_mismatch'
  /** The request was cancelled by the caller before it finished. */
  | 'cancelled'
  /** onnxruntime failed while running a model. */
  | 'inference_failed'
  /** The worker thread died or could not start. */
  | 'worker_failed'
  /** The service was disposed. */
  | 'disposed'
  | 'internal'

export class SegmentationError extends Error {
  readonly code: SegmentationErrorCode
  constructor(code: SegmentationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SegmentationError'
    this.code = code
  }
}

/** The plain-data form sent across the worker boundary. */
export interface SegmentationErrorPayload {
  readonly code: SegmentationErrorCode
  readonly message: string
}

export function toSegmentationErrorPayload(error: unknown): SegmentationErrorPayload {
  if (error instanceof SegmentationError) return { code: error.code, message: error.message }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'internal', message }
}

export function isSegmentationError(error: unknown, code?: SegmentationErrorCode): error is SegmentationError {
  return error instanceof SegmentationError && (code === undefined || error.code === code)
}
