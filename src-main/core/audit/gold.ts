/**
 * The project's final masks (accepted and auto-accepted, gold excluded) compared with gold-standard
 * masks on every image that has gold. Gold is what the annotation importer stores with "import as
 * gold" (source 'imported', state 'accepted'; recorded in gold_masks by a trigger, migration 0005),
 * so there is one importer. Matching is one-to-one greedy on descending IoU (matching.ts).
 */
import type { GoldComparison, GoldImageResult, HistogramBin } from '../../../src-preload/contract/audit'
import type { CompressedRle } from '../masks'
import type { ProjectDb } from '../project/database'
import { FINAL_STATES_SQL, notGold } from './audit-store'
import { greedyMatch, iouMatrix, meanIou, thresholdScores, truePositives, type MaskMatch } from './matching'

export const GOLD_THRESHOLDS = [0.5, 0.75, 0.9] as const
/** At most this many images are listed (worst first). */
const WORST_LIMIT = 200

/** 10 bins of 0.1 over (0, 1]; IoU 1 falls in the last. */
export function iouHistogram(ious: readonly number[], bins = 10): HistogramBin[] {
  const counts = Array.from({ length: bins }, () => 0)
  for (const iou of ious) counts[Math.min(bins - 1, Math.floor(iou * bins))]!++
  return counts.map((count, index) => ({ low: index / bins, high: (index + 1) / bins, count }))
}

export function compareWithGold(db: ProjectDb): GoldComparison {
  const images = db
    .prepare(
      `SELECT DISTINCT g.image_id AS id, i.rel_path AS relPath, i.annotation_height AS h, i.annotation_width AS w
       FROM gold_masks g JOIN masks m ON m.id = g.mask_id JOIN images i ON i.id = g.image_id
       WHERE m.state = 'accepted' ORDER BY g.image_id`,
    )
    .all() as { id: number; relPath: string; h: number; w: number }[]
  const goldOf = db.prepare(
    "SELECT m.rle_counts FROM gold_masks g JOIN masks m ON m.id = g.mask_id WHERE g.image_id = ? AND m.state = 'accepted' ORDER BY m.id",
  )
  const finalOf = db.prepare(
    `SELECT m.rle_counts FROM masks m WHERE m.image_id = ? AND m.state IN ${FINAL_STATES_SQL} AND ${notGold('m')} ORDER BY m.id`,
  )
  const results: GoldImageResult[] = []
  const allMatches: MaskMatch[] = []
  let gold = 0
  let predicted = 0
  for (const image of images) {
    const rle = (counts: string): CompressedRle => ({ size: [image.h, image.w], counts })
    const goldRles = (goldOf.pluck().all(image.id) as string[]).map(rle)
    const predictedRles = (finalOf.pluck().all(image.id) as string[]).map(rle)
    const matches = greedyMatch(iouMatrix(predictedRles, goldRles))
    allMatches.push(...matches)
    gold += goldRles.length
    predicted += predictedRles.length
    results.push({
      imageId: image.id,
      relPath: image.relPath,
      gold: goldRles.length,
      predicted: predictedRles.length,
      matched: matches.length,
      meanMatchedIou: meanIou(matches),
      scores: GOLD_THRESHOLDS.map((t) => thresholdScores(t, truePositives(matches, t), predictedRles.length, goldRles.length)),
    })
  }
  const f1At50 = (result: GoldImageResult) => result.scores[0]?.f1 ?? 0
  results.sort((a, b) => f1At50(a) - f1At50(b) || (a.meanMatchedIou ?? 0) - (b.meanMatchedIou ?? 0) || a.imageId - b.imageId)
  return {
    images: images.length,
    gold,
    predicted,
    matched: allMatches.length,
    meanMatchedIou: meanIou(allMatches),
    iouHistogram: iouHistogram(allMatches.map((match) => match.iou)),
    scores: GOLD_THRESHOLDS.map((t) => thresholdScores(t, truePositives(allMatches, t), predicted, gold)),
    worst: results.slice(0, WORST_LIMIT),
  }
}
