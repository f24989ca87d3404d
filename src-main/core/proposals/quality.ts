/**
 * Proposal quality against known true masks (synthetic scenes): which true objects each proposal
 * matches at IoU ≥ 0.9, then, for any triage settings, recall (true objects matched by an
 * auto-accepted or needs-review proposal; overall and per kind of object), precision of the
 * auto-accepted proposals, and masks per image. Matching is done once per scene, on the full-size
 * masks; evaluating a preset only re-classifies the scored proposals, as re-triage does.
 */
import { classify, type TriageSettings } from './triage'

/** The IoU at which a proposal counts as finding a true object. */
export const MATCH_IOU = 0.9

/** [x0, y0, x1, y1], inclusive pixel bounds; x1 < x0 for an empty mask. */
type Bounds = [number, number, number, number]

export interface TruthMask {
  /** The kind of object (e.g. distinct / nested / touching / small): recall is reported per kind. */
  role: string
  /** Row-major height×width, 1 = inside. */
  mask: Uint8Array
}

export interface ScoredMask {
  /** Row-major height×width, 1 = inside. */
  mask: Uint8Array
  predictedIou: number
  stability: number
}

/** One proposal of a scene after matching: its scores and the true objects it matches. */
export interface MatchedProposal {
  predictedIou: number
  stability: number
  area: number
  /** Indexes into the scene's truths with IoU ≥ the match threshold, best first. */
  matches: { truth: number; iou: number }[]
}

export interface SceneMatches {
  imageArea: number
  truthRoles: string[]
  proposals: MatchedProposal[]
}

export interface RoleRecall {
  matched: number
  total: number
  /** NaN when the scenes hold no object of this kind. */
  recall: number
}

export interface QualityReport {
  images: number
  /** True objects matched by an auto-accepted or needs-review proposal, over all true objects. */
  recall: number
  byRole: Record<string, RoleRecall>
  /**
   * True objects matched by an auto-accepted proposal alone: what the preset gets right with no one
   * looking. (Recall above counts review too, and every preset shares the review floor.)
   */
  autoRecall: number
  autoAccepted: number
  /** Auto-accepted proposals paired one-to-one with a true object they match (a duplicate is a miss). */
  autoCorrect: number
  /** autoCorrect / autoAccepted; NaN when nothing was auto-accepted. */
  precision: number
  /** Auto-accepted + needs review, per image (what a person sees). */
  masksPerImage: number
  autoPerImage: number
  reviewPerImage: number
}

function bounds(mask: Uint8Array, width: number): { box: Bounds; area: number } {
  let x0 = width
  let y0 = Number.MAX_SAFE_INTEGER
  let x1 = -1
  let y1 = -1
  let area = 0
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue
    area++
    const x = i % width
    const y = (i / width) | 0
    if (x < x0) x0 = x
    if (x > x1) x1 = x
    if (y < y0) y0 = y
    y1 = y
  }
  return { box: [x0, y0, x1, y1], area }
}

/** IoU of two masks of the same size, counted only over the union of their bounds. */
export function maskIou(a: Uint8Array, b: Uint8Array, width: number): number {
  const ba = bounds(a, width)
  const bb = bounds(b, width)
  return boundedIou(a, ba.box, ba.area, b, bb.box, bb.area, width)
}

function boundedIou(a: Uint8Array, boxA: Bounds, areaA: number, b: Uint8Array, boxB: Bounds, areaB: number, width: number): number {
  const ix0 = Math.max(boxA[0], boxB[0])
  const iy0 = Math.max(boxA[1], boxB[1])
  const ix1 = Math.min(boxA[2], boxB[2])
  const iy1 = Math.min(boxA[3], boxB[3])
  let inter = 0
  for (let y = iy0; y <= iy1; y++) {
    const row = y * width
    for (let x = ix0; x <= ix1; x++) inter += (a[row + x] as number) & (b[row + x] as number)
  }
  const union = areaA + areaB - inter
  return union === 0 ? 0 : inter / union
}

/**
 * Each proposal's matches among the true masks. Pairs whose areas differ by more than the threshold
 * allows (IoU ≤ min/max area) are skipped without counting pixels; the rest are counted over the
 * overlap of their bounds only.
 */
export function matchScene(
  width: number,
  height: number,
  truths: readonly TruthMask[],
  proposals: readonly ScoredMask[],
  minIou = MATCH_IOU,
): SceneMatches {
  const truthInfo = truths.map((truth) => bounds(truth.mask, width))
  return {
    imageArea: width * height,
    truthRoles: truths.map((truth) => truth.role),
    proposals: proposals.map((proposal) => {
      const own = bounds(proposal.mask, width)
      const matches: { truth: number; iou: number }[] = []
      truthInfo.forEach((info, index) => {
        if (own.area === 0 || info.area === 0) return
        if (Math.min(own.area, info.area) / Math.max(own.area, info.area) < minIou) return
        const iou = boundedIou(proposal.mask, own.box, own.area, (truths[index] as TruthMask).mask, info.box, info.area, width)
        if (iou >= minIou) matches.push({ truth: index, iou })
      })
      matches.sort((a, b) => b.iou - a.iou)
      return { predictedIou: proposal.predictedIou, stability: proposal.stability, area: own.area, matches }
    }),
  }
}

/** Quality of proposals triaged with `settings`, summed over scenes. */
export function evaluateQuality(scenes: readonly SceneMatches[], settings: TriageSettings, roles: readonly string[] = []): QualityReport {
  const byRole: Record<string, RoleRecall> = {}
  for (const role of roles) byRole[role] = { matched: 0, total: 0, recall: Number.NaN }
  let matched = 0
  let matchedAuto = 0
  let total = 0
  let auto = 0
  let review = 0
  let autoCorrect = 0
  for (const scene of scenes) {
    const found = new Uint8Array(scene.truthRoles.length)
    const foundAuto = new Uint8Array(scene.truthRoles.length)
    const pairs: { truth: number; iou: number; proposal: number }[] = []
    scene.proposals.forEach((proposal, index) => {
      const triage = classify(
        { predictedIou: proposal.predictedIou, stability: proposal.stability, area: proposal.area },
        scene.imageArea,
        settings,
      )
      if (triage === 'discard') return
      for (const match of proposal.matches) found[match.truth] = 1
      if (triage === 'review') {
        review++
        return
      }
      auto++
      for (const match of proposal.matches) {
        foundAuto[match.truth] = 1
        pairs.push({ ...match, proposal: index })
      }
    })
    // Precision: greedy one-to-one pairing by IoU, so two auto-accepted copies of one object count one miss.
    pairs.sort((a, b) => b.iou - a.iou)
    const usedTruth = new Set<number>()
    const usedProposal = new Set<number>()
    for (const pair of pairs) {
      if (usedTruth.has(pair.truth) || usedProposal.has(pair.proposal)) continue
      usedTruth.add(pair.truth)
      usedProposal.add(pair.proposal)
      autoCorrect++
    }
    scene.truthRoles.forEach((role, index) => {
      const entry = (byRole[role] ??= { matched: 0, total: 0, recall: Number.NaN })
      entry.total++
      total++
      if (found[index] === 1) {
        entry.matched++
        matched++
      }
      matchedAuto += foundAuto[index] as number
    })
  }
  for (const entry of Object.values(byRole)) entry.recall = entry.total === 0 ? Number.NaN : entry.matched / entry.total
  const images = scenes.length
  return {
    images,
    recall: total === 0 ? Number.NaN : matched / total,
    byRole,
    autoRecall: total === 0 ? Number.NaN : matchedAuto / total,
    autoAccepted: auto,
    autoCorrect,
    precision: auto === 0 ? Number.NaN : autoCorrect / auto,
    masksPerImage: images === 0 ? 0 : (auto + review) / images,
    autoPerImage: images === 0 ? 0 : auto / images,
    reviewPerImage: images === 0 ? 0 : review / images,
  }
}
