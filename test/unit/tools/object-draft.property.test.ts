/**
 * Undo/redo algebra of the object draft: undo then redo is the identity, n undos then n redos return
 * to the same step, a new step after undo drops the redo branch, and amend never adds a step.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EMPTY_DRAFT, ObjectDraft, draftPixels, promptLocation, type DraftSnapshot } from '../../../src-renderer/tools/object-draft'

type Op =
  | { kind: 'point'; x: number; y: number; negative: boolean }
  | { kind: 'box'; x0: number; y0: number }
  | { kind: 'candidate'; shown: number }
  | { kind: 'stroke'; x: number; y: number; erase: boolean }
  | { kind: 'amend' }
  | { kind: 'undo' }
  | { kind: 'redo' }

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('point' as const),
    x: fc.integer({ min: 0, max: 15 }),
    y: fc.integer({ min: 0, max: 11 }),
    negative: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('box' as const), x0: fc.integer({ min: 0, max: 10 }), y0: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ kind: fc.constant('candidate' as const), shown: fc.integer({ min: 0, max: 2 }) }),
  fc.record({
    kind: fc.constant('stroke' as const),
    x: fc.integer({ min: 0, max: 15 }),
    y: fc.integer({ min: 0, max: 11 }),
    erase: fc.boolean(),
  }),
  fc.constant({ kind: 'amend' as const }),
  fc.constant({ kind: 'undo' as const }),
  fc.constant({ kind: 'redo' as const }),
)

const W = 16
const H = 12
const candidates = [0, 1, 2].map((token) => {
  const pixels = new Uint8Array(W * H)
  pixels.fill(1, token * 40, token * 40 + 60)
  return { handle: `h${token}`, token, predictedIou: 0.9 - token / 10, stabilityScore: 0.95, area: 60, pixels }
})

function apply(draft: ObjectDraft, op: Op): void {
  const current = draft.current
  switch (op.kind) {
    case 'point':
      draft.push({
        points: [...current.points, { x: op.x, y: op.y, label: op.negative ? 'negative' : 'positive' }],
        pending: true,
        label: 'point',
      })
      return
    case 'box':
      draft.push({ box: { x0: op.x0, y0: op.y0, x1: op.x0 + 5, y1: op.y0 + 3 }, pending: true, label: 'box' })
      return
    case 'candidate':
      draft.push({ shown: op.shown, label: 'candidate' })
      return
    case 'stroke':
      draft.push({
        strokes: [...current.strokes, { mode: op.erase ? 'erase' : 'paint', radius: 2, points: [{ x: op.x, y: op.y }] }],
        label: 'stroke',
      })
      return
    case 'amend':
      draft.amend({ candidates, pending: false })
      return
    case 'undo':
      draft.undo()
      return
    case 'redo':
      draft.redo()
  }
}

describe('object draft history', () => {
  it('undo then redo is the identity, from any reachable state', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 30 }), (ops) => {
        const draft = new ObjectDraft()
        for (const op of ops) apply(draft, op)
        const before: DraftSnapshot = draft.current
        const couldUndo = draft.canUndo
        if (draft.undo()) {
          expect(draft.canRedo).toBe(true)
          draft.redo()
          expect(draft.current).toBe(before)
        } else expect(couldUndo).toBe(false)
        const couldRedo = draft.canRedo
        if (draft.redo()) {
          draft.undo()
          expect(draft.current).toBe(before)
        } else expect(couldRedo).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('n undos then n redos return to the same step, with the same pixels', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 30 }), fc.integer({ min: 0, max: 40 }), (ops, n) => {
        const draft = new ObjectDraft()
        for (const op of ops) apply(draft, op)
        const before = draft.current
        const pixels = draftPixels(before, W, H)
        let undone = 0
        while (undone < n && draft.undo()) undone++
        for (let i = 0; i < undone; i++) expect(draft.redo()).not.toBeNull()
        expect(draft.current).toBe(before)
        expect(draftPixels(draft.current, W, H)).toEqual(pixels)
      }),
      { numRuns: 300 },
    )
  })

  it('a new step after undo drops what could be redone; amend changes the step without adding one', () => {
    const draft = new ObjectDraft()
    draft.push({ points: [{ x: 1, y: 1, label: 'positive' }], pending: true, label: 'point' })
    draft.amend({ candidates, pending: false })
    expect(draft.canUndo).toBe(true)
    expect(draft.current.candidates).toBe(candidates)
    draft.undo()
    expect(draft.current).toBe(EMPTY_DRAFT)
    draft.push({ box: { x0: 0, y0: 0, x1: 4, y1: 4 }, label: 'box' })
    expect(draft.canRedo).toBe(false)
    expect(draft.undoLabel).toBe('box')
  })

  it('pixels are the shown candidate with the strokes applied in order; the candidate itself is untouched', () => {
    const draft = new ObjectDraft()
    draft.push({ points: [{ x: 1, y: 1, label: 'positive' }], candidates, shown: 1, label: 'point' })
    const original = candidates[1]!.pixels.slice()
    draft.push({ strokes: [{ mode: 'erase', radius: 20, points: [{ x: 8, y: 6 }] }], label: 'erase all' })
    expect(draftPixels(draft.current, W, H).every((value) => value === 0)).toBe(true)
    draft.push({ strokes: [...draft.current.strokes, { mode: 'paint', radius: 0.6, points: [{ x: 0.5, y: 0.5 }] }], label: 'dab' })
    const pixels = draftPixels(draft.current, W, H)
    expect(pixels[0]).toBe(1)
    expect(pixels.reduce((sum, value) => sum + value, 0)).toBe(1)
    expect(candidates[1]!.pixels).toEqual(original)
  })

  it('the prompt location is the first positive point, else the box centre', () => {
    expect(
      promptLocation({
        points: [
          { x: 1, y: 2, label: 'negative' },
          { x: 3, y: 4, label: 'positive' },
        ],
        box: null,
      }),
    ).toEqual({ x: 3, y: 4 })
    expect(promptLocation({ points: [], box: { x0: 0, y0: 0, x1: 10, y1: 4 } })).toEqual({ x: 5, y: 2 })
    expect(promptLocation({ points: [], box: null })).toBeNull()
  })
})
