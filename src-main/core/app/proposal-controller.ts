/**
 * Automatic proposals for the open project: the point-grid generator (SAM's AMG) run over images as a
 * resumable job, its records triaged into auto-accepted / needs review / discarded, and re-triage when
 * thresholds change. Also proposals ahead of the annotator (the next unfinished image) and re-seeding:
 * a denser grid only inside an image's uncovered gaps.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { JobInfo, ModelInfo, ProposeSummary, TriageSettings, TriageState } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { JobContext } from '../jobs/job-runner'
import type { Actor } from '../project/actor'
import type { ProjectSession } from '../project/project-session'
import { readDetections, type ProjectImageRef } from '../proposals/detections'
import { ProposalStore, type ProposalRecord } from '../proposals/proposal-store'
import { TRIAGE_PRESETS, presetSettings } from '../proposals/triage'
import { gridPointsInRegions } from '../masks'
import { ReviewStore, coveredFraction, maskBitmap } from '../review'
import { generateMasks, type AmgMaskRecord } from '../segmentation/amg/generate'
import { resolveAmgParams, type AmgParams } from '../segmentation/amg/params'
import { serviceMaskSource } from '../segmentation/amg/service-source'
import type { SegmentationService } from '../segmentation/worker/segmentation-service'
import { toAppError, type SegmenterController } from './segmenter-controller'

const PRESET_NAMES = Object.keys(TRIAGE_PRESETS) as (keyof typeof TRIAGE_PRESETS)[]

/** Points per side of the grid that re-seeding restricts to the gaps (twice the default grid's density). */
export const RESEED_POINTS_PER_SIDE = 64
/**
 * At most this many prompts per re-seed (one decoder call each: ~50 ms with SAM on a CPU, so ~13 s), so
 * re-seeding stays an interactive action: when the gaps are large the grid is thinned (fewer points per
 * side, never below RESEED_MIN_POINTS_PER_SIDE) until it fits. Every gap keeps at least one point.
 */
export const RESEED_MAX_POINTS = 256
export const RESEED_MIN_POINTS_PER_SIDE = 8
/** Re-seeded proposals with more than this fraction of their pixels already covered are dropped. */
export const RESEED_MAX_COVERED_FRACTION = 0.5

export interface ProposeOptions {
  /** Images to propose for; all images of the project when absent. */
  imageIds?: number[] | undefined
  pointsPerSide?: number | undefined
  cropNLayers?: number | undefined
}

export interface ProposalControllerOptions {
  session: ProjectSession
  segmenter: SegmenterController
  service: SegmentationService
  /** Who is working, read at each write. */
  actor: Actor
  /** An image's proposals changed (the grid and an open image view refresh it). */
  onImage: (imageId: number) => void
  /** The project's review store (coverage and review settings for re-seeding); made on the session's database when absent. */
  review?: ReviewStore
}

export function toProposalRecord(record: AmgMaskRecord): ProposalRecord {
  return {
    rleCounts: record.segmentation.counts,
    area: record.area,
    bbox: [...record.bbox] as [number, number, number, number],
    predictedIou: record.predicted_iou,
    stabilityScore: Number.isFinite(record.stability_score) ? record.stability_score : 0,
    pointCoords: record.point_coords.map(([x, y]) => [x, y] as [number, number]),
    cropBox: [...record.crop_box] as [number, number, number, number],
  }
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

export class ProposalController {
  readonly store: ProposalStore
  private readonly review: ReviewStore
  /** Point-grid jobs this controller started, with their images (null = every image), to avoid duplicates. */
  private readonly gridJobs = new Map<string, readonly number[] | null>()
  /** Proposal jobs prefetchNext started ahead of the person: job id → the image it is for. */
  private readonly aheadJobs = new Map<string, number>()

  constructor(private readonly options: ProposalControllerOptions) {
    this.store = new ProposalStore(options.session.db, options.actor)
    this.review = options.review ?? new ReviewStore(options.session.db)
  }

  triageState(): TriageState {
    return { settings: this.store.triage(), presets: PRESET_NAMES.map((name) => presetSettings(name)), counts: this.store.totals() }
  }

  setTriage(settings: TriageSettings): TriageState {
    this.store.setTriage(settings)
    return this.triageState()
  }

  /**
   * The generator's own filters sit at the review floor, so every proposal that could be reviewed is
   * kept; triage then sorts them. (The generator's IoU test is `>`, triage's `≥`: a proposal exactly at
   * the floor's IoU is dropped by the generator.)
   */
  generatorParams(options: ProposeOptions) {
    const floor = this.store.triage().review
    return resolveAmgParams({
      pointsPerSide: options.pointsPerSide ?? 32,
      cropNLayers: options.cropNLayers ?? 0,
      predIouThresh: floor.predictedIou,
      stabilityScoreThresh: floor.stability,
    })
  }

  /** The run of this model with these generator parameters (shared by the app, the CLI and shard merges). */
  runFor(model: ModelInfo, params: AmgParams): number {
    return this.store.ensureRun(model.id, 'grid', { ...params, model: { encoder: model.encoderSha256, decoder: model.decoderSha256 } })
  }

  /** Runs the generator on one image's annotation copy; records at annotation size. */
  async generateFor(imageId: number, params: AmgParams, signal?: AbortSignal): Promise<ProposalRecord[]> {
    const row = this.options.session.image(imageId)
    const rgb = await this.options.segmenter.loadAnnotationRgb(row)
    const source = serviceMaskSource(this.options.service, rgb, row.content_hash)
    const result = await generateMasks(source, { width: rgb.width, height: rgb.height }, params, signal ? { signal } : {})
    return result.records.map(toProposalRecord)
  }

  /** The active model, loaded: proposals always record which model made them. */
  private async loadedModel(): Promise<ModelInfo> {
    try {
      await this.options.segmenter.ensureLoaded()
    } catch (error) {
      throw toAppError(error)
    }
    const model = this.options.segmenter.activeModel()
    if (!model) throw new AppError('model_missing', 'No segmentation model is active.')
    return model
  }

  /**
   * The loop both kinds of proposal job share: the run's unfinished images one at a time, each image's
   * proposals stored in one transaction as it finishes (so a killed job resumes), failures recorded
   * per image while the job goes on. A broken model stops the job.
   */
  private async proposeImages(
    runId: number,
    model: ModelInfo,
    wanted: readonly number[],
    context: JobContext,
    recordsFor: (imageId: number) => Promise<ProposalRecord[]>,
  ): Promise<ProposeSummary> {
    const { signal, progress } = context
    const todo = this.store.pendingImages(runId, wanted)
    const summary: ProposeSummary = {
      images: 0,
      proposals: 0,
      auto: 0,
      review: 0,
      discarded: 0,
      failed: 0,
      skipped: wanted.length - todo.length,
    }
    progress(0, todo.length)
    for (const [index, imageId] of todo.entries()) {
      if (signal.aborted) break
      const started = performance.now()
      try {
        const records = await recordsFor(imageId)
        if (signal.aborted) break
        const counts = this.store.saveImage(runId, model.id, imageId, records, (performance.now() - started) / 1000)
        summary.images++
        summary.proposals += records.length
        summary.auto += counts.auto
        summary.review += counts.review
        summary.discarded += counts.discarded
        this.options.onImage(imageId)
      } catch (error) {
        if (signal.aborted) break
        const failure = toAppError(error)
        if (failure instanceof AppError && failure.code === 'model_invalid') throw failure
        this.store.markFailed(runId, imageId, failure instanceof Error ? failure.message : String(failure))
        summary.failed++
      }
      progress(index + 1, todo.length)
    }
    return summary
  }

  /**
   * Proposals from box detections (COCO JSON or YOLO labels): one box prompt per detection, single-mask
   * output, triaged like grid proposals. The run is keyed by the detections file's content.
   */
  startProposeFromBoxes(path: string, minScore = 0, label = 'Proposing masks from detections'): JobInfo {
    const { session, segmenter } = this.options
    return session.jobs.start({
      kind: 'propose',
      label,
      params: { boxes: path, minScore },
      run: async (context): Promise<ProposeSummary> => {
        const images: ProjectImageRef[] = session.images.all().map((row) => ({
          id: row.id,
          relPath: row.rel_path,
          width: row.width,
          height: row.height,
          annotationWidth: row.annotation_width,
          annotationHeight: row.annotation_height,
        }))
        const detections = await readDetections(path, images, minScore)
        const model = await this.loadedModel()
        const fileHash = createHash('sha256')
          .update(await readFile(path).catch(() => Buffer.from(path)))
          .digest('hex')
        const runId = this.store.ensureRun(model.id, 'boxes', {
          detections: fileHash,
          minScore,
          model: { encoder: model.encoderSha256, decoder: model.decoderSha256 },
        })
        return this.proposeImages(runId, model, [...detections.byImage.keys()], context, async (imageId) => {
          const row = session.image(imageId)
          const records: ProposalRecord[] = []
          for (const { box } of detections.byImage.get(imageId) ?? []) {
            if (context.signal.aborted) break
            const result = await segmenter.predict({
              imageId,
              points: [],
              box: { x0: box[0], y0: box[1], x1: box[2], y1: box[3] },
              multimask: false,
            })
            const best = result.candidates[result.best]
            if (!best || best.area === 0) continue
            records.push({
              rleCounts: best.rle.counts,
              area: best.area,
              bbox: best.bbox,
              predictedIou: best.predictedIou,
              stabilityScore: best.stabilityScore,
              pointCoords: [[(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]],
              cropBox: [0, 0, row.annotation_width, row.annotation_height],
              box,
            })
          }
          return records
        })
      },
    })
  }

  startPropose(options: ProposeOptions, label = 'Proposing masks'): JobInfo {
    const { session } = this.options
    const params = this.generatorParams(options)
    const job = session.jobs.start({
      kind: 'propose',
      label,
      params: { imageIds: options.imageIds ?? null, pointsPerSide: params.pointsPerSide, cropNLayers: params.cropNLayers },
      run: async (context): Promise<ProposeSummary> => {
        const model = await this.loadedModel()
        const wanted =
          options.imageIds ??
          session.images
            .all()
            .filter((row) => !row.missing)
            .map((row) => row.id)
        return this.proposeImages(this.runFor(model, params), model, wanted, context, (imageId) =>
          this.generateFor(imageId, params, context.signal),
        )
      },
    })
    this.gridJobs.set(job.id, options.imageIds ?? null)
    return job
  }

  /** Starts a job again after a restart from its stored parameters (grid, detections or re-seeding). */
  resume(label: string, params: Record<string, unknown>): JobInfo {
    if (params.reseed === true && typeof params.imageId === 'number') {
      return this.startReseed(params.imageId, optionalNumber(params.pointsPerSide), label)
    }
    if (typeof params.boxes === 'string') return this.startProposeFromBoxes(params.boxes, optionalNumber(params.minScore) ?? 0, label)
    return this.startPropose(
      {
        imageIds: Array.isArray(params.imageIds) ? params.imageIds.filter((id): id is number => typeof id === 'number') : undefined,
        pointsPerSide: optionalNumber(params.pointsPerSide),
        cropNLayers: optionalNumber(params.cropNLayers),
      },
      label,
    )
  }

  /** Whether a point-grid job of this controller that covers the image is queued or running. */
  private proposing(imageId: number): boolean {
    const active = new Set(
      this.options.session.jobs
        .list()
        .filter((job) => job.state === 'queued' || job.state === 'running')
        .map((job) => job.id),
    )
    for (const [jobId, imageIds] of this.gridJobs) {
      if (!active.has(jobId)) this.gridJobs.delete(jobId)
      else if (imageIds === null || imageIds.includes(imageId)) return true
    }
    return false
  }

  /**
   * Gets the next unfinished image after `imageId` (grid order, wrapping) ready before the person
   * reaches it: its embedding is encoded, and when no point-grid run of the active model has been over
   * it, a proposal job for that image alone is started with the parameters of the model's latest grid
   * run (the defaults when there is none) — unless a grid job covering it is queued or running already.
   * Returns the image prepared (the given one itself when it is the only one unfinished), or null when none is.
   *
   * Jobs it started earlier that are still queued, for an image that is now neither the one opened nor
   * the next, are cancelled: the person has moved past it, and on CPU each costs a SAM pass (a running
   * one finishes; what it stored is kept).
   */
  prefetchNext(imageId: number): { imageId: number; job: JobInfo | null } | null {
    const { session, segmenter } = this.options
    const next = session.images.nextUnfinished(session.image(imageId))
    this.cancelStaleAhead(new Set([imageId, ...(next ? [next.id] : [])]))
    if (!next) return null
    void segmenter.encodeImage(next.id).catch(() => undefined) // failures are reported through embeddings:status
    const model = segmenter.activeModel()
    if (!model || next.missing === 1) return { imageId: next.id, job: null }
    if (this.store.gridRunVisited(model.id, next.id) || this.proposing(next.id)) return { imageId: next.id, job: null }
    const latest = this.store.latestGridParams(model.id)
    const job = this.startPropose(
      { imageIds: [next.id], pointsPerSide: optionalNumber(latest?.pointsPerSide), cropNLayers: optionalNumber(latest?.cropNLayers) },
      `Proposing masks for ${next.rel_path}`,
    )
    this.aheadJobs.set(job.id, next.id)
    return { imageId: next.id, job }
  }

  /** Cancels the still-queued jobs started ahead for images not in `wanted`; forgets the ones that ended. */
  private cancelStaleAhead(wanted: ReadonlySet<number>): void {
    const jobs = this.options.session.jobs
    const states = new Map(jobs.list().map((job) => [job.id, job.state]))
    for (const [jobId, imageId] of this.aheadJobs) {
      const state = states.get(jobId)
      if (state === 'queued' && !wanted.has(imageId)) {
        jobs.cancel(jobId)
        this.aheadJobs.delete(jobId)
      } else if (state !== 'queued' && state !== 'running') this.aheadJobs.delete(jobId)
    }
  }

  /**
   * Re-seeds one image's gaps as a job: SAM's grid of `pointsPerSide` points kept only inside the
   * uncovered regions of at least minGapArea pixels (one point at least per gap), run as explicit
   * point grids (no crop layers) under a run of its own (source 'grid', params with `reseed: true` and
   * the points). Proposals with more than half their pixels already covered are dropped; the rest are
   * stored and triaged like any proposal.
   */
  startReseed(imageId: number, pointsPerSide = RESEED_POINTS_PER_SIDE, label?: string): JobInfo {
    const { session } = this.options
    const name = session.images.get(imageId)?.rel_path ?? `image ${imageId}`
    return session.jobs.start({
      kind: 'propose',
      label: label ?? `Re-seeding the gaps of ${name}`,
      params: { reseed: true, imageId, pointsPerSide },
      run: (context) => this.reseed(imageId, pointsPerSide, context),
    })
  }

  private async reseed(imageId: number, pointsPerSide: number, context: JobContext): Promise<ProposeSummary> {
    const { signal, progress } = context
    const summary: ProposeSummary = { images: 0, proposals: 0, auto: 0, review: 0, discarded: 0, failed: 0, skipped: 0 }
    progress(0, 1)
    const row = this.options.session.image(imageId)
    const settings = this.review.settings()
    const { gaps } = this.review.imageCoverage(imageId, settings)
    const { normalised } = reseedGrid(gaps, row.annotation_width, row.annotation_height, pointsPerSide)
    if (normalised.length === 0) {
      summary.skipped = 1 // nothing uncovered to prompt in
      progress(1, 1)
      return summary
    }
    const model = await this.loadedModel()
    const floor = this.store.triage().review
    const params = resolveAmgParams({
      pointGrids: [normalised.map(([x, y]) => ({ x, y }))],
      cropNLayers: 0,
      predIouThresh: floor.predictedIou,
      stabilityScoreThresh: floor.stability,
    })
    const runId = this.store.ensureRun(model.id, 'grid', {
      ...params,
      reseed: true,
      model: { encoder: model.encoderSha256, decoder: model.decoderSha256 },
    })
    const started = performance.now()
    let records: ProposalRecord[]
    try {
      records = await this.generateFor(imageId, params, signal)
    } catch (error) {
      throw toAppError(error)
    }
    if (signal.aborted) return summary
    // Measured against the coverage now: the person may have accepted masks while the generator ran.
    const { map } = this.review.imageCoverage(imageId, settings)
    const kept = records.filter(
      (record) => coveredFraction(map, maskBitmap({ id: 0, rleCounts: record.rleCounts }, row)) <= RESEED_MAX_COVERED_FRACTION,
    )
    const counts = this.store.saveImage(runId, model.id, imageId, kept, (performance.now() - started) / 1000)
    Object.assign(summary, { images: 1, proposals: kept.length, auto: counts.auto, review: counts.review, discarded: counts.discarded })
    this.options.onImage(imageId)
    progress(1, 1)
    return summary
  }
}

/**
 * The re-seed prompts: the densest grid of at most `pointsPerSide` per side whose points inside the gaps
 * number at most RESEED_MAX_POINTS (down to RESEED_MIN_POINTS_PER_SIDE, plus one point per gap that holds
 * no grid point, so the floor can exceed the budget when there are many small gaps).
 */
export function reseedGrid(
  gaps: Parameters<typeof gridPointsInRegions>[0],
  width: number,
  height: number,
  pointsPerSide: number,
): ReturnType<typeof gridPointsInRegions> & { pointsPerSide: number } {
  for (let side = pointsPerSide; ; side = Math.max(RESEED_MIN_POINTS_PER_SIDE, Math.floor(side * 0.8))) {
    const points = gridPointsInRegions(gaps, width, height, side)
    if (points.normalised.length <= RESEED_MAX_POINTS || side <= RESEED_MIN_POINTS_PER_SIDE) return { ...points, pointsPerSide: side }
  }
}
