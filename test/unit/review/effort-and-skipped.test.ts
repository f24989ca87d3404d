/**
 * Effort and the 30-second rule in the store: a manual mask keeps its seconds and clicks; a mask made
 * from a proposal keeps the IoU with it (against a brute-force pixel count); skipped objects are kept,
 * listed, dismissed and resolved by the commit that segments them, each with an event; the effort
 * summary's totals and medians match a computation by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import type { ProjectDb } from '../../../src-main/core/project/database'
import { ReviewStore, type CommitRequest } from '../../../src-main/core/review'
import { HEIGHT, WIDTH, addMasks, openReviewDb, rectPixels, type Rect } from './review-fixture'

let db: ProjectDb
let store: ReviewStore

beforeEach(() => {
  db = openReviewDb()
  store = new ReviewStore(db)
})
afterEach(() => db.close())

function commitRequest(rects: Rect[], overrides: Partial<CommitRequest> = {}): CommitRequest {
  return {
    rle: compressRle(encodeMask(rectPixels(rects), HEIGHT, WIDTH)),
    prompt: { points: [{ x: 3.5, y: 3.5, label: 'positive' }], box: null, refinements: 0 },
    candidate: null,
    edited: true,
    effort: { seconds: 10, clicks: 2 },
    modelId: null,
    ...overrides,
  }
}

function bruteIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0
  let union = 0
  for (let k = 0; k < a.length; k++) {
    inter += a[k]! & b[k]!
    union += a[k]! | b[k]!
  }
  return inter / union
}

const events = (kind: string) => db.prepare('SELECT actor, entity_id AS id FROM events WHERE kind = ? ORDER BY id').all(kind)

describe('effort of manual masks', () => {
  it('keeps seconds and clicks, and the IoU with the proposal a mask was edited from', () => {
    const [proposal] = addMasks(db, [{ rects: [[0, 0, 10, 10]], state: 'proposed' }]) as [number]
    const edited: Rect[] = [
      [0, 0, 10, 8],
      [10, 0, 3, 3],
    ]
    const result = store.commit(1, commitRequest(edited, { replaces: proposal, effort: { seconds: 7.5, clicks: 4 } }), 'ann')
    const mask = result.masks[0]!
    expect(mask).toMatchObject({ secondsSpent: 7.5, clicks: 4, originMaskId: proposal })
    expect(mask.originIou).toBeCloseTo(bruteIou(rectPixels([[0, 0, 10, 10]]), rectPixels(edited)), 12)
    const fresh = store.commit(1, commitRequest([[20, 20, 5, 5]]), 'ann').masks[0]!
    expect(fresh).toMatchObject({ originMaskId: null, originIou: null, clicks: 2 })
  })

  it('refuses a mask of the wrong size before writing anything', () => {
    const wrong = { ...commitRequest([[0, 0, 2, 2]]), rle: compressRle(encodeMask(new Uint8Array(4), 2, 2)) }
    expect(() => store.commit(1, wrong, 'ann')).toThrow(AppError)
    expect(db.prepare('SELECT count(*) FROM masks').pluck().get()).toBe(0)
  })

  it('summarises per image and per person: totals, median seconds, mean clicks, proposal IoU, skipped objects', () => {
    const [p1, p2] = addMasks(db, [
      { rects: [[0, 0, 10, 10]], state: 'proposed' },
      { rects: [[20, 0, 10, 10]], state: 'proposed' },
    ]) as [number, number]
    store.commit(1, commitRequest([[0, 0, 10, 5]], { replaces: p1, effort: { seconds: 4, clicks: 1 } }), 'ann') // IoU 0.5
    store.commit(1, commitRequest([[20, 0, 10, 10]], { replaces: p2, effort: { seconds: 6, clicks: 3 } }), 'bob') // IoU 1
    store.commit(1, commitRequest([[0, 20, 3, 3]], { effort: { seconds: 30, clicks: 5 } }), 'ann')
    store.commit(2, commitRequest([[0, 20, 3, 3]], { effort: { seconds: 100, clicks: 9 } }), 'ann')
    store.skipped.skip({ imageId: 1, x: 5, y: 5, prompt: { points: [], box: null }, seconds: 31, clicks: 2 }, 'bob')

    const image = store.effort.summary(1)
    expect(image.total).toEqual({
      masks: 3,
      seconds: 40,
      clicks: 9,
      medianSecondsPerMask: 6,
      meanClicksPerMask: 3,
      fromProposals: 2,
      meanProposalIou: 0.75,
      skippedObjects: 1,
    })
    expect(image.people.map((person) => [person.actor, person.masks, person.medianSecondsPerMask, person.skippedObjects])).toEqual([
      ['ann', 2, 17, 0],
      ['bob', 1, 6, 1],
    ])
    const project = store.effort.summary(null)
    expect(project.total.masks).toBe(4)
    expect(project.total.medianSecondsPerMask).toBe(18) // 4, 6, 30, 100
  })
})

describe('skipped objects (the 30-second rule)', () => {
  it('are kept with their prompt and effort, listed, dismissed and restored, with events', () => {
    const prompt = { points: [{ x: 12.5, y: 8, label: 'positive' as const }], box: { x0: 10, y0: 5, x1: 15, y1: 11 } }
    const skipped = store.skipped.skip({ imageId: 1, x: 12.5, y: 8, prompt, seconds: 33.2, clicks: 6 }, 'ann')
    expect(skipped).toMatchObject({
      imageId: 1,
      x: 12.5,
      y: 8,
      prompt,
      seconds: 33.2,
      clicks: 6,
      actor: 'ann',
      state: 'open',
      resolvedByMask: null,
    })
    expect(store.skipped.list(1)).toEqual([skipped])
    expect(store.skipped.list(2)).toEqual([])
    expect(store.skipped.list(null)).toEqual([skipped])
    expect(store.skipped.setState(skipped.id, 'dismissed', 'ann').state).toBe('dismissed')
    expect(store.skipped.list(null)).toEqual([]) // the project list holds open ones only
    expect(store.skipped.setState(skipped.id, 'open', 'ann').state).toBe('open')
    expect(events('object:skipped')).toEqual([{ actor: 'ann', id: skipped.id }])
    expect(events('object:dismissed')).toHaveLength(1)
    expect(events('object:open')).toHaveLength(1)
    expect(() => store.skipped.skip({ imageId: 99, x: 0, y: 0, prompt, seconds: 1, clicks: 1 }, 'ann')).toThrow(/not in this project/)
  })

  it('are resolved by the commit that segments them, in its transaction; a resolved marker cannot be resolved again', () => {
    const skipped = store.skipped.skip({ imageId: 1, x: 3, y: 3, prompt: { points: [], box: null }, seconds: 40, clicks: 3 }, 'ann')
    const mask = store.commit(1, commitRequest([[0, 0, 6, 6]], { resolvesSkipped: skipped.id }), 'bob').masks[0]!
    expect(store.skipped.get(skipped.id)).toMatchObject({ state: 'resolved', resolvedByMask: mask.id })
    const before = db.prepare('SELECT count(*) FROM masks').pluck().get()
    expect(() => store.commit(1, commitRequest([[0, 0, 6, 6]], { resolvesSkipped: skipped.id }), 'bob')).toThrow(/already segmented/)
    expect(db.prepare('SELECT count(*) FROM masks').pluck().get()).toBe(before) // the whole commit was rolled back
    expect(() => store.skipped.setState(skipped.id, 'dismissed', 'ann')).toThrow(/already segmented/)
    const other = store.skipped.skip({ imageId: 2, x: 3, y: 3, prompt: { points: [], box: null }, seconds: 40, clicks: 3 }, 'ann')
    expect(() => store.commit(1, commitRequest([[0, 0, 6, 6]], { resolvesSkipped: other.id }), 'bob')).toThrow(/not on image 1/)
  })
})
