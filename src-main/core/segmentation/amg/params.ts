/**
 * Parameters of the automatic mask generator, with SAM v1's defaults (segment-anything
 * `SamAutomaticMaskGenerator.__init__`). Names are the Python ones in camelCase:
 *
 * | here                        | SAM                              | default     |
 * |-----------------------------|----------------------------------|-------------|
 * | pointsPerSide               | points_per_side                  | 32          |
 * | pointsPerBatch              | points_per_batch                 | 64          |
 * | predIouThresh               | pred_iou_thresh                  | 0.88        |
 * | stabilityScoreThresh        | stability_score_thresh           | 0.95        |
 * | stabilityScoreOffset        | stability_score_offset           | 1.0         |
 * | boxNmsThresh                | box_nms_thresh                   | 0.7         |
 * | cropNLayers                 | crop_n_layers                    | 0           |
 * | cropNmsThresh               | crop_nms_thresh                  | 0.7         |
 * | cropOverlapRatio            | crop_overlap_ratio               | 512 / 1500  |
 * | cropNPointsDownscaleFactor  | crop_n_points_downscale_factor   | 1           |
 * | pointGrids                  | point_grids                      | null        |
 * | minMaskRegionArea           | min_mask_region_area             | 0           |
 *
 * `output_mode` has no counterpart: records always carry COCO compressed RLE (SA-1B's form).
 *
 * Exactly one of `pointsPerSide` and `pointGrids` is used. Unlike Python, where passing `point_grids`
 * also requires `points_per_side=None`, giving `pointGrids` without `pointsPerSide` selects the grids.
 * Pure code: no Node APIs.
 */

/** A point in normalised image coordinates: x and y in [0, 1] of the crop's width and height. */
export interface NormalizedPoint {
  readonly x: number
  readonly y: number
}

export interface AmgParams {
  /** Points sampled along each side of the (layer-0) image; null when `pointGrids` gives the points. */
  readonly pointsPerSide: number | null
  /** Points per model batch. Affects only how prompts are grouped, never the result. */
  readonly pointsPerBatch: number
  /** Keep masks whose predicted IoU is > this (filter skipped when ≤ 0). */
  readonly predIouThresh: number
  /** Keep masks whose stability score is ≥ this (filter skipped when ≤ 0). */
  readonly stabilityScoreThresh: number
  /** Logit offset of the stability score: #(logit > offset) / #(logit > −offset). */
  readonly stabilityScoreOffset: number
  /** Box IoU above which NMS drops the lower-ranked mask within a crop. */
  readonly boxNmsThresh: number
  /** Crop layers beyond the full image; layer i has (2^i)² crops. */
  readonly cropNLayers: number
  /** Box IoU above which NMS drops duplicates between crops (masks from smaller crops win). */
  readonly cropNmsThresh: number
  /** Overlap of layer-1 crops as a fraction of the image's short side; later layers scale it down. */
  readonly cropOverlapRatio: number
  /** Layer i samples trunc(pointsPerSide / factor^i) points per side. */
  readonly cropNPointsDownscaleFactor: number
  /** Explicit normalised grids, one per crop layer (layer 0 first); null when `pointsPerSide` is used. */
  readonly pointGrids: readonly (readonly NormalizedPoint[])[] | null
  /** When > 0, fill holes and remove islands smaller than this many pixels, then NMS again. */
  readonly minMaskRegionArea: number
}

/** Anything left out takes SAM's default. */
export type AmgParamsInput = Partial<AmgParams>

export const AMG_DEFAULTS: AmgParams = Object.freeze({
  pointsPerSide: 32,
  pointsPerBatch: 64,
  predIouThresh: 0.88,
  stabilityScoreThresh: 0.95,
  stabilityScoreOffset: 1.0,
  boxNmsThresh: 0.7,
  cropNLayers: 0,
  cropNmsThresh: 0.7,
  cropOverlapRatio: 512 / 1500,
  cropNPointsDownscaleFactor: 1,
  pointGrids: null,
  minMaskRegionArea: 0,
})

/** More crop layers than this would mean over 4^8 crops, each a full encoder run: surely a mistake. */
export const MAX_CROP_LAYERS = 8

export class AmgParamsError extends RangeError {
  override readonly name = 'AmgParamsError'
}

/** Points per side of layer `layer`: `int(n_per_side / scale_per_layer**layer)` (truncation). */
export function pointsPerSideForLayer(pointsPerSide: number, downscaleFactor: number, layer: number): number {
  return Math.trunc(pointsPerSide / downscaleFactor ** layer)
}

/**
 * Fills defaults and validates. Throws `AmgParamsError` with a message for the person who set the value.
 * Rules beyond SAM's own assertion (exactly one of points per side / grids): integers where SAM needs them,
 * finite thresholds, NMS thresholds in [0, 1], overlap ratio in [0, 1), every layer keeping at least one
 * point per side (SAM would divide by zero), one non-empty grid of [0, 1] points per layer.
 */
export function resolveAmgParams(input: AmgParamsInput = {}): AmgParams {
  const gridsGiven = input.pointGrids !== undefined && input.pointGrids !== null
  const sideGiven = input.pointsPerSide !== undefined && input.pointsPerSide !== null
  if (gridsGiven && sideGiven) throw new AmgParamsError('give either pointsPerSide or pointGrids, not both')
  if (!gridsGiven && input.pointsPerSide === null) throw new AmgParamsError('pointsPerSide is null but no pointGrids were given')
  const params: AmgParams = {
    ...AMG_DEFAULTS,
    ...definedEntries(input),
    pointsPerSide: gridsGiven ? null : (input.pointsPerSide ?? AMG_DEFAULTS.pointsPerSide),
    pointGrids: gridsGiven ? (input.pointGrids ?? null) : null,
  }

  positiveInteger('pointsPerBatch', params.pointsPerBatch)
  finite('predIouThresh', params.predIouThresh)
  finite('stabilityScoreThresh', params.stabilityScoreThresh)
  if (!Number.isFinite(params.stabilityScoreOffset) || params.stabilityScoreOffset < 0) {
    throw new AmgParamsError(`stabilityScoreOffset must be a finite number ≥ 0, got ${params.stabilityScoreOffset}`)
  }
  unitInterval('boxNmsThresh', params.boxNmsThresh)
  unitInterval('cropNmsThresh', params.cropNmsThresh)
  if (!Number.isInteger(params.cropNLayers) || params.cropNLayers < 0 || params.cropNLayers > MAX_CROP_LAYERS) {
    throw new AmgParamsError(`cropNLayers must be an integer from 0 to ${MAX_CROP_LAYERS}, got ${params.cropNLayers}`)
  }
  if (!Number.isFinite(params.cropOverlapRatio) || params.cropOverlapRatio < 0 || params.cropOverlapRatio >= 1) {
    throw new AmgParamsError(`cropOverlapRatio must be in [0, 1), got ${params.cropOverlapRatio}`)
  }
  positiveInteger('cropNPointsDownscaleFactor', params.cropNPointsDownscaleFactor)
  if (!Number.isFinite(params.minMaskRegionArea) || params.minMaskRegionArea < 0) {
    throw new AmgParamsError(`minMaskRegionArea must be a finite number ≥ 0, got ${params.minMaskRegionArea}`)
  }

  if (params.pointGrids === null) {
    const n = params.pointsPerSide as number
    positiveInteger('pointsPerSide', n)
    for (let layer = 0; layer <= params.cropNLayers; layer++) {
      if (pointsPerSideForLayer(n, params.cropNPointsDownscaleFactor, layer) < 1) {
        throw new AmgParamsError(
          `crop layer ${layer} would sample no points: pointsPerSide ${n} / cropNPointsDownscaleFactor ` +
            `${params.cropNPointsDownscaleFactor}^${layer} is below 1; lower the factor or the number of crop layers`,
        )
      }
    }
  } else {
    const grids = params.pointGrids
    if (grids.length !== params.cropNLayers + 1) {
      throw new AmgParamsError(`pointGrids needs one grid per crop layer (${params.cropNLayers + 1}), got ${grids.length}`)
    }
    grids.forEach((grid, layer) => {
      if (grid.length === 0) throw new AmgParamsError(`pointGrids[${layer}] is empty`)
      grid.forEach((p, i) => {
        if (!(p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)) {
          throw new AmgParamsError(`pointGrids[${layer}][${i}] = (${p.x}, ${p.y}) is not in [0, 1]²`)
        }
      })
    })
  }
  return Object.freeze(params)
}

function definedEntries(input: AmgParamsInput): AmgParamsInput {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as AmgParamsInput
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new AmgParamsError(`${name} must be a positive integer, got ${value}`)
}

function finite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new AmgParamsError(`${name} must be a finite number, got ${value}`)
}

function unitInterval(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new AmgParamsError(`${name} must be in [0, 1], got ${value}`)
}
