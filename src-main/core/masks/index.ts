/** Pure mask maths: COCO RLE codec (pycocotools-compatible), mask boxes, IoU and merge. */
export {
  RleFormatError,
  compressRle,
  countsToString,
  decodeMask,
  decompressRle,
  encodeMask,
  encodeMaskWithRowTransitions,
  encodeRowTransitions,
  maskBboxInclusive,
  rleArea,
  rleIou,
  rleMerge,
  rleToBbox,
  rleToSa1bBbox,
  sa1bBboxFromCocoBbox,
  stringToCounts,
  validateRle,
} from './coco-rle'
export type { CompressedRle, Rle } from './coco-rle'
export { boxIouXyxy, cocoBboxIou } from './box'
export type { BboxXywh, BoxXyxy } from './box'
export { rleFromPolygon, rleFromPolygons } from './polygon'
export {
  bitmapCentroid,
  bitmapFromFull,
  bitmapFromRle,
  bitmapHas,
  bitmapIntersection,
  bitmapIou,
  bitmapToRle,
  bitmapUnion,
  describePoint,
  nearestSetPixel,
} from './bitmap'
export type { MaskBitmap } from './bitmap'
export { CoverageMap, coverageOf, gridPointsInRegions } from './coverage'
export type { GapRegion } from './coverage'
export { findOverlaps, overlapsWith } from './overlap'
export type { OverlapCandidate, OverlapPair } from './overlap'
export { applyStrokes, paintCapsule, paintStrokeSegment, segmentDistanceSquared, unionRect } from './brush'
export type { BrushPoint, BrushStroke, PixelRect } from './brush'
