/**
 * Per-candidate processing of the automatic mask generator: SAM's `_process_batch`
 * (segment-anything `automatic_mask_generator.py`) one candidate at a time.
 *
 * For each candidate, in the reference's order:
 * 1. keep if predicted IoU > `predIouThresh` (skipped when the threshold is ≤ 0);
 * 2. stability = #(logit > offset) / #(logit > −offset) on the full-resolution logits; keep if ≥
 *    `stabilityScoreThresh` (skipped when ≤ 0). An empty union gives NaN, which fails;
 * 3. binarise (logit > 0) and take the box with INCLUSIVE max indices ([0, 0, 0, 0] when empty);
 * 4. drop the mask if its box, moved into image coordinates, is within 20 px of a crop edge that is not
 *    within 20 px of the image edge (`is_box_near_crop_edge`; the full-image crop drops nothing);
 * 5. zero-pad the mask into the image frame and run-length encode it (COCO RLE, uncompressed).
 *
 * The reference materialises a batch of 64×3 full-resolution float masks; here each candidate is reduced to
 * its RLE and a few numbers as it arrives, and the only full-size buffer is one reused crop-sized byte
 * mask. The image-frame mask is never built: the crop's RLE is re-indexed into the frame (step 5).
 *
 * Numbers are compared as torch compares them: the model's float32 scores against the threshold rounded to
 * float32 (a float32 tensor against a Python float computes in float32), logits against float32(±offset),
 * and the stability ratio computed as float32(#hi) / float32(#lo) in float32. Pure code.
 */
import { encodeMask, maskBboxInclusive } from '../../masks'
import type { BoxXyxy, Rle } from '../../masks'
import { thresholdAndCountInto } from '../variants/logit-upscaler'
import { SAM_STABILITY_OFFSET } from '../sam-official/postprocess'
import { cropSize, isFullImage } from './crop-boxes'
import type { CropBox } from './crop-boxes'
import type { PixelPoint } from './point-grid'
import type { ImageSize } from '../variants/types'

/** `atol` of `is_box_near_crop_edge`: a box side within this many pixels of an edge is "near" it. */
export const CROP_EDGE_TOLERANCE = 20
/** float32 counts are exact below this; above, a given stability score cannot be reproduced bit for bit. */
const FLOAT32_EXACT_INTEGERS = 2 ** 24

/**
 * One mask proposal from the model, at crop resolution: with its logits (a `SegmentationCandidate` fits),
 * or already reduced to its RLE and stability counts where the model ran (no full-size buffer moves).
 */
export type AmgCandidate = AmgLogitCandidate | AmgEncodedCandidate

export interface AmgLogitCandidate {
  readonly width: number
  readonly height: number
  /** width×height logits, row-major. */
  readonly logits: Float32Array
  readonly predictedIou: number
  /** width×height, 1 where logit > 0. When given together with `stabilityScore`, the logits are not read. */
  readonly mask?: Uint8Array
  /** #(logit > 1) / #(logit > −1) of `logits` (offset 1 only); used with `mask` to skip a pass over the logits. */
  readonly stabilityScore?: number
}

export interface AmgEncodedCandidate {
  readonly width: number
  readonly height: number
  readonly predictedIou: number
  /** The binarised mask (logit > 0) at crop size, uncompressed COCO RLE. */
  readonly rle: Rle
  /** #(logit > offset) and #(logit > −offset), compared in float32, at `stabilityOffset`. */
  readonly stabilityCounts: { readonly above: number; readonly aboveLow: number }
  readonly stabilityOffset: number
}

/** A candidate that passed every filter, in crop coordinates apart from its mask. */
export interface CropProposal {
  /** The mask zero-padded into the IMAGE frame, uncompressed COCO RLE. */
  readonly rle: Rle
  /** [x0, y0, x1, y1] with inclusive ends, in crop pixels. */
  readonly boxInCrop: BoxXyxy
  /** The prompt point, in crop pixels. */
  readonly pointInCrop: PixelPoint
  /** The model's score (float32 value). */
  readonly predictedIou: number
  /** float32 value; NaN for an empty mask when the stability filter is off. */
  readonly stabilityScore: number
}

export type DropReason = 'predicted_iou' | 'stability' | 'crop_edge'

export type CandidateVerdict =
  { readonly kept: true; readonly proposal: CropProposal } | { readonly kept: false; readonly reason: DropReason }

export interface CandidateFilterOptions {
  readonly cropBox: CropBox
  readonly imageSize: ImageSize
  readonly predIouThresh: number
  readonly stabilityScoreThresh: number
  readonly stabilityScoreOffset: number
}

/** `iou_preds > pred_iou_thresh` in float32; always true when the threshold is ≤ 0 (filter off). */
export function passesPredictedIou(predictedIou: number, threshold: number): boolean {
  return threshold <= 0 || Math.fround(predictedIou) > Math.fround(threshold)
}

/** `stability_score >= stability_score_thresh` in float32; always true when the threshold is ≤ 0 (filter off). */
export function passesStability(stabilityScore: number, threshold: number): boolean {
  return threshold <= 0 || Math.fround(stabilityScore) >= Math.fround(threshold)
}

/** `calculate_stability_score` from its two counts: int32 / int32 → float32 division. 0/0 = NaN. */
export function stabilityFromCounts(above: number, aboveLow: number): number {
  return Math.fround(Math.fround(above) / Math.fround(aboveLow))
}

/**
 * `is_box_near_crop_edge`: the box (inclusive ends, crop pixels) is moved into the image; it is dropped when
 * any of its four coordinates is within 20 px of the crop box's matching coordinate but not within 20 px of
 * the image box [0, 0, W, H]'s.
 */
export function isBoxNearCropEdge(boxInCrop: BoxXyxy, cropBox: CropBox, imageSize: ImageSize): boolean {
  const box = uncropBox(boxInCrop, cropBox)
  const imageBox = [0, 0, imageSize.width, imageSize.height] as const
  for (let k = 0; k < 4; k++) {
    const nearCrop = Math.abs(box[k]! - cropBox[k]!) <= CROP_EDGE_TOLERANCE
    const nearImage = Math.abs(box[k]! - imageBox[k]!) <= CROP_EDGE_TOLERANCE
    if (nearCrop && !nearImage) return true
  }
  return false
}

/** Crop pixels → image pixels for a box: + [x0, y0, x0, y0]. */
export function uncropBox(box: BoxXyxy, cropBox: CropBox): BoxXyxy {
  return [box[0] + cropBox[0], box[1] + cropBox[1], box[2] + cropBox[0], box[3] + cropBox[1]]
}

/** Crop pixels → image pixels for a point: + [x0, y0]. */
export function uncropPoint(point: PixelPoint, cropBox: CropBox): PixelPoint {
  return { x: point.x + cropBox[0], y: point.y + cropBox[1] }
}

/**
 * The RLE of a crop's mask zero-padded into the image (`uncrop_masks` then `mask_to_rle_pytorch`), built
 * from the crop's runs: each 1-run is split at crop column ends and moved to (x + x0)·H + (y + y0);
 * pieces that meet in the image (crops of full image height) are joined. Equal to encoding the padded mask.
 */
export function padRleIntoFrame(cropRle: Rle, cropBox: CropBox, imageSize: ImageSize): Rle {
  const { width: cropWidth, height: cropHeight } = cropSize(cropBox)
  if (cropRle.size[0] !== cropHeight || cropRle.size[1] !== cropWidth) {
    throw new RangeError(`crop RLE is ${cropRle.size[0]}×${cropRle.size[1]} but the crop box is ${cropHeight}×${cropWidth}`)
  }
  const { width, height } = imageSize
  if (isFullImage(cropBox, imageSize)) return { size: [height, width], counts: cropRle.counts }
  const [x0, y0] = cropBox
  const counts: number[] = []
  let emittedEnd = 0
  let runStart = -1
  let runEnd = -1
  const flush = (): void => {
    if (runStart < 0) return
    counts.push(runStart - emittedEnd, runEnd - runStart)
    emittedEnd = runEnd
  }
  let position = 0
  const source = cropRle.counts
  for (let j = 0; j < source.length; j++) {
    const length = source[j]!
    if ((j & 1) === 1) {
      let q = position
      let remaining = length
      while (remaining > 0) {
        const cx = Math.floor(q / cropHeight)
        const cy = q - cx * cropHeight
        const piece = Math.min(remaining, cropHeight - cy)
        const start = (cx + x0) * height + cy + y0
        if (start === runEnd) {
          runEnd = start + piece
        } else {
          flush()
          runStart = start
          runEnd = start + piece
        }
        q += piece
        remaining -= piece
      }
    }
    position += length
  }
  flush()
  const total = width * height
  if (counts.length === 0 || total - emittedEnd > 0) counts.push(total - emittedEnd)
  return { size: [height, width], counts: Uint32Array.from(counts) }
}

/**
 * A filter for the candidates of one crop. Call it with each candidate and its prompt point (crop pixels);
 * it holds one crop-sized scratch mask, reused between calls, so it is not reentrant.
 */
export function createCandidateFilter(
  options: CandidateFilterOptions,
): (candidate: AmgCandidate, pointInCrop: PixelPoint) => CandidateVerdict {
  const { cropBox, imageSize, predIouThresh, stabilityScoreThresh, stabilityScoreOffset } = options
  const { width, height } = cropSize(cropBox)
  const pixels = width * height
  const offset = Math.fround(stabilityScoreOffset)
  const providedStabilityUsable = stabilityScoreOffset === SAM_STABILITY_OFFSET && pixels < FLOAT32_EXACT_INTEGERS
  let scratch: Uint8Array | null = null

  return (candidate, pointInCrop) => {
    if (candidate.width !== width || candidate.height !== height) {
      throw new RangeError(`candidate is ${candidate.width}×${candidate.height} but the crop is ${width}×${height}`)
    }
    if (!passesPredictedIou(candidate.predictedIou, predIouThresh)) return { kept: false, reason: 'predicted_iou' }

    let cropRle: Rle
    let stability: number
    if ('rle' in candidate) {
      if (Math.fround(candidate.stabilityOffset) !== offset) {
        throw new RangeError(
          `candidate stability was counted at offset ${candidate.stabilityOffset}, the filter uses ${stabilityScoreOffset}`,
        )
      }
      if (candidate.rle.size[0] !== height || candidate.rle.size[1] !== width) {
        throw new RangeError(`candidate RLE is ${candidate.rle.size.join('×')} but the crop is ${height}×${width}`)
      }
      stability = stabilityFromCounts(candidate.stabilityCounts.above, candidate.stabilityCounts.aboveLow)
      if (!passesStability(stability, stabilityScoreThresh)) return { kept: false, reason: 'stability' }
      cropRle = candidate.rle
    } else {
      if (candidate.logits.length !== pixels) {
        throw new RangeError(`candidate has ${candidate.logits.length} logits but the crop is ${width}×${height}`)
      }
      let mask: Uint8Array
      if (providedStabilityUsable && candidate.mask !== undefined && candidate.stabilityScore !== undefined) {
        if (candidate.mask.length !== pixels) throw new RangeError(`candidate mask has ${candidate.mask.length} bytes, expected ${pixels}`)
        mask = candidate.mask
        stability = Math.fround(candidate.stabilityScore)
      } else {
        scratch ??= new Uint8Array(pixels)
        mask = scratch
        const counts = thresholdAndCountInto(candidate.logits, 0, pixels, mask, 0, offset)
        stability = stabilityFromCounts(counts.above, counts.aboveLow)
      }
      if (!passesStability(stability, stabilityScoreThresh)) return { kept: false, reason: 'stability' }
      cropRle = encodeMask(mask, height, width)
    }

    const boxInCrop = maskBboxInclusive(cropRle)
    if (isBoxNearCropEdge(boxInCrop, cropBox, imageSize)) return { kept: false, reason: 'crop_edge' }
    return {
      kept: true,
      proposal: {
        rle: padRleIntoFrame(cropRle, cropBox, imageSize),
        boxInCrop,
        pointInCrop,
        predictedIou: Math.fround(candidate.predictedIou),
        stabilityScore: stability,
      },
    }
  }
}

/** A kept mask in image coordinates: what the generator carries from the crops to the records. */
export interface MaskProposal {
  /** Image-frame mask, uncompressed COCO RLE. */
  readonly rle: Rle
  /** [x0, y0, x1, y1] with inclusive ends, in image pixels. */
  readonly box: BoxXyxy
  /** The prompt point, in image pixels. */
  readonly point: PixelPoint
  readonly predictedIou: number
  readonly stabilityScore: number
  /** The crop the mask came from (exclusive ends). */
  readonly cropBox: CropBox
}

/** `uncrop_boxes_xyxy` and `uncrop_points`, and the crop box recorded for the mask. */
export function uncropProposal(proposal: CropProposal, cropBox: CropBox): MaskProposal {
  return {
    rle: proposal.rle,
    box: uncropBox(proposal.boxInCrop, cropBox),
    point: uncropPoint(proposal.pointInCrop, cropBox),
    predictedIou: proposal.predictedIou,
    stabilityScore: proposal.stabilityScore,
    cropBox,
  }
}
