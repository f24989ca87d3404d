/**
 * One-to-one matching of two mask sets by IoU, as COCO evaluation does it: candidate pairs with
 * IoU > 0 in descending IoU order (ties: lower index of set A, then of set B), a pair is taken when
 * neither mask is taken yet. Greedy on descending IoU yields, for every threshold t, exactly the
 * matching greedy would give using only pairs with IoU ≥ t (they are a prefix of the same order),
 * so one matching serves every threshold.
 *
 * IoU comes from the COCO RLE maths (pycocotools semantics, no crowd regions).
 */
import type { ThresholdScores } from '../../../src-preload/contract/audit'
import { decompressRle, rleIou, type CompressedRle } from '../masks'

export interface MaskMatch {
  /** Index into set A / set B. */
  a: number
  b: number
  iou: number
}

/** IoU matrix [a][b] of two lists of masks of one image (same size); empty rows when B is empty. */
export function iouMatrix(a: readonly CompressedRle[], b: readonly CompressedRle[]): number[][] {
  if (a.length === 0 || b.length === 0) return a.map(() => [])
  const matrix = rleIou(
    a.map(decompressRle),
    b.map(decompressRle),
    b.map(() => false),
  )
  // -1 marks a size mismatch in pycocotools; such masks share no pixel.
  return matrix.map((row) => row.map((iou) => Math.max(0, iou)))
}

export function greedyMatch(iou: readonly (readonly number[])[]): MaskMatch[] {
  const candidates: MaskMatch[] = []
  iou.forEach((row, a) =>
    row.forEach((value, b) => {
      if (value > 0) candidates.push({ a, b, iou: value })
    }),
  )
  candidates.sort((x, y) => y.iou - x.iou || x.a - y.a || x.b - y.b)
  const takenA = new Set<number>()
  const takenB = new Set<number>()
  const matches: MaskMatch[] = []
  for (const candidate of candidates) {
    if (takenA.has(candidate.a) || takenB.has(candidate.b)) continue
    takenA.add(candidate.a)
    takenB.add(candidate.b)
    matches.push(candidate)
  }
  return matches
}

export function meanIou(matches: readonly MaskMatch[]): number | null {
  return matches.length === 0 ? null : matches.reduce((sum, match) => sum + match.iou, 0) / matches.length
}

/** Matches with IoU ≥ threshold. */
export function truePositives(matches: readonly MaskMatch[], threshold: number): number {
  return matches.filter((match) => match.iou >= threshold).length
}

/** Precision (of `predicted`), recall (of `reference`) and F1 from counts; null where a denominator is 0. */
export function thresholdScores(threshold: number, tp: number, predicted: number, reference: number): ThresholdScores {
  return {
    threshold,
    truePositives: tp,
    precision: predicted === 0 ? null : tp / predicted,
    recall: reference === 0 ? null : tp / reference,
    f1: predicted + reference === 0 ? null : (2 * tp) / (predicted + reference),
  }
}
