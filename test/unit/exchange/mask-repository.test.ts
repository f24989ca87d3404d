import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { createProject, rectangle, rleOf } from './exchange-helpers'

function setup() {
  const { db, ids } = createProject([
    { relPath: 'a.jpg', width: 40, height: 30 },
    { relPath: 'b.jpg', width: 20, height: 10 },
    { relPath: 'c.jpg', width: 20, height: 10 },
  ])
  return { db, ids: ids as [number, number, number], masks: new MaskRepository(db) }
}

describe('MaskRepository', () => {
  it('derives area and SA-1B box from the RLE, stores every field and logs one event per insert', () => {
    const { db, ids, masks } = setup()
    const inserted = masks.insert({
      imageId: ids[0],
      rle: rleOf(rectangle(30, 40, 5, 6, 15, 10), 30, 40),
      source: 'manual',
      state: 'accepted',
      predictedIou: 0.93,
      stabilityScore: 0.97,
      pointCoords: [[7.5, 8.25]],
      cropBox: [0, 0, 40, 30],
      prompt: { points: [{ x: 7.5, y: 8.25, label: 'positive' }], box: null, maskInput: null },
      modelId: null,
      actor: 'alice',
      secondsSpent: 4.5,
    })
    expect(inserted).toMatchObject({
      imageId: ids[0],
      area: 40,
      bbox: [5, 6, 9, 3],
      source: 'manual',
      state: 'accepted',
      predictedIou: 0.93,
      stabilityScore: 0.97,
      pointCoords: [[7.5, 8.25]],
      cropBox: [0, 0, 40, 30],
      prompt: { points: [{ x: 7.5, y: 8.25, label: 'positive' }], box: null, maskInput: null },
      actor: 'alice',
      secondsSpent: 4.5,
    })
    const events = db.prepare("SELECT actor, kind, entity, entity_id, before, after FROM events WHERE entity = 'mask'").all() as {
      actor: string
      kind: string
      entity_id: number
      before: string | null
      after: string
    }[]
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ actor: 'alice', kind: 'mask:created', entity_id: inserted.id, before: null })
    expect(JSON.parse(events[0]?.after ?? '{}')).toMatchObject({ imageId: ids[0], state: 'accepted', area: 40 })
  })

  it('inserts many in one transaction: a mask at the wrong size rolls back the whole batch', () => {
    const { db, ids, masks } = setup()
    const good = {
      imageId: ids[1],
      rle: rleOf(rectangle(10, 20, 1, 1, 3, 3), 10, 20),
      source: 'auto',
      state: 'proposed',
      actor: 'tessera',
    } as const
    const wrongSize = { ...good, rle: rleOf(rectangle(30, 40, 1, 1, 3, 3), 30, 40) }
    expect(() => masks.insertMany([good, good, wrongSize])).toThrow(AppError)
    expect(masks.count()).toBe(0)
    expect(db.prepare('SELECT count(*) AS n FROM events').pluck().get()).toBe(0)
    expect(masks.insertMany([good, good])).toHaveLength(2)
    expect(db.prepare("SELECT count(*) AS n FROM events WHERE kind = 'mask:created'").pluck().get()).toBe(2)
  })

  it('refuses malformed RLE strings and unknown images', () => {
    const { ids, masks } = setup()
    const base = { source: 'auto', state: 'proposed', actor: 'x' } as const
    expect(() => masks.insert({ ...base, imageId: ids[1], rle: { size: [10, 20], counts: 'x!' } })).toThrow(/malformed RLE/)
    expect(() => masks.insert({ ...base, imageId: 999, rle: rleOf(new Uint8Array(200), 10, 20) })).toThrow(/not in this project/)
  })

  it('lists by image with state filters, changes state with an event, and streams all masks in image order page by page', () => {
    const { db, ids, masks } = setup()
    const add = (imageId: number, h: number, w: number, state: 'proposed' | 'accepted' | 'rejected') =>
      masks.insert({ imageId, rle: rleOf(rectangle(h, w, 0, 0, 2, 2), h, w), source: 'auto', state, actor: 'tessera' }).id
    const c1 = add(ids[2], 10, 20, 'accepted')
    const a1 = add(ids[0], 30, 40, 'proposed')
    const a2 = add(ids[0], 30, 40, 'accepted')
    const a3 = add(ids[0], 30, 40, 'rejected')
    expect(masks.listByImage(ids[0]).map((mask) => mask.id)).toEqual([a1, a2, a3])
    expect(masks.listByImage(ids[0], { states: ['accepted', 'rejected'] }).map((mask) => mask.id)).toEqual([a2, a3])
    expect(masks.listByImage(ids[0], { states: [] })).toEqual([])

    const changed = masks.setState(a1, 'accepted', 'bob')
    expect(changed.state).toBe('accepted')
    const event = db.prepare("SELECT actor, before, after FROM events WHERE kind = 'mask:state'").get() as {
      actor: string
      before: string
      after: string
    }
    expect(event.actor).toBe('bob')
    expect(JSON.parse(event.before)).toEqual({ state: 'proposed' })
    expect(JSON.parse(event.after)).toEqual({ state: 'accepted' })

    // Image ids ascending (image b has no masks), masks by id within an image; pages of one image id.
    expect([...masks.streamAll({ pageSize: 1 })].map((mask) => mask.id)).toEqual([a1, a2, a3, c1])
    expect([...masks.streamAll({ states: ['accepted'] })].map((mask) => mask.id)).toEqual([a1, a2, c1])
    expect([...masks.streamAll({ imageIds: [ids[2], 12345] })].map((mask) => mask.id)).toEqual([c1])
    expect(masks.countsByState()).toMatchObject({ accepted: 3, rejected: 1, proposed: 0 })
  })
})
