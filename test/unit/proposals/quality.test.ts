import { describe, expect, it } from 'vitest'
import { MATCH_IOU, evaluateQuality, maskIou, matchScene, type ScoredMask, type TruthMask } from '../../../src-main/core/proposals/quality'
import { presetSettings } from '../../../src-main/core/proposals/triage'

const W = 20
const H = 10

/** A mask of W×H with the rectangle [x0, x1) × [y0, y1) set. */
function rect(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const mask = new Uint8Array(W * H)
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * W + x] = 1
  return mask
}

const general = presetSettings('general') // auto ≥ 0.88 / 0.95 / 100 px; review ≥ 0.5 / 0.5 / 10 px
/** Scores that General auto-accepts, sends to review, discards (area permitting). */
const AUTO = { predictedIou: 0.95, stability: 0.97 }
const REVIEW = { predictedIou: 0.7, stability: 0.9 }
const DISCARD = { predictedIou: 0.3, stability: 0.9 }

describe('maskIou', () => {
  it('is intersection over union, counted in pixels', () => {
    expect(maskIou(rect(0, 0, 10, 10), rect(0, 0, 10, 10), W)).toBe(1)
    expect(maskIou(rect(0, 0, 10, 10), rect(5, 0, 15, 10), W)).toBeCloseTo(50 / 150)
    expect(maskIou(rect(0, 0, 5, 5), rect(10, 0, 15, 5), W)).toBe(0)
    expect(maskIou(new Uint8Array(W * H), new Uint8Array(W * H), W)).toBe(0)
  })
})

describe('matchScene', () => {
  const truths: TruthMask[] = [
    { role: 'distinct', mask: rect(0, 0, 10, 10) }, // 100 px
    { role: 'small', mask: rect(15, 0, 18, 4) }, // 12 px
  ]

  it('matches at IoU ≥ 0.9 inclusive and not below', () => {
    // 90 of the 100 pixels: IoU exactly 0.9.
    const exact = rect(0, 0, 9, 10)
    // 89 pixels (one row of the 9-wide rectangle shortened): IoU 0.89.
    const below = rect(0, 0, 9, 10)
    below[9 * W + 8] = 0
    const scene = matchScene(W, H, truths, [
      { mask: exact, ...AUTO },
      { mask: below, ...AUTO },
      { mask: rect(15, 0, 18, 4), ...AUTO },
    ])
    expect(maskIou(exact, truths[0]!.mask, W)).toBeCloseTo(MATCH_IOU, 12)
    expect(scene.proposals.map((p) => p.matches.map((m) => m.truth))).toEqual([[0], [], [1]])
    expect(scene.proposals.map((p) => p.area)).toEqual([90, 89, 12])
    expect(scene.truthRoles).toEqual(['distinct', 'small'])
    expect(scene.imageArea).toBe(W * H)
  })

  it('finds a match that only a lower threshold allows', () => {
    const half = rect(0, 0, 5, 10)
    expect(matchScene(W, H, truths, [{ mask: half, ...AUTO }]).proposals[0]!.matches).toEqual([])
    expect(matchScene(W, H, truths, [{ mask: half, ...AUTO }], 0.5).proposals[0]!.matches).toEqual([{ truth: 0, iou: 0.5 }])
  })
})

describe('evaluateQuality', () => {
  it('counts recall over auto and review proposals, per role, and ignores discarded ones', () => {
    const truths: TruthMask[] = [
      { role: 'distinct', mask: rect(0, 0, 10, 10) },
      { role: 'small', mask: rect(15, 0, 18, 4) },
      { role: 'small', mask: rect(15, 6, 18, 10) },
    ]
    const proposals: ScoredMask[] = [
      { mask: rect(0, 0, 10, 10), ...AUTO }, // finds the distinct object, auto
      { mask: rect(15, 0, 18, 4), ...REVIEW }, // finds a small object, review (12 px: under the auto area)
      { mask: rect(15, 6, 18, 10), ...DISCARD }, // would find the other small one, but is discarded
    ]
    const report = evaluateQuality([matchScene(W, H, truths, proposals)], general, ['distinct', 'nested', 'small'])
    expect(report.recall).toBeCloseTo(2 / 3)
    expect(report.byRole.distinct).toEqual({ matched: 1, total: 1, recall: 1 })
    expect(report.byRole.small).toEqual({ matched: 1, total: 2, recall: 0.5 })
    expect(report.byRole.nested!.total).toBe(0)
    expect(report.byRole.nested!.recall).toBeNaN()
    expect([report.autoAccepted, report.autoCorrect, report.precision]).toEqual([1, 1, 1])
    expect(report.autoRecall).toBeCloseTo(1 / 3) // only the distinct object is found without review
    expect([report.masksPerImage, report.autoPerImage, report.reviewPerImage]).toEqual([2, 1, 1])
    // Looser thresholds bring the discarded proposal into review: full recall, same precision.
    const loose = evaluateQuality([matchScene(W, H, truths, proposals)], {
      ...general,
      review: { predictedIou: 0.2, stability: 0.5, minArea: 10 },
    })
    expect(loose.recall).toBe(1)
    expect(loose.masksPerImage).toBe(3)
  })

  it('counts precision over auto-accepted proposals only, one-to-one: a duplicate or a wrong mask is a miss', () => {
    const truths: TruthMask[] = [{ role: 'distinct', mask: rect(0, 0, 10, 10) }]
    const exact = rect(0, 0, 10, 10)
    const nearly = rect(0, 0, 10, 10)
    nearly[0] = 0 // IoU 0.99: a duplicate of the same object
    const report = evaluateQuality(
      [
        matchScene(W, H, truths, [
          { mask: nearly, ...AUTO },
          { mask: exact, ...AUTO },
          { mask: rect(10, 0, 20, 10), ...AUTO }, // background, no true object
          { mask: rect(0, 0, 10, 5), ...REVIEW }, // half the object, in review: not in precision
        ]),
      ],
      { ...general, auto: { ...general.auto, minArea: 50 } },
    )
    expect([report.autoAccepted, report.autoCorrect]).toEqual([3, 1])
    expect(report.precision).toBeCloseTo(1 / 3)
    expect(report.recall).toBe(1)
    expect(report.masksPerImage).toBe(4)
  })

  it('sums over scenes and reports masks per image; no auto-accepted proposal gives NaN precision', () => {
    const truths: TruthMask[] = [{ role: 'touching', mask: rect(0, 0, 10, 10) }]
    const scenes = [
      matchScene(W, H, truths, [{ mask: rect(0, 0, 10, 10), ...REVIEW }]),
      matchScene(W, H, truths, [
        { mask: rect(0, 0, 10, 10), ...REVIEW },
        { mask: rect(10, 0, 20, 10), ...REVIEW },
      ]),
      matchScene(W, H, truths, []),
    ]
    const report = evaluateQuality(scenes, general)
    expect(report.images).toBe(3)
    expect(report.byRole.touching).toEqual({ matched: 2, total: 3, recall: 2 / 3 })
    expect(report.masksPerImage).toBe(1)
    expect(report.autoAccepted).toBe(0)
    expect(report.autoRecall).toBe(0)
    expect(report.precision).toBeNaN()
  })

  it('discards a proposal over the maximum area fraction even with top scores', () => {
    const whole = new Uint8Array(W * H).fill(1)
    const report = evaluateQuality([matchScene(W, H, [{ role: 'distinct', mask: whole }], [{ mask: whole, ...AUTO }])], general)
    expect(report.recall).toBe(0)
    expect(report.masksPerImage).toBe(0)
  })
})
