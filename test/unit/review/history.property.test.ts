/**
 * Decide / undo / redo against a plain in-memory model of two stacks: after every step the database's
 * mask states and history state equal the model's, and undoing everything restores the start.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import type { MaskDecision } from '../../../src-preload/contract/dto'
import type { MaskState } from '../../../src-main/core/project/mask-repository'
import { ReviewStore } from '../../../src-main/core/review'
import { addMasks, maskStates, openReviewDb } from './review-fixture'

const START_STATES: MaskState[] = ['proposed', 'auto_accepted', 'discarded', 'accepted', 'rejected']
const MASKS = 5

type Op = { kind: 'decide'; decisions: { mask: number; state: MaskDecision }[] } | { kind: 'undo' } | { kind: 'redo' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .uniqueArray(
        fc.record({ mask: fc.nat({ max: MASKS - 1 }), state: fc.constantFrom<MaskDecision>('accepted', 'rejected', 'proposed') }),
        {
          minLength: 1,
          maxLength: 3,
          selector: (decision) => decision.mask,
        },
      )
      .map((decisions) => ({ kind: 'decide' as const, decisions })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'undo' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'redo' as const }) },
)

interface Change {
  index: number
  before: MaskState
  after: MaskState
}

/** The reference: states and two stacks of change lists. */
class Model {
  done: Change[][] = []
  undone: Change[][] = []
  constructor(public states: MaskState[]) {}

  decide(decisions: { mask: number; state: MaskDecision }[]): void {
    const changes = decisions
      .filter((d) => this.states[d.mask] !== d.state)
      .map((d) => ({ index: d.mask, before: this.states[d.mask] as MaskState, after: d.state }))
    if (changes.length === 0) return
    for (const change of changes) this.states[change.index] = change.after
    this.done.push(changes)
    this.undone = []
  }

  undo(): boolean {
    const changes = this.done.pop()
    if (!changes) return false
    for (const change of [...changes].reverse()) this.states[change.index] = change.before
    this.undone.push(changes)
    return true
  }

  redo(): boolean {
    const changes = this.undone.pop()
    if (!changes) return false
    for (const change of changes) this.states[change.index] = change.after
    this.done.push(changes)
    return true
  }
}

function conflict(action: () => unknown): boolean {
  try {
    action()
    return false
  } catch (error) {
    if (error instanceof AppError && error.code === 'conflict') return true
    throw error
  }
}

describe('history (property)', () => {
  it('matches a two-stack model over random decide / undo / redo sequences; undo everything restores the start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...START_STATES), { minLength: MASKS, maxLength: MASKS }),
        fc.array(opArb, { maxLength: 25 }),
        (start, ops) => {
          const db = openReviewDb()
          try {
            const ids = addMasks(
              db,
              start.map((state, index) => ({ rects: [[index * 5, 0, 4, 4]], state })),
            )
            const store = new ReviewStore(db)
            const model = new Model([...start])
            const dbStates = () => ids.map((id) => maskStates(db)[id])
            for (const op of ops) {
              if (op.kind === 'decide') {
                model.decide(op.decisions)
                store.decide(
                  1,
                  op.decisions.map((d) => ({ maskId: ids[d.mask] as number, state: d.state })),
                  'ada',
                )
              } else if (op.kind === 'undo') {
                const before = dbStates()
                const expected = model.undo()
                expect(conflict(() => store.undo(1, 'ada'))).toBe(!expected)
                // Undo then redo is the identity on states.
                if (expected) {
                  model.redo()
                  store.redo(1, 'ada')
                  expect(dbStates()).toEqual(before)
                  model.undo()
                  store.undo(1, 'ada')
                }
              } else {
                const expected = model.redo()
                expect(conflict(() => store.redo(1, 'ada'))).toBe(!expected)
              }
              expect(dbStates()).toEqual(model.states)
              const history = store.historyState(1)
              expect(history.canUndo).toBe(model.done.length > 0)
              expect(history.canRedo).toBe(model.undone.length > 0)
            }
            const end = dbStates()
            const steps = model.done.length
            for (let step = 0; step < steps; step++) store.undo(1, 'ada')
            expect(dbStates()).toEqual(start)
            expect(store.historyState(1).canUndo).toBe(false)
            for (let step = 0; step < steps; step++) store.redo(1, 'ada')
            expect(dbStates()).toEqual(end)
            // Every write went through the event log: one event per mask state change.
            const applied = (db.prepare("SELECT count(*) AS n FROM events WHERE kind = 'mask:state'").get() as { n: number }).n
            expect(applied).toBeGreaterThanOrEqual(model.done.flat().length)
          } finally {
            db.close()
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})
