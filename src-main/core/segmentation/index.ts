/**
 * Segmentation: SAM-family models behind one service.
 *
 * Wiring (main process and web shell, both built by electron-vite):
 *
 *   import { SegmentationService } from './core/segmentation'
 *   import { productionWorkerFactory } from './core/segmentation/worker/worker-entry'
 *   const segmentation = new SegmentationService({ createWorker: productionWorkerFactory })
 *   const model = await segmentation.loadModel(encoderPath, decoderPath, { threads, preferredProvider, cacheDir, modelHash })
 *   const handle = await segmentation.encode(rgb, { imageHash, signal })
 *   const { candidates } = await segmentation.predict(handle, prompt, { frame: annotationSize })
 *
 * worker-entry.ts is deliberately not re-exported here: its `?modulePath` import only means something to the
 * electron-vite build. Tests, benchmarks and tsx scripts use `tsxWorkerFactory()` from worker/dev-worker.ts.
 * Nothing here loads onnxruntime on the calling thread; it lives in the worker.
 */
export { SegmentationService } from './worker/segmentation-service'
export type { EncodeOptions, EncodedEmbedding, SegmentationServiceOptions, WorkerFactory, WorkerLike } from './worker/segmentation-service'
export type {
  EmbeddingHandle,
  EncodeTimings,
  LoadModelOptions,
  LoadModelResult,
  PredictOptions,
  PredictResult,
  PredictTimings,
} from './worker/protocol'
export type { ExecutionProvider, ProviderAttempt, ProviderPreference } from './worker/providers'
export { SegmentationError, isSegmentationError } from './errors'
export type { SegmentationErrorCode, SegmentationErrorPayload } from './errors'
export { VARIANT_IDS } from './variants/types'
export type {
  ImageSize,
  PromptBox,
  PromptPoint,
  RgbImage,
  SegmentationCandidate,
  SegmentationPrompt,
  VariantCapabilities,
  VariantId,
} from './variants/types'
