/**
 * Coverage of one image by the masks that count as annotation (accepted and auto-accepted): the
 * uncovered fraction that gates "done", and the gaps (uncovered 8-connected regions of at least
 * minGapArea pixels) that the workspace outlines and re-seeding prompts inside.
 *
 * Cost: one RLE decode per counted mask (its crop) and 4 bytes per annotation pixel for the cover
 * counts (6 MB at 1500 × 1000), released when the call returns.
 */
import type { CoverageReport } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import { CoverageMap, bitmapFromRle, decompressRle, type GapRegion, type MaskBitmap } from '../masks'
import type { ImageRow } from '../project/image-repository'
import type { MaskRecord, MaskRepository, MaskState } from '../project/mask-repository'
import type { ReviewSettings } from './settings'

/** Mask states that cover an image. */
export const COVERING_STATES: readonly MaskState[] = ['accepted', 'auto_accepted']

/** A stored mask's pixels as a cropped bitmap (annotation pixels). */
export function maskBitmap(
  mask: Pick<MaskRecord, 'rleCounts' | 'id'>,
  image: Pick<ImageRow, 'annotation_width' | 'annotation_height'>,
): MaskBitmap {
  try {
    return bitmapFromRle(decompressRle({ size: [image.annotation_height, image.annotation_width], counts: mask.rleCounts }))
  } catch (error) {
    throw new AppError('database_corrupt', `Mask ${mask.id} has unreadable pixels: ${(error as Error).message}`)
  }
}

export interface ImageCoverage {
  map: CoverageMap
  /** Gaps of at least minGapArea pixels, largest first. */
  gaps: GapRegion[]
}

/** The cover counts of an image from its accepted and auto-accepted masks, and its gaps. */
export function imageCoverage(masks: MaskRepository, image: ImageRow, settings: ReviewSettings): ImageCoverage {
  const map = new CoverageMap(image.annotation_width, image.annotation_height)
  for (const mask of masks.listByImage(image.id, { states: COVERING_STATES })) map.add(maskBitmap(mask, image))
  return { map, gaps: map.gaps(settings.minGapArea) }
}

export function coverageReport(image: ImageRow, coverage: ImageCoverage, settings: ReviewSettings): CoverageReport {
  return {
    imageId: image.id,
    totalPixels: image.annotation_width * image.annotation_height,
    uncoveredPixels: coverage.map.uncoveredPixels,
    uncoveredFraction: coverage.map.uncoveredFraction,
    gaps: coverage.gaps.map((gap) => ({ area: gap.area, bbox: [...gap.bbox] as [number, number, number, number] })),
    settings,
  }
}

/** Fraction of a bitmap's pixels that the map already covers (0 for an empty bitmap). */
export function coveredFraction(map: CoverageMap, bitmap: MaskBitmap): number {
  if (bitmap.area === 0) return 0
  let covered = 0
  for (let row = 0; row < bitmap.height; row++) {
    const rowStart = row * bitmap.width
    for (let column = 0; column < bitmap.width; column++) {
      if (bitmap.pixels[rowStart + column] !== 0 && map.isCovered(bitmap.x + column, bitmap.y + row)) covered++
    }
  }
  return covered / bitmap.area
}
