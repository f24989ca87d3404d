/**
 * Overlap pairs against a brute-force reference on random rectangles, and their resolutions
 * (replace, keep, merge) as undoable actions.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import { decodeMask, decompressRle } from '../../../src-main/core/masks'
import type { ProjectDb } from '../../../src-main/core/project/database'
import type { MaskState } from '../../../src-main/core/project/mask-repository'
import { ReviewStore } from '../../../src-main/core/review'
import { maskIou } from '../../support/mask-geometry'
import { HEIGHT, WIDTH, addMasks, maskStates, openReviewDb, rectPixels, type Rect } from './review-fixture'

/** Row-major pixels of a stored mask. */
function pixelsOf(db: ProjectDb, id: number): Uint8Array {
  const { counts } = db.prepare('SELECT rle_counts AS counts FROM masks WHERE id = ?').get(id) as { counts: string }
  return decodeMask(decompressRle({ size: [HEIGHT, WIDTH], counts }))
}

const rectArb: fc.Arbitrary<Rect> = fc
  .tuple(fc.nat({ max: WIDTH - 2 }), fc.nat({ max: HEIGHT - 2 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 15 }))
  .map(([x, y, w, h]) => [x, y, Math.min(w, WIDTH - x), Math.min(h, HEIGHT - y)] as Rect)
const stateArb = fc.constantFrom<MaskState>('accepted', 'auto_accepted', 'proposed', 'rejected', 'discarded')

describe('overlaps (brute force)', () => {
  it('lists exactly the unresolved pairs above the threshold with at least one accepted or auto-accepted mask', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rects: fc.array(rectArb, { minLength: 1, maxLength: 2 }), state: stateArb }), { minLength: 2, maxLength: 9 }),
        fc.constantFrom(0.2, 0.5, 0.8),
        (specs, threshold) => {
          const db = openReviewDb()
          try {
            const ids = addMasks(db, specs)
            const store = new ReviewStore(db)
            store.setSettings({ ...store.settings(), overlapIou: threshold }, 'ada')
            const expected: { a: number; b: number; iou: number }[] = []
            const candidate = new Set<MaskState>(['accepted', 'auto_accepted', 'proposed'])
            const annotation = new Set<MaskState>(['accepted', 'auto_accepted'])
            for (let i = 0; i < specs.length; i++) {
              for (let j = i + 1; j < specs.length; j++) {
                const [p, q] = [specs[i]!, specs[j]!]
                if (!candidate.has(p.state) || !candidate.has(q.state)) continue
                if (!annotation.has(p.state) && !annotation.has(q.state)) continue
                const iou = maskIou(rectPixels(p.rects), rectPixels(q.rects))
                if (iou > threshold) expected.push({ a: ids[i]!, b: ids[j]!, iou })
              }
            }
            const listed = store.overlaps(1)
            const key = (pair: { a: number; b: number }) => `${pair.a}-${pair.b}`
            expect(listed.map(key).sort()).toEqual(expected.map(key).sort())
            for (const pair of listed) {
              expect(pair.a).toBeLessThan(pair.b)
              expect(pair.iou).toBeCloseTo(expected.find((e) => key(e) === key(pair))!.iou, 12)
            }
            // Highest IoU first.
            for (let k = 1; k < listed.length; k++) expect(listed[k - 1]!.iou).toBeGreaterThanOrEqual(listed[k]!.iou)
          } finally {
            db.close()
          }
        },
      ),
      { numRuns: 120 },
    )
  })
})

describe('overlap resolutions', () => {
  let db: ProjectDb
  let store: ReviewStore
  let a: number
  let b: number
  let c: number
  let farAway: number
  beforeEach(() => {
    db = openReviewDb()
    ;[a, b, c, farAway] = addMasks(db, [
      { state: 'auto_accepted', rects: [[0, 0, 10, 10]] },
      { state: 'proposed', rects: [[1, 0, 10, 10]] }, // IoU 90/110 with a
      { state: 'proposed', rects: [[2, 0, 10, 10]] }, // IoU 80/120 with a, 90/110 with b (two proposals: not flagged)
      { state: 'accepted', rects: [[30, 20, 5, 5]] },
    ]) as [number, number, number, number]
    store = new ReviewStore(db)
  })
  afterEach(() => db.close())

  const pairs = () => store.overlaps(1).map((pair) => [pair.a, pair.b])

  it('flags pairs with an accepted or auto-accepted mask, not two proposals', () => {
    expect(store.overlaps(1)).toEqual([
      { a, b, iou: 90 / 110 },
      { a, b: c, iou: 80 / 120 },
    ])
    expect(farAway).toBeGreaterThan(c)
  })

  it("'replace' keeps one and rejects the other as one undoable action; the pair stops being flagged", () => {
    const result = store.resolveOverlap(1, { a: b, b: a, resolution: 'replace', keep: b }, 'ada')
    expect(result.masks.map((mask) => [mask.id, mask.state]).sort()).toEqual(
      [
        [a, 'rejected'],
        [b, 'accepted'],
      ].sort(),
    )
    expect(result.history.undoLabel).toBe(`Keep mask ${b}, reject mask ${a}`)
    expect(pairs()).toEqual([[b, c]]) // b is accepted now, so b–c is a duplicate warning
    expect(db.prepare('SELECT mask_a, mask_b, resolution, actor FROM overlap_resolutions').all()).toEqual([
      { mask_a: a, mask_b: b, resolution: 'replace', actor: 'ada' },
    ])
    expect((db.prepare('SELECT status FROM images WHERE id = 1').get() as { status: string }).status).toBe('in_progress')

    store.undo(1, 'ada')
    expect(maskStates(db)).toMatchObject({ [a]: 'auto_accepted', [b]: 'proposed' })
    expect(pairs()).toEqual([
      [a, b],
      [a, c],
    ])
    expect(db.prepare('SELECT count(*) AS n FROM overlap_resolutions').get()).toEqual({ n: 0 })
    store.redo(1, 'ada')
    expect(maskStates(db)).toMatchObject({ [a]: 'rejected', [b]: 'accepted' })
    expect(pairs()).toEqual([[b, c]])
  })

  it("'keep' accepts both and records the resolution so the pair is no longer flagged; undo flags it again", () => {
    store.resolveOverlap(1, { a, b, resolution: 'keep' }, 'ada')
    expect(maskStates(db)).toMatchObject({ [a]: 'accepted', [b]: 'accepted' })
    expect(pairs()).toEqual([
      [b, c],
      [a, c],
    ])
    store.undo(1, 'ada')
    expect(maskStates(db)).toMatchObject({ [a]: 'auto_accepted', [b]: 'proposed' })
    expect(pairs()).toEqual([
      [a, b],
      [a, c],
    ])
  })

  it("'merge' accepts the union as a new manual mask and rejects both; undo deletes it, redo restores it", () => {
    const result = store.resolveOverlap(1, { a, b, resolution: 'merge' }, 'ada')
    const merged = result.masks.find((mask) => mask.id !== a && mask.id !== b)!
    expect(merged).toMatchObject({ source: 'manual', state: 'accepted', actor: 'ada', prompt: { mergedFrom: [a, b] }, area: 110 })
    expect(pixelsOf(db, merged.id)).toEqual(rectPixels([[0, 0, 11, 10]]))
    expect(maskStates(db)).toMatchObject({ [a]: 'rejected', [b]: 'rejected', [merged.id]: 'accepted' })
    const [action] = store.history.list(1)
    expect(action).toMatchObject({
      kind: 'merge',
      label: `Merge masks ${a} and ${b}`,
      changes: [
        { maskId: merged.id, before: 'deleted', after: 'accepted' },
        { maskId: a, before: 'auto_accepted', after: 'rejected' },
        { maskId: b, before: 'proposed', after: 'rejected' },
      ],
    })
    expect(pairs()).toEqual([[c, merged.id]]) // the merged mask and the remaining proposal

    const undone = store.undo(1, 'ada')
    expect(undone.masks.map((mask) => mask.id)).toContain(merged.id)
    expect(maskStates(db)).toMatchObject({ [a]: 'auto_accepted', [b]: 'proposed', [merged.id]: 'deleted' })
    expect(pairs()).toEqual([
      [a, b],
      [a, c],
    ])
    store.redo(1, 'ada')
    expect(maskStates(db)).toMatchObject({ [a]: 'rejected', [b]: 'rejected', [merged.id]: 'accepted' })
    // Deleted by undo, a merged mask takes no decision.
    store.undo(1, 'ada')
    expect(() => store.decide(1, [{ maskId: merged.id, state: 'accepted' }], 'ada')).toThrow(AppError)
  })

  it('refuses pairs that are not two live masks of the image', () => {
    const other = addMasks(db, [{ imageId: 2, state: 'accepted', rects: [[0, 0, 5, 5]] }])[0]!
    const code = (request: Parameters<ReviewStore['resolveOverlap']>[1]) => {
      try {
        store.resolveOverlap(1, request, 'ada')
      } catch (error) {
        return (error as AppError).code
      }
      return 'ok'
    }
    expect(code({ a, b: a, resolution: 'keep' })).toBe('invalid_request')
    expect(code({ a, b, resolution: 'replace', keep: c })).toBe('invalid_request')
    expect(code({ a, b: other, resolution: 'keep' })).toBe('invalid_request')
    expect(code({ a, b: 4242, resolution: 'keep' })).toBe('not_found')
    db.prepare("UPDATE masks SET state = 'deleted' WHERE id = ?").run(b)
    expect(code({ a, b, resolution: 'keep' })).toBe('conflict')
    expect(store.history.list(1)).toEqual([])
    expect(maskStates(db)[a]).toBe('auto_accepted')
  })
})
