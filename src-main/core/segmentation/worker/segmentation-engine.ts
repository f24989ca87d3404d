/**
 * What the segmentation worker does, independent of how messages reach it: onnxruntime sessions for one
 * encoder/decoder pair, the variant adapter, and the embedding cache. Runs inside the worker thread
 * (onnxruntime-node's `run` is synchronous native code, so it must never run on the main thread).
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import * as ort from 'onnxruntime-node'
import { SegmentationError } from '../errors'
import { onnxModelFiles, sha256OfModel } from '../model-files'
import { EmbeddingCache } from '../embedding-cache/embedding-cache'
import { EmbeddingDiskStore } from '../embedding-cache/disk-store'
import type { EmbeddingKey } from '../embedding-cache/disk-store'
import { assertRgbImage } from '../variants/encoder-inputs'
import { createVariantAdapter, detectVariant } from '../variants'
import type {
  DecodeRequest,
  DetectedModel,
  BinarisedCandidate,
  Embedding,
  RgbImage,
  SegmentationCandidate,
  SegmentationPrompt,
  VariantAdapter,
} from '../variants'
import { fromOrtOutputs, sessionSignature, toOrtFeeds } from './ort-tensors'
import { planProviders, withProviderFallback } from './providers'
import type { ExecutionProvider, ProviderAttempt } from './providers'
import { RETAINED_LOW_RES } from './protocol'
import type { EmbeddingHandle, EncodedCandidate, EncodeResult, LoadModelResult, PredictResult, WorkerCalls } from './protocol'
import { encodeMask, encodeMaskWithRowTransitions, encodeRowTransitions, rleArea, rleToSa1bBbox } from '../../masks'
import type { Rle } from '../../masks'
import { MaskKernelArena } from '../../masks/kernels/mask-kernels'
import { SAM_STABILITY_OFFSET, stabilityCounts } from '../sam-official/postprocess'

/**
 * Bumped whenever our preprocessing changes, so embeddings cached by older code are not reused: it is
 * part of the cache's model key together with the model hash and the encoder input form.
 */
export const PREPROCESSING_VERSION = 1

const DEFAULT_MAX_THREADS = 4

interface LoadedModel {
  readonly detected: DetectedModel
  readonly adapter: VariantAdapter
  readonly encoder: ort.InferenceSession
  readonly decoder: ort.InferenceSession
  /** Public model hash (the caller's, or sha256 of the encoder file). */
  readonly modelHash: string
  /** Cache key of this encoder + our preprocessing. */
  readonly cacheModelKey: string
  readonly cache: EmbeddingCache
  readonly result: LoadModelResult
}

/**
 * onnxruntime-node lists CUDA even when its provider libraries were never downloaded (its install step
 * fetches them; installs that skip it, like ours by default, have none). Trying it then only prints a
 * loader error, so a CUDA without its library counts as not available.
 */
function installedBackends(): { name: string; bundled: boolean }[] {
  const backends = ort.listSupportedBackends()
  if (process.platform !== 'linux') return backends
  let cudaLibrary: string
  try {
    const packageDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'))
    cudaLibrary = join(packageDir, 'bin', 'napi-v6', 'linux', process.arch, 'libonnxruntime_providers_cuda.so')
  } catch {
    return backends
  }
  return existsSync(cudaLibrary) ? backends : backends.filter((backend) => backend.name !== 'cuda')
}

export class SegmentationEngine {
  private model: LoadedModel | null = null
  /** Paths of the last successful load, to say "deleted after it was loaded" when they disappear. */
  private lastPaths: { encoder: string; decoder: string } | null = null
  /** Where interactive answers are binarised (SIMD); grows to the largest frame predicted at. */
  private readonly arena = new MaskKernelArena()
  /** Low-res logits kept by name for refinement (`keepLowResAs` / `refineFrom`), oldest first. */
  private readonly keptLowRes = new Map<string, Float32Array>()
  /**
   * Buffers of evicted refinement logits, reused for the next ones: keeping three candidates' logits per
   * click would otherwise allocate 768 KB of external memory per predict, which V8 pays back with a
   * mark-compact every dozen clicks.
   */
  private readonly spareLowRes: Float32Array[] = []

  async load(params: WorkerCalls['load']['params']): Promise<LoadModelResult> {
    const encoderPath = resolve(params.encoderPath)
    const decoderPath = resolve(params.decoderPath)
    const { options } = params
    await this.assertReadable(encoderPath, 'encoder')
    await this.assertReadable(decoderPath, 'decoder')
    // External-data weights: checked here so a missing or escaping file gets its own message.
    const encoderFiles = await onnxModelFiles(encoderPath, 'encoder')
    await onnxModelFiles(decoderPath, 'decoder')
    // One model at a time: a big model must not be held twice while the next one loads.
    await this.unload()

    const threads = clampThreads(options.threads)
    const plan = planProviders(options.preferredProvider ?? 'auto', process.platform, installedBackends())
    const sessionOptions = (provider: ExecutionProvider): ort.InferenceSession.SessionOptions => ({
      executionProviders: [provider],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // onnxruntime's pool threads otherwise spin for a while after each run, taking the cores our own
      // post-processing (upscale, threshold, RLE) needs right then: on 2 cores that doubled our p95.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      // DirectML supports neither memory patterns nor parallel execution (onnxruntime's DirectML EP docs).
      ...(provider === 'dml' ? { enableMemPattern: false, executionMode: 'sequential' as const } : {}),
    })
    const open = (path: string, which: 'encoder' | 'decoder') => async (provider: ExecutionProvider) => {
      try {
        return await ort.InferenceSession.create(path, sessionOptions(provider))
      } catch (error) {
        throw modelLoadError(error, path, which)
      }
    }
    const isModelError = (error: unknown): boolean => error instanceof SegmentationError
    const encoder = await withProviderFallback(plan, open(encoderPath, 'encoder'), isModelError)
    let decoder
    try {
      // The decoder tries the provider the encoder got, then CPU.
      const decoderPlan = {
        order: encoder.provider === 'cpu' ? (['cpu'] as const) : ([encoder.provider, 'cpu'] as const),
        skipped: [],
        gpuRequested: encoder.provider !== 'cpu',
      }
      decoder = await withProviderFallback(decoderPlan, open(decoderPath, 'decoder'), isModelError)
    } catch (error) {
      await encoder.value.release()
      throw error
    }
    try {
      const detected = detectVariant(sessionSignature(encoder.value), sessionSignature(decoder.value))
      const adapter = createVariantAdapter(detected)
      const modelHash = options.modelHash ?? (await sha256OfModel(encoderFiles))
      const cacheModelKey = createHash('sha256')
        .update(`${modelHash}|${detected.encoder.inputForm}|preprocessing-${PREPROCESSING_VERSION}`)
        .digest('hex')
        .slice(0, 40)
      const cache = new EmbeddingCache({
        ...(options.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: options.memoryBudgetBytes } : {}),
        disk: options.cacheDir ? new EmbeddingDiskStore(options.cacheDir) : null,
      })
      const providersTried: ProviderAttempt[] = [...encoder.attempts]
      const result: LoadModelResult = {
        variant: detected.variant,
        description: detected.description,
        capabilities: adapter.capabilities,
        providersTried,
        providerInUse: encoder.provider,
        decoderProvider: decoder.provider,
        modelHash,
        cacheModelKey,
        threads,
      }
      this.model = { detected, adapter, encoder: encoder.value, decoder: decoder.value, modelHash, cacheModelKey, cache, result }
      this.lastPaths = { encoder: encoderPath, decoder: decoderPath }
      return result
    } catch (error) {
      await encoder.value.release()
      await decoder.value.release()
      throw error
    }
  }

  async unload(): Promise<void> {
    const model = this.model
    this.model = null
    // Logits of another model's answers mean nothing to the next one.
    this.keptLowRes.clear()
    this.spareLowRes.length = 0
    if (!model) return
    model.cache.forgetMemory()
    await model.encoder.release()
    await model.decoder.release()
  }

  /** @param isCancelled polled between stages; a cancelled encode stops before running the encoder. */
  async encode(params: WorkerCalls['encode']['params'], isCancelled: () => boolean): Promise<EncodeResult> {
    const model = this.requireModel()
    const { image } = params
    assertRgbImage(image)
    const imageHash = params.imageHash ?? hashImage(image)
    if (!isHash(imageHash)) throw new SegmentationError('invalid_image', 'imageHash must be a hash of 8–128 characters [A-Za-z0-9_-]')
    const key: EmbeddingKey = { imageHash, modelHash: model.cacheModelKey }
    const cached = await model.cache.get(key)
    if (cached) return { handle: handleOf(model, imageHash, cached.embedding, cached.source) }
    if (isCancelled()) throw cancelled()
    const t0 = performance.now()
    const feeds = model.adapter.encoderFeeds(image)
    const t1 = performance.now()
    if (isCancelled()) throw cancelled()
    let outputs
    try {
      outputs = fromOrtOutputs(await model.encoder.run(toOrtFeeds(feeds)))
    } catch (error) {
      throw inferenceError(error, 'encoder')
    }
    const t2 = performance.now()
    const embedding = model.adapter.toEmbedding(outputs, { width: image.width, height: image.height })
    // Kept even if the caller gave up meanwhile: the work is done and the next request may want it.
    const stored = await model.cache.put(key, embedding)
    if (isCancelled()) throw cancelled()
    const handle = handleOf(model, imageHash, embedding, 'computed')
    return {
      handle:
        stored.diskError === undefined
          ? handle
          : { ...handle, cacheWarning: `the embedding cache folder could not be written: ${stored.diskError}` },
      timings: { preprocessMs: t1 - t0, encoderMs: t2 - t1 },
    }
  }

  async predict(params: WorkerCalls['predict']['params']): Promise<PredictResult> {
    const model = this.requireModel()
    if (params.modelHash !== model.modelHash) {
      throw new SegmentationError(
        'embedding_not_found',
        'the embedding was made by another model; encode the image again with the loaded model',
      )
    }
    if (!isHash(params.imageHash)) throw new SegmentationError('embedding_not_found', 'the embedding handle has a malformed image hash')
    const cached = await model.cache.get({ imageHash: params.imageHash, modelHash: model.cacheModelKey })
    if (!cached) throw new SegmentationError('embedding_not_found', 'the embedding is no longer cached; encode the image again')
    const embedding = cached.embedding
    const prompt = this.withKeptMaskInput(params.prompt, params.options.refineFrom)
    const encodeHere = params.options.output === 'rle'
    let request: DecodeRequest = {
      embedding,
      frame: params.options.frame ?? embedding.imageSize,
      multimask: params.options.multimask ?? true,
      // Answers encoded here are binarised by the SIMD kernel in the arena; full candidates leave the
      // thread by transfer, so they get buffers of their own.
      ...(encodeHere ? { arena: this.arena } : {}),
      ...(params.options.stabilityOffset !== undefined ? { stabilityOffset: params.options.stabilityOffset } : {}),
    }
    // Answers encoded here are upscaled and binarised by the SIMD kernel from the low-res logits, so the
    // graph's full-resolution masks need not leave onnxruntime, nor even be made at the frame's size.
    const binarise = encodeHere ? model.adapter.decodeBinarised?.bind(model.adapter) : undefined
    if (binarise) request = { ...request, masksUnused: true }
    const fetches = binarise ? model.adapter.binarisedFetches : undefined
    const t0 = performance.now()
    const feeds = model.adapter.decoderFeeds(prompt, request)
    const t1 = performance.now()
    let outputs
    try {
      outputs = fromOrtOutputs(await (fetches ? model.decoder.run(toOrtFeeds(feeds), [...fetches]) : model.decoder.run(toOrtFeeds(feeds))))
    } catch (error) {
      throw inferenceError(error, 'decoder')
    }
    const t2 = performance.now()
    if (encodeHere) {
      const candidates: readonly (BinarisedCandidate | SegmentationCandidate)[] = binarise
        ? binarise(outputs, request, this.arena)
        : model.adapter.decodeOutputs(outputs, request)
      const names = params.options.keepLowResAs
      if (names) candidates.forEach((candidate, k) => this.keepLowRes(names[k], candidate.lowResLogits))
      const keepLowRes = !names && (params.options.lowResLogits ?? true)
      const encoded = candidates.map((candidate) => encodeCandidate(candidate, request.stabilityOffset ?? SAM_STABILITY_OFFSET, keepLowRes))
      return { candidates: [], encoded, timings: { feedsMs: t1 - t0, decoderMs: t2 - t1, postprocessMs: performance.now() - t2 } }
    }
    const candidates = model.adapter.decodeOutputs(outputs, request)
    const t3 = performance.now()
    return { candidates, timings: { feedsMs: t1 - t0, decoderMs: t2 - t1, postprocessMs: t3 - t2 } }
  }

  private withKeptMaskInput(prompt: SegmentationPrompt, refineFrom: string | undefined): SegmentationPrompt {
    if (refineFrom === undefined) return prompt
    const kept = this.keptLowRes.get(refineFrom)
    if (!kept) {
      throw new SegmentationError('refinement_not_found', 'The candidate to refine from is no longer kept; prompt again without refining.')
    }
    if (prompt.maskInput) throw new SegmentationError('invalid_prompt', 'give either mask_input or refineFrom, not both')
    return { ...prompt, maskInput: kept }
  }

  /** Keeps a copy of one candidate's low-res logits under `name` (a copy: onnxruntime's buffer holds all tokens). */
  private keepLowRes(name: string | undefined, logits: Float32Array | null): void {
    if (name === undefined || !logits) return
    const previous = this.keptLowRes.get(name)
    this.keptLowRes.delete(name)
    const spare = previous ?? this.spareLowRes.pop()
    const copy = spare?.length === logits.length ? spare : new Float32Array(logits.length)
    copy.set(logits)
    this.keptLowRes.set(name, copy)
    while (this.keptLowRes.size > RETAINED_LOW_RES) {
      const oldest = this.keptLowRes.keys().next().value as string
      this.spareLowRes.push(this.keptLowRes.get(oldest) as Float32Array)
      this.keptLowRes.delete(oldest)
    }
  }

  private requireModel(): LoadedModel {
    if (!this.model) throw new SegmentationError('no_model_loaded', 'no segmentation model is loaded')
    return this.model
  }

  private async assertReadable(path: string, which: 'encoder' | 'decoder'): Promise<void> {
    let info
    try {
      info = await stat(path)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        const wasLoaded = this.lastPaths && (this.lastPaths.encoder === path || this.lastPaths.decoder === path)
        throw new SegmentationError(
          'model_not_found',
          wasLoaded
            ? `The ${which} file ${path} was deleted or moved after it was loaded. Put it back or add the model again.`
            : `The ${which} file ${path} does not exist.`,
        )
      }
      throw new SegmentationError('model_unreadable', `The ${which} file ${path} cannot be read (${String(code ?? error)}).`)
    }
    if (!info.isFile()) throw new SegmentationError('model_unreadable', `The ${which} path ${path} is not a file.`)
  }
}

/** Paths of embeddings and candidates that must travel by transfer (each buffer once). */
export function transferablesOf(result: PredictResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const c of result.candidates) {
    for (const a of [c.logits, c.mask, c.lowResLogits]) if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer)
  }
  for (const c of result.encoded ?? []) {
    if (c.lowResLogits && c.lowResLogits.buffer instanceof ArrayBuffer) buffers.add(c.lowResLogits.buffer)
    if (c.rle.counts.buffer instanceof ArrayBuffer) buffers.add(c.rle.counts.buffer)
  }
  return [...buffers]
}

/**
 * Mask → COCO RLE, area, SA-1B box; stability on the full-resolution logits. Candidates from the arena
 * bring their row transitions, so the RLE costs only their boundary; their views are not kept.
 */
function encodeCandidate(
  candidate: BinarisedCandidate | SegmentationCandidate,
  stabilityOffset: number,
  keepLowRes: boolean,
): EncodedCandidate {
  const { height, width } = candidate
  let rle: Rle
  let counts: { above: number; aboveLow: number }
  if ('firstRow' in candidate) {
    const { firstRow, lastRow, rowTransitions } = candidate
    rle = encodeRowTransitions(firstRow, lastRow, height, width, rowTransitions, rowTransitions.length)
    counts = candidate.stabilityCounts
  } else {
    const { mask, rowTransitions } = candidate
    rle = rowTransitions
      ? encodeMaskWithRowTransitions(mask, height, width, rowTransitions, rowTransitions.length)
      : encodeMask(mask, height, width)
    counts = candidate.stabilityCounts ?? stabilityCounts(candidate.logits, Math.fround(stabilityOffset))
  }
  const stability = counts.above / counts.aboveLow
  return {
    token: candidate.token,
    predictedIou: candidate.predictedIou,
    stabilityScore: Number.isFinite(stability) ? stability : 0,
    stabilityCounts: { above: counts.above, aboveLow: counts.aboveLow },
    // The encoders' counts are a Uint32Array of their own (transferable).
    rle: { size: rle.size, counts: rle.counts instanceof Uint32Array ? rle.counts : Uint32Array.from(rle.counts) },
    area: rleArea(rle),
    bbox: rleToSa1bBbox(rle),
    // onnxruntime's own buffer (the arena holds only copies), so it can be transferred.
    lowResLogits: keepLowRes ? candidate.lowResLogits : null,
  }
}

function handleOf(model: LoadedModel, imageHash: string, embedding: Embedding, source: EmbeddingHandle['source']): EmbeddingHandle {
  return {
    imageHash,
    modelHash: model.modelHash,
    variant: embedding.variant,
    imageSize: embedding.imageSize,
    byteSize: embedding.byteSize,
    source,
  }
}

function clampThreads(threads: number | undefined): number {
  const cores = Math.max(1, availableParallelism())
  if (threads === undefined) return Math.min(cores, DEFAULT_MAX_THREADS)
  if (!Number.isInteger(threads) || threads < 1)
    throw new SegmentationError('internal', `threads must be a positive integer, got ${threads}`)
  return Math.min(threads, cores)
}

function isHash(value: string): boolean {
  return /^[A-Za-z0-9_-]{8,128}$/.test(value)
}

/** sha256 of the image size and pixels, for images whose content hash the caller did not give. */
function hashImage(image: RgbImage): string {
  return createHash('sha256').update(`${image.width}x${image.height}:`).update(image.data).digest('hex')
}

/** onnxruntime's load failures, as model errors with the file named (they are the model's fault, not the provider's). */
function modelLoadError(error: unknown, path: string, which: 'encoder' | 'decoder'): unknown {
  const message = error instanceof Error ? error.message : String(error)
  if (/^Load model from .* failed/i.test(message) || /protobuf parsing failed/i.test(message)) {
    if (/File doesn't exist/i.test(message)) return new SegmentationError('model_not_found', `The ${which} file ${path} does not exist.`)
    const detail = message
      .replace(/^Load model from .* failed:\s*/i, '')
      .split('\n')[0]
      ?.slice(0, 200)
    return new SegmentationError(
      'model_corrupt',
      `The ${which} file ${path} is not a valid ONNX model (truncated or corrupt?): ${detail}`,
      { cause: error },
    )
  }
  return error
}

function inferenceError(error: unknown, which: 'encoder' | 'decoder'): SegmentationError {
  if (error instanceof SegmentationError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new SegmentationError('inference_failed', `the ${which} failed: ${message.split('\n')[0]?.slice(0, 300)}`, { cause: error })
}

function cancelled(): SegmentationError {
  return new SegmentationError('cancelled', 'the encode was cancelled')
}
