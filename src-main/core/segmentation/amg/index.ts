/**
 * The automatic mask generator of SAM v1 ("segment everything"), step by step: parameters, point grids,
 * crop boxes, NMS, per-candidate filtering, small-region cleanup, and `generateMasks` over a `MaskSource`.
 * service-source.ts adapts the SegmentationService (it uses node:crypto); everything else is pure.
 */
export { AMG_DEFAULTS, AmgParamsError, MAX_CROP_LAYERS, pointsPerSideForLayer, resolveAmgParams } from './params'
export type { AmgParams, AmgParamsInput, NormalizedPoint } from './params'
export { buildAllLayerPointGrids, buildPointGrid, gridToPixels, layerPointGrids } from './point-grid'
export type { PixelPoint } from './point-grid'
export { cropSize, generateCropBoxes, isFullImage } from './crop-boxes'
export type { CropBox, LayeredCropBox } from './crop-boxes'
export { nms, sortByDescendingScore } from './nms'
export {
  CROP_EDGE_TOLERANCE,
  createCandidateFilter,
  isBoxNearCropEdge,
  padRleIntoFrame,
  passesPredictedIou,
  passesStability,
  stabilityFromCounts,
  uncropBox,
  uncropPoint,
  uncropProposal,
} from './batch-filter'
export type {
  AmgCandidate,
  AmgEncodedCandidate,
  AmgLogitCandidate,
  CandidateFilterOptions,
  CandidateVerdict,
  CropProposal,
  DropReason,
  MaskProposal,
} from './batch-filter'
export { postprocessSmallRegions, removeSmallRegions } from './small-regions'
export type { SmallRegionMode } from './small-regions'
export { boxXyxyToXywh, crossCropNms, generateMasks, inCropNms, toMaskRecord } from './generate'
export type { AmgMaskRecord, AmgProgress, AmgResult, AmgStats, GenerateOptions, MaskSource, SourceCallOptions } from './generate'
export { cropImageHash, cropRgbImage, serviceMaskSource } from './service-source'
export type { AmgSegmentationService } from './service-source'
