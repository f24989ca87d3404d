/**
 * Interactive segmentation for one open project: its models (the bundled demo segmenter and models
 * people add), loading the active one into the segmentation worker, image embeddings (on demand, ahead
 * of the annotator, or for the whole project as a job) and prompt → candidate masks as COCO RLE.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import type {
  EmbeddingStatus,
  JobInfo,
  MaskCandidate,
  ModelInfo,
  PredictResult,
  PromptBox,
  PromptPoint,
  SegmenterStatus,
} from '../../../src-preload/contract/dto'
import { AppError, type ErrorCode } from '../../../src-preload/contract/errors'
import { actorName, type Actor } from '../project/actor'
import type { ProjectSession } from '../project/project-session'
import { ModelRepository } from '../project/model-repository'
import type { ImageRow } from '../project/image-repository'
import { annotationCopyPath } from '../imaging/folder-import'
import { isSegmentationError } from '../segmentation/errors'
import { onnxModelFiles, sha256OfModel } from '../segmentation/model-files'
import type { SegmentationService } from '../segmentation/worker/segmentation-service'
import { RETAINED_LOW_RES } from '../segmentation/worker/protocol'
import { compressRle } from '../masks'
import type { LoadModelResult } from '../segmentation/worker/protocol'

/** The demo segmenter's files below the resources folder. */
export const DEMO_MODEL_DIR = join('models', 'demo-segmenter')
/** Images encoded ahead of the one being annotated (grid order). */
const PREFETCH_AHEAD = 2
/** Candidates whose low-res logits are kept for refinement (3 per prompt). */

interface DemoManifest {
  name: string
  variant: string
}

export interface SegmenterControllerOptions {
  session: ProjectSession
  service: SegmentationService
  resourcesDir: string
  /** Who is working, read at each write. */
  actor: Actor
  onStatus: (status: SegmenterStatus) => void
  onEmbedding: (status: EmbeddingStatus) => void
}

/** sha256 and size of a model file with its external-data files (a specific error when one is missing). */
async function modelIdentity(path: string, which: 'encoder' | 'decoder'): Promise<{ sha256: string; bytes: number }> {
  const files = await onnxModelFiles(path, which)
  return { sha256: await sha256OfModel(files), bytes: files.totalBytes }
}

async function identities(encoderPath: string, decoderPath: string) {
  const [encoder, decoder] = await Promise.all([modelIdentity(encoderPath, 'encoder'), modelIdentity(decoderPath, 'decoder')])
  return { encoderSha256: encoder.sha256, decoderSha256: decoder.sha256, encoderBytes: encoder.bytes, decoderBytes: decoder.bytes }
}

/** Segmentation failures as the API reports them: the same specific message, a contract code. */
export function toAppError(error: unknown): unknown {
  if (!isSegmentationError(error)) return error
  const codes: Partial<Record<string, ErrorCode>> = {
    model_not_found: 'model_missing',
    model_unreadable: 'model_invalid',
    model_corrupt: 'model_invalid',
    unknown_model_signature: 'model_invalid',
    encoder_decoder_mismatch: 'model_invalid',
    invalid_prompt: 'invalid_request',
    refinement_not_found: 'not_found',
    unsupported_prompt: 'invalid_request',
    cancelled: 'cancelled',
  }
  return new AppError(codes[error.code] ?? 'segmentation_failed', error.message)
}

export class SegmenterController {
  readonly models: ModelRepository
  private loaded: { modelId: number; result: LoadModelResult } | null = null
  private loading: Promise<LoadModelResult> | null = null
  private state: SegmenterStatus['state'] = 'idle'
  private error: string | null = null
  private readonly encoding = new Map<number, Promise<void>>()
  private readonly failed = new Map<number, string>()
  /** Candidate handles whose low-res logits the worker keeps (see PredictOptions.keepLowResAs), oldest first. */
  private readonly refineHandles = new Set<string>()
  /** Prefixes this controller's names in the worker, which outlives a project. */
  private readonly instanceId = randomUUID()
  private predictSeq = 0
  /** The active model's embedding folder name, memoised (looked up for every grid row). */
  private cacheKey: { modelId: number; key: string | null } | null = null
  private readonly prefetchAbort = new AbortController()

  constructor(private readonly options: SegmenterControllerOptions) {
    this.models = new ModelRepository(options.session.db)
  }

  private get embeddingDir(): string {
    return join(this.options.session.paths.projectDir, 'cache', 'embeddings')
  }

  /** Registers the bundled demo segmenter in this project (once) and makes a model active. */
  async ensureBundledModel(): Promise<void> {
    const dir = resolve(this.options.resourcesDir, DEMO_MODEL_DIR)
    const encoderPath = join(dir, 'encoder.onnx')
    const decoderPath = join(dir, 'decoder.onnx')
    if (!existsSync(encoderPath) || !existsSync(decoderPath)) {
      this.error = `The bundled demo segmenter is missing from ${dir}; add a SAM model to segment.`
      return
    }
    const existing = this.models.bundled()
    if (existing) {
      if (existing.encoderPath !== encoderPath || existing.decoderPath !== decoderPath)
        this.models.relocate(existing.id, encoderPath, decoderPath)
    } else {
      const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as DemoManifest
      this.models.add(
        {
          name: manifest.name,
          variant: 'sam-official',
          description: 'Demo segmenter with the official SAM ONNX interface: segments by colour similarity (not SAM)',
          encoderPath,
          decoderPath,
          ...(await identities(encoderPath, decoderPath)),
          bundled: true,
        },
        actorName(this.options.actor),
      )
    }
    if (this.models.activeId() === null) {
      const bundled = this.models.bundled()
      if (bundled) this.models.activate(bundled.id, actorName(this.options.actor))
    }
  }

  status(): SegmenterStatus {
    const activeId = this.models.activeId()
    const model = activeId === null ? null : this.models.get(activeId)
    const settings = this.models.settings()
    const result = this.loaded?.modelId === activeId ? this.loaded?.result : undefined
    return {
      model,
      state: this.state,
      provider: result?.providerInUse ?? null,
      providersTried: (result?.providersTried ?? []).map((attempt) => ({
        provider: attempt.provider,
        used: attempt.used,
        reason: attempt.reason,
      })),
      preferredProvider: settings.preferredProvider,
      threads: result?.threads ?? settings.threads,
      error: this.error,
    }
  }

  /** Whether the active model's embedding of an image is on disk. */
  embeddingReady(contentHash: string): boolean {
    const activeId = this.models.activeId()
    if (activeId === null) return false
    if (this.cacheKey?.modelId !== activeId) this.cacheKey = { modelId: activeId, key: this.models.embeddingCacheKey(activeId) }
    return this.cacheKey.key !== null && existsSync(join(this.embeddingDir, this.cacheKey.key, `${contentHash}.json`))
  }

  /** The image's annotation copy as interleaved RGB (what the model sees and masks are made at). */
  async loadAnnotationRgb(row: ImageRow): Promise<{ data: Uint8Array; width: number; height: number }> {
    const file = annotationCopyPath(this.options.session.paths, row.content_hash)
    try {
      const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
    } catch (error) {
      throw new AppError(
        'not_found',
        `The cached copy of ${row.rel_path} cannot be read (${(error as Error).message}); rescan the folder to rebuild it.`,
      )
    }
  }

  activeModel(): ModelInfo | null {
    const id = this.models.activeId()
    return id === null ? null : this.models.get(id)
  }

  /** Loads the active model into the worker unless it is already there. */
  async ensureLoaded(): Promise<LoadModelResult> {
    const model = this.activeModel()
    if (!model) throw new AppError('model_missing', 'No segmentation model is active. Add a SAM model or use the demo segmenter.')
    if (this.loaded?.modelId === model.id) return this.loaded.result
    if (this.loading) return this.loading
    this.state = 'loading'
    this.error = null
    this.options.onStatus(this.status())
    const settings = this.models.settings()
    this.loading = this.options.service
      .loadModel(model.encoderPath, model.decoderPath, {
        cacheDir: this.embeddingDir,
        modelHash: model.encoderSha256,
        preferredProvider: settings.preferredProvider,
        ...(settings.threads > 0 ? { threads: settings.threads } : {}),
      })
      .then(
        (result) => {
          this.loaded = { modelId: model.id, result }
          this.models.setEmbeddingCacheKey(model.id, result.cacheModelKey)
          this.cacheKey = null
          this.state = 'ready'
          return result
        },
        (error: unknown) => {
          this.loaded = null
          this.state = 'failed'
          this.error = `${model.name}: ${(error as Error).message}`
          throw toAppError(error)
        },
      )
      .finally(() => {
        this.loading = null
        this.options.onStatus(this.status())
      })
    return this.loading
  }

  async addModel(encoderPath: string, decoderPath: string, name?: string): Promise<ModelInfo> {
    for (const path of [encoderPath, decoderPath]) {
      if (!existsSync(path)) throw new AppError('model_missing', `There is no file at ${path}.`)
    }
    let identity
    try {
      identity = await identities(encoderPath, decoderPath)
    } catch (error) {
      throw toAppError(error)
    }
    const { encoderSha256, decoderSha256 } = identity
    const known = this.models.findByHashes(encoderSha256, decoderSha256)
    if (known) throw new AppError('conflict', `These files are already registered as “${known.name}”.`)
    // Loading validates the pair and detects the variant from the graphs (never from file names).
    let result: LoadModelResult
    try {
      result = await this.options.service.loadModel(encoderPath, decoderPath, { modelHash: encoderSha256, cacheDir: this.embeddingDir })
    } catch (error) {
      throw toAppError(error)
    } finally {
      this.loaded = null // the worker now holds the new pair, not the active model
    }
    const model = this.models.add(
      {
        name: name ?? `${result.description}`,
        variant: result.variant,
        description: result.description,
        encoderPath: resolve(encoderPath),
        decoderPath: resolve(decoderPath),
        ...identity,
        bundled: false,
      },
      actorName(this.options.actor),
    )
    return model
  }

  async activate(modelId: number): Promise<SegmenterStatus> {
    this.models.activate(modelId, actorName(this.options.actor))
    this.failed.clear()
    this.refineHandles.clear()
    this.options.onStatus(this.status())
    void this.ensureLoaded().catch(() => undefined) // state and error are reported through status
    return this.status()
  }

  configure(settings: { threads?: number; preferredProvider?: SegmenterStatus['preferredProvider'] }): SegmenterStatus {
    this.models.configure(settings)
    this.loaded = null // reload with the new settings on next use
    this.state = 'idle'
    this.options.onStatus(this.status())
    return this.status()
  }

  /** The embedding's state; starts encoding it (and the next images) when it is not cached. */
  prepare(imageId: number): EmbeddingStatus {
    const status = this.embeddingStatus(imageId)
    if (status.state === 'missing') void this.encodeImage(imageId).catch(() => undefined)
    this.prefetchAfter(imageId)
    return this.embeddingStatus(imageId)
  }

  embeddingStatus(imageId: number): EmbeddingStatus {
    const row = this.options.session.image(imageId)
    if (this.embeddingReady(row.content_hash)) return { imageId, state: 'ready', error: null }
    if (this.encoding.has(imageId)) return { imageId, state: 'encoding', error: null }
    const failure = this.failed.get(imageId)
    return failure ? { imageId, state: 'failed', error: failure } : { imageId, state: 'missing', error: null }
  }

  /** Encodes one image (once at a time per image); resolves when its embedding is cached. */
  encodeImage(imageId: number, signal?: AbortSignal): Promise<void> {
    const running = this.encoding.get(imageId)
    if (running) return running
    const row = this.options.session.image(imageId)
    if (this.embeddingReady(row.content_hash)) return Promise.resolve()
    const task = (async () => {
      this.failed.delete(imageId)
      this.options.onEmbedding({ imageId, state: 'encoding', error: null })
      try {
        await this.ensureLoaded()
        const file = annotationCopyPath(this.options.session.paths, row.content_hash)
        const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
        const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        await this.options.service.encode(
          { data: rgb, width: info.width, height: info.height },
          { imageHash: row.content_hash, transfer: true, ...(signal ? { signal } : {}) },
        )
        this.options.onEmbedding({ imageId, state: 'ready', error: null })
      } catch (error) {
        const appError = toAppError(error)
        const message = appError instanceof Error ? appError.message : String(appError)
        if (!(appError instanceof AppError && appError.code === 'cancelled')) {
          this.failed.set(imageId, message)
          this.options.onEmbedding({ imageId, state: 'failed', error: message })
        } else {
          this.options.onEmbedding({ imageId, state: 'missing', error: null })
        }
        throw appError
      } finally {
        this.encoding.delete(imageId)
      }
    })()
    this.encoding.set(imageId, task)
    return task
  }

  private prefetchAfter(imageId: number): void {
    let row = this.options.session.image(imageId)
    for (let ahead = 0; ahead < PREFETCH_AHEAD; ahead++) {
      const next = this.options.session.images.neighbour(row, 'next')
      if (!next) return
      row = next
      if (!this.embeddingReady(next.content_hash) && !this.encoding.has(next.id) && !this.failed.has(next.id)) {
        void this.encodeImage(next.id, this.prefetchAbort.signal).catch(() => undefined)
      }
    }
  }

  async predict(input: {
    imageId: number
    points: PromptPoint[]
    box?: PromptBox | undefined
    refineFrom?: string | undefined
    multimask?: boolean | undefined
  }): Promise<PredictResult> {
    const row = this.options.session.image(input.imageId)
    const started = performance.now()
    await this.encodeImage(input.imageId)
    const loaded = await this.ensureLoaded()
    const embeddingMs = performance.now() - started
    if (input.refineFrom !== undefined && !this.refineHandles.has(input.refineFrom))
      throw new AppError('not_found', 'The candidate to refine from is no longer kept; prompt again without refining.')
    const seq = ++this.predictSeq
    const handles = [0, 1, 2].map((index) => `${seq}.${index}`)
    const frame = { width: row.annotation_width, height: row.annotation_height }
    let result
    try {
      result = await this.options.service.predict(
        { imageHash: row.content_hash, modelHash: loaded.modelHash },
        {
          points: input.points.map((point) => ({
            x: point.x,
            y: point.y,
            label: point.label === 'positive' ? 'foreground' : 'background',
          })),
          box: input.box,
        },
        {
          frame,
          multimask: input.multimask ?? true,
          output: 'rle',
          // The refinement logits stay in the worker, named per controller (a project's handles never meet another's).
          keepLowResAs: handles.map((handle) => this.workerName(handle)),
          ...(input.refineFrom !== undefined && loaded.capabilities.maskInput ? { refineFrom: this.workerName(input.refineFrom) } : {}),
        },
      )
    } catch (error) {
      throw toAppError(error)
    }
    const answered = performance.now()
    const candidates: MaskCandidate[] = (result.encoded ?? []).map((candidate, index) => {
      const handle = handles[index] ?? `${seq}.${index}`
      this.keepForRefinement(handle)
      return {
        handle,
        token: candidate.token,
        rle: compressRle(candidate.rle),
        area: candidate.area,
        bbox: candidate.bbox,
        predictedIou: candidate.predictedIou,
        stabilityScore: candidate.stabilityScore,
      }
    })
    const best = candidates.reduce(
      (bestIndex, candidate, index) => (candidate.predictedIou > (candidates[bestIndex]?.predictedIou ?? -Infinity) ? index : bestIndex),
      0,
    )
    return {
      candidates,
      best,
      timings: {
        embeddingMs,
        feedsMs: result.timings.feedsMs,
        decoderMs: result.timings.decoderMs,
        postprocessMs: result.timings.postprocessMs,
        encodeMs: performance.now() - answered,
      },
    }
  }

  /** Remembers a handle the worker keeps logits for; the worker evicts in the same order at the same size. */
  private keepForRefinement(handle: string): void {
    this.refineHandles.add(handle)
    while (this.refineHandles.size > RETAINED_LOW_RES) this.refineHandles.delete(this.refineHandles.values().next().value as string)
  }

  private workerName(handle: string): string {
    return `${this.instanceId}/${handle}`
  }

  /** Encodes every image without a cached embedding; cached ones are skipped, so a re-run resumes. */
  startEncodeProject(label = 'Encoding images'): JobInfo {
    const session = this.options.session
    return session.jobs.start({
      kind: 'encode',
      label,
      params: {},
      run: async ({ signal, progress }) => {
        await this.ensureLoaded()
        const todo: number[] = []
        let cached = 0
        for (const row of session.images.all()) {
          if (row.missing) continue
          if (this.embeddingReady(row.content_hash)) cached++
          else todo.push(row.id)
        }
        let encoded = 0
        let failed = 0
        progress(0, todo.length)
        for (const [index, imageId] of todo.entries()) {
          if (signal.aborted) break
          try {
            await this.encodeImage(imageId, signal)
            encoded++
          } catch (error) {
            if (signal.aborted) break
            if (error instanceof AppError && error.code === 'model_invalid') throw error
            failed++
          }
          progress(index + 1, todo.length)
        }
        return { encoded, cached, failed }
      },
    })
  }

  dispose(): void {
    this.prefetchAbort.abort()
  }
}
