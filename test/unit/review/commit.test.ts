/**
 * Committing a person's mask: stored accepted with its provenance, one undoable action; a replaced
 * mask is set aside and comes back on undo; empty masks and foreign masks are refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import type { ProjectDb } from '../../../src-main/core/project/database'
import { ReviewStore, type CommitRequest } from '../../../src-main/core/review'
import { HEIGHT, WIDTH, addMasks, maskStates, openReviewDb, rectPixels } from './review-fixture'

let db: ProjectDb
let store: ReviewStore
let proposal: number
let otherImageMask: number

beforeEach(() => {
  db = openReviewDb()
  ;[proposal, otherImageMask] = addMasks(db, [
    { rects: [[0, 0, 10, 10]], state: 'proposed' },
    { rects: [[0, 0, 4, 4]], state: 'proposed', imageId: 2 },
  ]) as [number, number]
  store = new ReviewStore(db)
})
afterEach(() => db.close())

function request(overrides: Partial<CommitRequest> = {}): CommitRequest {
  return {
    rle: compressRle(encodeMask(rectPixels([[2, 3, 6, 5]]), HEIGHT, WIDTH)),
    prompt: {
      points: [
        { x: 4.5, y: 5.5, label: 'positive' },
        { x: 20, y: 20, label: 'negative' },
      ],
      box: null,
      refinements: 1,
    },
    candidate: { token: 2, predictedIou: 0.91, stabilityScore: 0.97 },
    edited: true,
    effort: { seconds: 12.5, clicks: 3 },
    modelId: null,
    ...overrides,
  }
}

describe('commit', () => {
  it('stores the mask accepted and manual with its full provenance, and an image becomes in progress', () => {
    const result = store.commit(1, request(), 'ann')
    const mask = result.masks[0]!
    expect(mask).toMatchObject({ source: 'manual', state: 'accepted', area: 30, predictedIou: 0.91, stabilityScore: 0.97, actor: 'ann' })
    expect(mask.secondsSpent).toBe(12.5)
    expect(mask.pointCoords).toEqual([[4.5, 5.5]])
    expect(mask.prompt).toMatchObject({ refinements: 1, candidateToken: 2, edited: true, clicks: 3, replaces: null })
    expect((mask.prompt as { points: unknown[] }).points).toHaveLength(2)
    expect(result.history).toMatchObject({ canUndo: true, canRedo: false, undoLabel: `Add mask ${mask.id}` })
    expect((db.prepare('SELECT status FROM images WHERE id = 1').get() as { status: string }).status).toBe('in_progress')
  })

  it('undo hides the new mask, redo brings it back', () => {
    const id = store.commit(1, request(), 'ann').masks[0]!.id
    store.undo(1, 'ann')
    expect(maskStates(db)[id]).toBe('deleted')
    store.redo(1, 'ann')
    expect(maskStates(db)[id]).toBe('accepted')
  })

  it('replacing a proposal sets it aside in the same action; undo restores it', () => {
    const result = store.commit(1, request({ replaces: proposal }), 'ann')
    const id = result.masks[0]!.id
    expect(maskStates(db)).toMatchObject({ [proposal]: 'deleted', [id]: 'accepted' })
    expect(result.history.undoLabel).toBe(`Replace mask ${proposal} by mask ${id}`)
    store.undo(1, 'ann')
    expect(maskStates(db)).toMatchObject({ [proposal]: 'proposed', [id]: 'deleted' })
  })

  it('refuses an empty mask and a mask of another image, changing nothing', () => {
    const before = db.prepare('SELECT count(*) AS n FROM masks').get()
    const empty = compressRle(encodeMask(new Uint8Array(WIDTH * HEIGHT), HEIGHT, WIDTH))
    expect(() => store.commit(1, request({ rle: empty }), 'ann')).toThrow(/empty/)
    expect(() => store.commit(1, request({ replaces: otherImageMask }), 'ann')).toThrow(AppError)
    expect(db.prepare('SELECT count(*) AS n FROM masks').get()).toEqual(before)
    expect(store.historyState(1).canUndo).toBe(false)
  })
})
