/**
 * The review store on a real SQLite database: decisions with their events and action rows, undo and
 * redo persisted at once (a reopened file keeps states and history), coverage and the done gate,
 * review settings.
 */
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError, type ErrorCode } from '../../../src-preload/contract/errors'
import { openProjectDb, type ProjectDb } from '../../../src-main/core/project/database'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { DEFAULT_REVIEW_SETTINGS, ReviewStore, defaultDecisionLabel, formatPercent, type ActionRecord } from '../../../src-main/core/review'
import { makeTempDir } from '../../support/make-images'
import { HEIGHT, WIDTH, addMasks, maskStates, openReviewDb } from './review-fixture'

function codeOf(action: () => unknown): { code: ErrorCode; message: string } {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return { code: (error as AppError).code, message: (error as AppError).message }
  }
  throw new Error('expected an AppError')
}

interface EventRow {
  actor: string
  kind: string
  entity: string
  entity_id: number
  before: string | null
  after: string | null
}

function events(db: ProjectDb, kind: string): EventRow[] {
  return db.prepare('SELECT actor, kind, entity, entity_id, before, after FROM events WHERE kind = ? ORDER BY id').all(kind) as EventRow[]
}

function counts(db: ProjectDb): { events: number; actions: number } {
  return {
    events: (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n,
    actions: (db.prepare('SELECT count(*) AS n FROM actions').get() as { n: number }).n,
  }
}

let db: ProjectDb
let store: ReviewStore
let ids: number[]

beforeEach(() => {
  db = openReviewDb()
  ids = addMasks(db, [
    { rects: [[0, 0, 10, 10]], state: 'proposed' },
    { rects: [[10, 0, 10, 10]], state: 'proposed' },
    { rects: [[20, 0, 10, 10]], state: 'auto_accepted' },
    { rects: [[30, 0, 10, 10]], state: 'deleted' },
    { rects: [[0, 20, 5, 5]], state: 'proposed', imageId: 2 },
  ])
  store = new ReviewStore(db)
})
afterEach(() => db.close())

describe('decide', () => {
  it('applies every change with one event per mask, records one action and starts the image', () => {
    const [a, b] = ids as [number, number]
    const result = store.decide(
      1,
      [
        { maskId: a, state: 'accepted' },
        { maskId: b, state: 'rejected' },
      ],
      'ada',
    )
    expect(result.masks.map((mask) => [mask.id, mask.state])).toEqual([
      [a, 'accepted'],
      [b, 'rejected'],
    ])
    expect(maskStates(db)).toMatchObject({ [a]: 'accepted', [b]: 'rejected' })

    const [action] = store.history.list(1)
    expect(action).toMatchObject({
      imageId: 1,
      actor: 'ada',
      kind: 'decide',
      label: 'Accept 1, reject 1 (2 masks)',
      status: 'applied',
      changes: [
        { maskId: a, before: 'proposed', after: 'accepted' },
        { maskId: b, before: 'proposed', after: 'rejected' },
      ],
    })
    expect(events(db, 'mask:state')).toEqual([
      {
        actor: 'ada',
        kind: 'mask:state',
        entity: 'mask',
        entity_id: a,
        before: '{"state":"proposed"}',
        after: `{"state":"accepted","action":${action!.id}}`,
      },
      {
        actor: 'ada',
        kind: 'mask:state',
        entity: 'mask',
        entity_id: b,
        before: '{"state":"proposed"}',
        after: `{"state":"rejected","action":${action!.id}}`,
      },
    ])
    expect(events(db, 'image:status')).toEqual([
      {
        actor: 'ada',
        kind: 'image:status',
        entity: 'image',
        entity_id: 1,
        before: '{"status":"todo"}',
        after: '{"status":"in_progress","cause":"first decision"}',
      },
    ])
    expect(result.history).toEqual({ canUndo: true, canRedo: false, undoLabel: 'Accept 1, reject 1 (2 masks)', redoLabel: null })

    // Later decisions leave the status alone (one status event), and the updated_at moves.
    store.decide(1, [{ maskId: ids[2] as number, state: 'rejected' }], 'ada')
    expect(events(db, 'image:status')).toHaveLength(1)
    expect((db.prepare('SELECT status FROM images WHERE id = 1').get() as { status: string }).status).toBe('in_progress')
  })

  it('leaves out no-op decisions and records nothing when nothing changes', () => {
    const [a, b] = ids as [number, number]
    store.decide(1, [{ maskId: a, state: 'accepted' }], 'ada')
    const before = counts(db)
    const same = store.decide(1, [{ maskId: a, state: 'accepted' }], 'ada')
    expect(same.masks).toEqual([])
    expect(counts(db)).toEqual(before)
    const mixed = store.decide(
      1,
      [
        { maskId: a, state: 'accepted' },
        { maskId: b, state: 'accepted' },
      ],
      'ada',
    )
    expect(mixed.masks.map((mask) => mask.id)).toEqual([b])
    expect(store.history.list(1).at(-1)).toMatchObject({ label: `Accept mask ${b}`, changes: [{ maskId: b }] })
  })

  it("'proposed' returns decided and triaged masks to the queue", () => {
    const [a, , auto] = ids as [number, number, number]
    store.decide(1, [{ maskId: a, state: 'rejected' }], 'ada')
    store.decide(
      1,
      [
        { maskId: a, state: 'proposed' },
        { maskId: auto, state: 'proposed' },
      ],
      'ada',
    )
    expect(maskStates(db)).toMatchObject({ [a]: 'proposed', [auto]: 'proposed' })
    expect(store.historyState(1).undoLabel).toBe('Return 2 masks to review')
  })

  it('checks every decision before writing anything', () => {
    const [a, , , deleted, other] = ids as [number, number, number, number, number]
    const before = counts(db)
    const states = maskStates(db)
    const attempt = (maskId: number) => () =>
      store.decide(
        1,
        [
          { maskId: a, state: 'accepted' },
          { maskId, state: 'rejected' },
        ],
        'ada',
      )
    expect(codeOf(attempt(other))).toEqual({ code: 'invalid_request', message: `Mask ${other} belongs to image 2, not image 1.` })
    expect(codeOf(attempt(deleted)).code).toBe('conflict')
    expect(codeOf(attempt(9999)).code).toBe('not_found')
    expect(codeOf(attempt(a)).code).toBe('invalid_request') // named twice
    expect(codeOf(() => store.decide(77, [{ maskId: a, state: 'accepted' }], 'ada')).code).toBe('not_found')
    expect(counts(db)).toEqual(before)
    expect(maskStates(db)).toEqual(states)
    expect((db.prepare('SELECT status FROM images WHERE id = 1').get() as { status: string }).status).toBe('todo')
  })

  it('makes default labels from what changed, and keeps a given one', () => {
    expect(defaultDecisionLabel([{ maskId: 12, before: 'proposed', after: 'accepted' }])).toBe('Accept mask 12')
    expect(defaultDecisionLabel([1, 2, 3].map((maskId) => ({ maskId, before: 'proposed' as const, after: 'rejected' as const })))).toBe(
      'Reject 3 masks',
    )
    expect(defaultDecisionLabel([{ maskId: 4, before: 'accepted', after: 'proposed' }])).toBe('Return mask 4 to review')
    store.decide(1, [{ maskId: ids[0] as number, state: 'accepted' }], 'ada', 'Accept 1 mask ≥ 0.90')
    expect(store.historyState(1).undoLabel).toBe('Accept 1 mask ≥ 0.90')
  })
})

describe('undo and redo', () => {
  it('undo sets before states, redo after states, each with its own events; both say when there is nothing to do', () => {
    const [a, b] = ids as [number, number]
    expect(codeOf(() => store.undo(1, 'ada'))).toEqual({ code: 'conflict', message: 'There is nothing to undo on this image.' })
    expect(codeOf(() => store.redo(1, 'ada'))).toEqual({ code: 'conflict', message: 'There is nothing to redo on this image.' })
    store.decide(1, [{ maskId: a, state: 'accepted' }], 'ada')
    store.decide(1, [{ maskId: b, state: 'rejected' }], 'ada')
    const [first, second] = store.history.list(1) as [ActionRecord, ActionRecord]

    const undone = store.undo(1, 'bob')
    expect(undone.masks.map((mask) => [mask.id, mask.state])).toEqual([[b, 'proposed']])
    expect(undone.history).toEqual({ canUndo: true, canRedo: true, undoLabel: `Accept mask ${a}`, redoLabel: `Reject mask ${b}` })
    expect(events(db, 'mask:state').at(-1)).toMatchObject({
      actor: 'bob',
      entity_id: b,
      before: '{"state":"rejected"}',
      after: `{"state":"proposed","undo":${second.id}}`,
    })
    store.undo(1, 'bob')
    expect(maskStates(db)).toMatchObject({ [a]: 'proposed', [b]: 'proposed' })
    expect(store.historyState(1)).toEqual({ canUndo: false, canRedo: true, undoLabel: null, redoLabel: `Accept mask ${a}` })

    // Redo goes forward in the order the actions were made.
    const redone = store.redo(1, 'bob')
    expect(redone.masks.map((mask) => [mask.id, mask.state])).toEqual([[a, 'accepted']])
    expect(events(db, 'mask:state').at(-1)).toMatchObject({ entity_id: a, after: `{"state":"accepted","redo":${first.id}}` })
    store.redo(1, 'bob')
    expect(maskStates(db)).toMatchObject({ [a]: 'accepted', [b]: 'rejected' })
    expect(codeOf(() => store.redo(1, 'bob')).code).toBe('conflict')
    expect(store.history.list(1).map((action) => action.status)).toEqual(['applied', 'applied'])
  })

  it('a new action after undo abandons the undone ones (redo is cleared)', () => {
    const [a, b] = ids as [number, number]
    store.decide(1, [{ maskId: a, state: 'accepted' }], 'ada')
    store.decide(1, [{ maskId: b, state: 'accepted' }], 'ada')
    store.undo(1, 'ada')
    store.undo(1, 'ada')
    store.decide(1, [{ maskId: b, state: 'rejected' }], 'ada')
    expect(store.history.list(1).map((action) => action.status)).toEqual(['abandoned', 'abandoned', 'applied'])
    expect(store.historyState(1)).toMatchObject({ canUndo: true, canRedo: false })
    expect(codeOf(() => store.redo(1, 'ada')).code).toBe('conflict')
    store.undo(1, 'ada')
    expect(maskStates(db)).toMatchObject({ [a]: 'proposed', [b]: 'proposed' })
    expect(store.historyState(1)).toMatchObject({ canUndo: false, canRedo: true, redoLabel: `Reject mask ${b}` })
  })

  it('histories are per image', () => {
    store.decide(1, [{ maskId: ids[0] as number, state: 'accepted' }], 'ada')
    expect(store.historyState(2).canUndo).toBe(false)
    expect(codeOf(() => store.undo(2, 'ada')).code).toBe('conflict')
    store.decide(2, [{ maskId: ids[4] as number, state: 'accepted' }], 'ada')
    store.undo(2, 'ada')
    expect(maskStates(db)[ids[0] as number]).toBe('accepted')
  })

  it('skips changes of masks that no longer exist (a proposal re-run replaced them)', () => {
    const [a, b] = ids as [number, number]
    store.decide(
      1,
      [
        { maskId: a, state: 'accepted' },
        { maskId: b, state: 'accepted' },
      ],
      'ada',
    )
    store.undo(1, 'ada')
    db.prepare('DELETE FROM masks WHERE id = ?').run(b)
    const redone = store.redo(1, 'ada')
    expect(redone.masks.map((mask) => mask.id)).toEqual([a])
    expect(maskStates(db)[a]).toBe('accepted')
  })

  it('survives closing and reopening the database: states and history are read from the file', async () => {
    const { dir, cleanup } = await makeTempDir('review-reload')
    try {
      const file = join(dir, 'project.sqlite')
      const fileDb = openReviewDb(file)
      const [a, b, c] = addMasks(fileDb, [
        { rects: [[0, 0, 5, 5]], state: 'proposed' },
        { rects: [[5, 0, 5, 5]], state: 'proposed' },
        { rects: [[10, 0, 5, 5]], state: 'proposed' },
      ]) as [number, number, number]
      const first = new ReviewStore(fileDb)
      first.decide(1, [{ maskId: a, state: 'accepted' }], 'ada')
      first.decide(1, [{ maskId: b, state: 'rejected' }], 'ada')
      first.decide(1, [{ maskId: c, state: 'accepted' }], 'ada')
      first.undo(1, 'ada')
      const states = maskStates(fileDb)
      const history = first.historyState(1)
      fileDb.close() // no shutdown step: every request was committed when it returned

      const reopened = openProjectDb(file)
      try {
        const second = new ReviewStore(reopened)
        expect(maskStates(reopened)).toEqual(states)
        expect(second.historyState(1)).toEqual(history)
        expect(history).toEqual({ canUndo: true, canRedo: true, undoLabel: `Reject mask ${b}`, redoLabel: `Accept mask ${c}` })
        second.redo(1, 'ada')
        expect(maskStates(reopened)[c]).toBe('accepted')
        second.undo(1, 'ada')
        second.undo(1, 'ada')
        expect(maskStates(reopened)).toMatchObject({ [a]: 'accepted', [b]: 'proposed', [c]: 'proposed' })
      } finally {
        reopened.close()
      }
    } finally {
      await cleanup()
    }
  })
})

describe('review settings', () => {
  it('starts at the defaults, stores valid settings with an event and refuses invalid ones', () => {
    expect(store.settings()).toEqual({ maxUncoveredFraction: 0.1, minGapArea: 200, overlapIou: 0.5, objectTimeLimitSeconds: 30 })
    expect(store.settings()).toEqual(DEFAULT_REVIEW_SETTINGS)
    const chosen = { maxUncoveredFraction: 0.25, minGapArea: 50, overlapIou: 0.8, objectTimeLimitSeconds: 45 }
    expect(store.setSettings(chosen, 'ada')).toEqual(chosen)
    expect(new ReviewStore(db).settings()).toEqual(chosen)
    expect(events(db, 'review:settings')).toHaveLength(1)
    for (const bad of [
      { ...chosen, overlapIou: 0 },
      { ...chosen, minGapArea: 0 },
      { ...chosen, minGapArea: 1.5 },
      { ...chosen, maxUncoveredFraction: 1.2 },
      { ...chosen, objectTimeLimitSeconds: 0 },
      { ...chosen, extra: 1 },
    ]) {
      expect(codeOf(() => store.setSettings(bad, 'ada')).code).toBe('invalid_request')
    }
    expect(store.settings()).toEqual(chosen)
    db.prepare('UPDATE project SET review_settings = \'{"overlapIou": 0.7}\'').run()
    expect(store.settings()).toEqual({ ...DEFAULT_REVIEW_SETTINGS, overlapIou: 0.7 })
  })
})

describe('coverage and the done gate', () => {
  /** Image 2 (40 × 30 = 1200 px): covered but for a 20 × 10 corner (200 px) and a 3 × 3 hole (9 px). */
  function coverImage2(): void {
    db.prepare('DELETE FROM masks WHERE image_id = 2').run()
    addMasks(db, [
      { imageId: 2, state: 'accepted', rects: [[0, 0, 20, 30]] },
      { imageId: 2, state: 'auto_accepted', rects: [[20, 0, 20, 20]] },
      // A hole in the auto-accepted area is made by covering around it with a second accepted mask.
      { imageId: 2, state: 'proposed', rects: [[20, 20, 20, 10]] }, // not counted
      { imageId: 2, state: 'rejected', rects: [[20, 20, 20, 10]] }, // not counted
    ])
    // Cut the 3 × 3 hole out of the accepted mask (rows 5–7, columns 5–7) by replacing its pixels.
    const accepted = new MaskRepository(db).listByImage(2, { states: ['accepted'] })[0]!
    db.prepare('DELETE FROM masks WHERE id = ?').run(accepted.id)
    addMasks(db, [
      {
        imageId: 2,
        state: 'accepted',
        rects: [
          [0, 0, 20, 5],
          [0, 8, 20, 22],
          [0, 5, 5, 3],
          [8, 5, 12, 3],
        ],
      },
    ])
  }

  it('reports uncovered pixels and gaps of at least minGapArea from accepted and auto-accepted masks', () => {
    coverImage2()
    const report = store.coverage(2)
    expect(report).toEqual({
      imageId: 2,
      totalPixels: WIDTH * HEIGHT,
      uncoveredPixels: 209,
      uncoveredFraction: 209 / 1200,
      gaps: [{ area: 200, bbox: [20, 20, 20, 10] }],
      settings: DEFAULT_REVIEW_SETTINGS,
    })
    store.setSettings({ ...DEFAULT_REVIEW_SETTINGS, minGapArea: 5 }, 'ada')
    expect(store.coverage(2).gaps).toEqual([
      { area: 200, bbox: [20, 20, 20, 10] },
      { area: 9, bbox: [5, 5, 3, 3] },
    ])
    expect(store.coverage(1)).toMatchObject({ uncoveredPixels: WIDTH * HEIGHT - 100, gaps: [{ area: WIDTH * HEIGHT - 100 }] })
    expect(codeOf(() => store.coverage(99)).code).toBe('not_found')
  })

  it('refuses done above the threshold without a reason, stating both percentages; records reason and coverage', () => {
    coverImage2()
    const gate = codeOf(() => store.statusEventDetails(2, 'done'))
    expect(gate.code).toBe('coverage_gate')
    expect(gate.message).toContain('17.4%')
    expect(gate.message).toContain('10%')
    expect(store.statusEventDetails(2, 'done', 'sky only')).toEqual({
      reason: 'sky only',
      uncoveredFraction: 209 / 1200,
      maxUncoveredFraction: 0.1,
    })
    // Other statuses are not gated and record no coverage.
    expect(store.statusEventDetails(2, 'skipped')).toEqual({})
    expect(store.statusEventDetails(2, 'in_progress', 'later')).toEqual({ reason: 'later' })
    // Under the threshold: no reason needed, the coverage is still recorded.
    store.setSettings({ ...DEFAULT_REVIEW_SETTINGS, maxUncoveredFraction: 0.2 }, 'ada')
    expect(store.statusEventDetails(2, 'done')).toEqual({ uncoveredFraction: 209 / 1200, maxUncoveredFraction: 0.2 })
    expect(codeOf(() => store.statusEventDetails(1, 'done')).message).toMatch(/^91\.7% .* 20%/)
  })

  it('formats percentages so a value just above the limit never reads as the limit', () => {
    expect(formatPercent(0.174)).toBe('17.4%')
    expect(formatPercent(0.1)).toBe('10%')
    expect(formatPercent(0.10004, 0.1)).toBe('10.004%')
    expect(formatPercent(0.1004, 0.1)).toBe('10.04%')
    expect(formatPercent(0.5, 0.1)).toBe('50%')
    expect(formatPercent(1)).toBe('100%')
  })
})
