/**
 * The automatic mask generator (SAM v1, segment-anything `SamAutomaticMaskGenerator.generate`), as one
 * function over a `MaskSource` that encodes crops and answers point prompts. The real source is the
 * SegmentationService (service-source.ts); tests use fakes.
 *
 * 1. Crop boxes: the full image, then (2^i)² overlapping crops per layer i (crop-boxes.ts).
 * 2. Per crop: encode it as an image of its own; walk the layer's point grid in crop pixels; every
 *    candidate goes through batch-filter.ts as it arrives; NMS within the crop (box IoU > boxNmsThresh,
 *    ranked by predicted IoU); move boxes and points into image coordinates.
 * 3. With more than one crop: NMS across crops ranked by 1 / crop area (smaller crops win), crop NMS threshold.
 * 4. With minMaskRegionArea > 0: hole and island cleanup, then NMS again (small-regions.ts).
 * 5. Records in the last NMS order, with every SA-1B annotation field.
 *
 * Memory: per prompt call the source's candidates (3 crop-sized float planes per point) live until they are
 * reduced to RLEs; one call runs ahead while the previous one is post-processed, so the decoder (in the
 * worker) and the post-processing (here) overlap. Nothing else of full resolution is kept.
 * Pure code: no Node APIs.
 */
import { compressRle, rleArea } from '../../masks'
import type { BboxXywh, BoxXyxy, CompressedRle } from '../../masks'
import { createCandidateFilter, uncropProposal } from './batch-filter'
import type { AmgCandidate, CropProposal, DropReason, MaskProposal } from './batch-filter'
import { cropSize, generateCropBoxes } from './crop-boxes'
import type { CropBox } from './crop-boxes'
import { nms } from './nms'
import { resolveAmgParams } from './params'
import type { AmgParams, AmgParamsInput } from './params'
import { gridToPixels, layerPointGrids } from './point-grid'
import type { PixelPoint } from './point-grid'
import { postprocessSmallRegions } from './small-regions'
import type { ImageSize } from '../variants/types'

export interface SourceCallOptions {
  readonly signal?: AbortSignal | undefined
}

export interface PredictPointsOptions extends SourceCallOptions {
  /** `stability_score_offset`: a source that counts the stability thresholds itself counts at this offset. */
  readonly stabilityScoreOffset: number
}

/** What the generator needs of a model. `Handle` is whatever identifies an encoded crop. */
export interface MaskSource<Handle = unknown> {
  /** Encodes image[y0:y1, x0:x1] (exclusive ends) as an image of its own. */
  encodeCrop(cropBox: CropBox, options: SourceCallOptions): Promise<Handle>
  /**
   * For each point (crop pixels, one foreground click each, no box), the multimask candidates at crop
   * resolution in token order (SAM: tokens 1–3). At most `maxPointsPerCall` points per call.
   */
  predictPoints(
    handle: Handle,
    points: readonly PixelPoint[],
    cropSize: ImageSize,
    options: PredictPointsOptions,
  ): Promise<readonly (readonly AmgCandidate[])[]>
  /** Points one `predictPoints` call takes: 1 (default) for batch-1 decoders, more for dynamic-batch exports. */
  readonly maxPointsPerCall?: number
  /** Called once the generator is done with a crop's embedding (also after errors). */
  releaseCrop?(handle: Handle): void | Promise<void>
}

/** One generated mask, with the fields of an SA-1B annotation (less `id`), as SAM's `generate` writes them. */
export interface AmgMaskRecord {
  /** COCO compressed RLE of the image-size mask. */
  readonly segmentation: CompressedRle
  /** Pixels in the mask. */
  readonly area: number
  /** [x, y, w, h] from the inclusive box: w and h are ONE LESS than the pixel extent (SA-1B's convention). */
  readonly bbox: BboxXywh
  readonly predicted_iou: number
  /** The prompt that produced the mask, [[x, y]] in image pixels (not rounded). */
  readonly point_coords: [[number, number]]
  /** NaN only for an empty mask when the stability filter is off (JSON cannot hold it). */
  readonly stability_score: number
  /** [x, y, w, h] of the crop (true width and height: crop ends are exclusive). */
  readonly crop_box: BboxXywh
}

export interface AmgProgress {
  readonly phase: 'encoding' | 'predicting' | 'postprocessing' | 'done'
  /** 0-based index of the crop being worked on. */
  readonly cropIndex: number
  readonly cropCount: number
  /** Prompt points answered so far, over all crops. */
  readonly pointsDone: number
  readonly pointsTotal: number
}

export interface GenerateOptions {
  /** Checked before and after every source call; an abort rejects with the signal's reason. */
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: AmgProgress) => void
}

/** Where the candidates went, for explaining a result ("why so few masks?"). */
export interface AmgStats {
  readonly crops: number
  readonly points: number
  readonly candidates: number
  readonly dropped: Readonly<Record<DropReason, number>>
  readonly removedByBoxNms: number
  readonly removedByCropNms: number
  readonly removedBySmallRegionCleanup: number
}

export interface AmgResult {
  readonly records: AmgMaskRecord[]
  readonly stats: AmgStats
}

/** XYXY → XYWH as `box_xyxy_to_xywh` (w = x1 − x0, so one short for inclusive boxes). */
export function boxXyxyToXywh(box: BoxXyxy | CropBox): BboxXywh {
  return [box[0], box[1], box[2] - box[0], box[3] - box[1]]
}

/** The SA-1B record of a proposal (`generate`'s record loop with output_mode 'coco_rle'). */
export function toMaskRecord(proposal: MaskProposal): AmgMaskRecord {
  return {
    segmentation: compressRle(proposal.rle),
    area: rleArea(proposal.rle),
    bbox: boxXyxyToXywh(proposal.box),
    predicted_iou: proposal.predictedIou,
    point_coords: [[proposal.point.x, proposal.point.y]],
    stability_score: proposal.stabilityScore,
    crop_box: boxXyxyToXywh(proposal.cropBox),
  }
}

/** NMS across crops (`_generate_masks`): score = float32(1 / area(crop box)), so smaller crops win. */
export function crossCropNms(proposals: readonly MaskProposal[], threshold: number): MaskProposal[] {
  const scores = proposals.map((p) => {
    const area = (p.cropBox[2] - p.cropBox[0]) * (p.cropBox[3] - p.cropBox[1])
    return Math.fround(1 / Math.fround(area))
  })
  return nms(
    proposals.map((p) => p.box),
    scores,
    threshold,
  ).map((i) => proposals[i]!)
}

/** NMS within a crop (`_process_crop`): boxes in crop pixels, ranked by predicted IoU. */
export function inCropNms(proposals: readonly CropProposal[], threshold: number): CropProposal[] {
  return nms(
    proposals.map((p) => p.boxInCrop),
    proposals.map((p) => p.predictedIou),
    threshold,
  ).map((i) => proposals[i]!)
}

export async function generateMasks<Handle>(
  source: MaskSource<Handle>,
  imageSize: ImageSize,
  paramsInput: AmgParamsInput | AmgParams = {},
  options: GenerateOptions = {},
): Promise<AmgResult> {
  const params = resolveAmgParams(paramsInput)
  const { signal, onProgress } = options
  const pointsPerCall = Math.min(params.pointsPerBatch, source.maxPointsPerCall ?? 1)
  if (!Number.isInteger(pointsPerCall) || pointsPerCall < 1) {
    throw new RangeError(`maxPointsPerCall must be a positive integer, got ${source.maxPointsPerCall}`)
  }
  const crops = generateCropBoxes(imageSize, params.cropNLayers, params.cropOverlapRatio)
  const grids = layerPointGrids(params)
  const pointsTotal = crops.reduce((sum, crop) => sum + grids[crop.layer]!.length, 0)
  const dropped: Record<DropReason, number> = { predicted_iou: 0, stability: 0, crop_edge: 0 }
  let candidates = 0
  let removedByBoxNms = 0
  let pointsDone = 0
  const report = (phase: AmgProgress['phase'], cropIndex: number): void =>
    onProgress?.({ phase, cropIndex, cropCount: crops.length, pointsDone, pointsTotal })

  let proposals: MaskProposal[] = []
  for (let cropIndex = 0; cropIndex < crops.length; cropIndex++) {
    const { box: cropBox, layer } = crops[cropIndex]!
    const size = cropSize(cropBox)
    signal?.throwIfAborted()
    report('encoding', cropIndex)
    const handle = await source.encodeCrop(cropBox, { signal })
    let next: Promise<readonly (readonly AmgCandidate[])[]> | null = null
    try {
      signal?.throwIfAborted()
      report('predicting', cropIndex)
      const points = gridToPixels(grids[layer]!, size.width, size.height)
      const filter = createCandidateFilter({
        cropBox,
        imageSize,
        predIouThresh: params.predIouThresh,
        stabilityScoreThresh: params.stabilityScoreThresh,
        stabilityScoreOffset: params.stabilityScoreOffset,
      })
      const kept: CropProposal[] = []
      const calls = callRanges(points.length, params.pointsPerBatch, pointsPerCall)
      const ask = (k: number): Promise<readonly (readonly AmgCandidate[])[]> => {
        const [start, end] = calls[k]!
        const promise = source.predictPoints(handle, points.slice(start, end), size, {
          signal,
          stabilityScoreOffset: params.stabilityScoreOffset,
        })
        // Handled here so a call abandoned by an error or abort never surfaces as unhandled.
        promise.catch(() => undefined)
        return promise
      }
      next = calls.length > 0 ? ask(0) : null
      for (let k = 0; k < calls.length; k++) {
        const answers = await (next as Promise<readonly (readonly AmgCandidate[])[]>)
        signal?.throwIfAborted()
        next = k + 1 < calls.length ? ask(k + 1) : null
        const [start, end] = calls[k]!
        if (answers.length !== end - start) {
          throw new RangeError(`the mask source answered ${answers.length} points, expected ${end - start}`)
        }
        for (let p = start; p < end; p++) {
          for (const candidate of answers[p - start]!) {
            candidates++
            const verdict = filter(candidate, points[p]!)
            if (verdict.kept) kept.push(verdict.proposal)
            else dropped[verdict.reason]++
          }
        }
        pointsDone += end - start
        report('predicting', cropIndex)
      }
      const survivors = inCropNms(kept, params.boxNmsThresh)
      removedByBoxNms += kept.length - survivors.length
      for (const proposal of survivors) proposals.push(uncropProposal(proposal, cropBox))
    } finally {
      // A call that ran ahead finishes before its crop is released.
      if (next) await next.catch(() => undefined)
      await source.releaseCrop?.(handle)
    }
  }

  report('postprocessing', crops.length - 1)
  let removedByCropNms = 0
  if (crops.length > 1) {
    const before = proposals.length
    proposals = crossCropNms(proposals, params.cropNmsThresh)
    removedByCropNms = before - proposals.length
  }
  let removedBySmallRegionCleanup = 0
  if (params.minMaskRegionArea > 0) {
    const before = proposals.length
    proposals = postprocessSmallRegions(proposals, params.minMaskRegionArea, Math.max(params.boxNmsThresh, params.cropNmsThresh))
    removedBySmallRegionCleanup = before - proposals.length
  }
  const records = proposals.map(toMaskRecord)
  report('done', crops.length - 1)
  return {
    records,
    stats: {
      crops: crops.length,
      points: pointsTotal,
      candidates,
      dropped,
      removedByBoxNms,
      removedByCropNms,
      removedBySmallRegionCleanup,
    },
  }
}

/** [start, end) point ranges of the source calls: batches of pointsPerBatch, each cut into calls of at most perCall. */
function callRanges(pointCount: number, pointsPerBatch: number, perCall: number): [number, number][] {
  const ranges: [number, number][] = []
  for (let batch = 0; batch < pointCount; batch += pointsPerBatch) {
    const batchEnd = Math.min(batch + pointsPerBatch, pointCount)
    for (let start = batch; start < batchEnd; start += perCall) ranges.push([start, Math.min(start + perCall, batchEnd)])
  }
  return ranges
}
