import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import type { ProjectDb } from '../../../src-main/core/project/database'
import { MaskRepository, type NewMask } from '../../../src-main/core/project/mask-repository'
import { addFileLessModel, createProject, rectangle, rleOf, seeded } from './exchange-helpers'

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

  it('keeps the metric tallies of a bulk insert (set-based, trigger paused) equal to inserting mask by mask', () => {
    const random = seeded(42)
    const build = () => {
      const project = setup()
      const modelId = addFileLessModel(project.db)
      project.db.prepare("UPDATE images SET status = 'done' WHERE id = ?").run(project.ids[1])
      return { ...project, modelId }
    }
    const one = build()
    const bulk = build()
    const states = ['proposed', 'accepted', 'auto_accepted', 'rejected'] as const
    const sources = ['auto', 'manual', 'imported'] as const
    // 300 masks over the three images (one done), with and without scores, seconds and a model.
    const batch: NewMask[] = Array.from({ length: 300 }, (_, index) => {
      const imageIndex = index % 3
      const [h, w] = imageIndex === 0 ? [30, 40] : [10, 20]
      return {
        imageId: one.ids[imageIndex] as number,
        rle: rleOf(rectangle(h, w, 0, 0, 1 + (index % 5), 1 + (index % 7)), h, w),
        source: sources[index % 3] as (typeof sources)[number],
        state: states[Math.floor(random() * states.length)] as (typeof states)[number],
        predictedIou: index % 4 === 0 ? null : random() * 1.1,
        stabilityScore: index % 5 === 0 ? null : random(),
        secondsSpent: index % 2 === 0 ? null : random() * 30,
        modelId: index % 6 === 0 ? null : one.modelId,
        actor: 'alice',
      }
    })
    for (const mask of batch) one.masks.insert(mask)
    bulk.masks.insertMany(batch)

    const tables = (db: ProjectDb) => ({
      mask: db.prepare('SELECT * FROM mask_tallies ORDER BY model_key, source, state, image_done, iou_bin, stability_bin').all(),
      image: db.prepare('SELECT * FROM image_tallies ORDER BY image_id').all(),
      models: db.prepare('SELECT * FROM image_models ORDER BY image_id, model_id').all(),
      pauses: db.prepare('SELECT count(*) AS n FROM tally_pauses').get(),
    })
    const expected = tables(one.db)
    expect(expected.mask.length).toBeGreaterThan(20)
    expect(expected.image).toHaveLength(3)
    const actual = tables(bulk.db) as typeof expected
    // Sums of floating-point scores may differ in the last bits between the two orders of addition.
    const rounded = (rows: unknown[]) =>
      rows.map((row) =>
        Object.fromEntries(
          Object.entries(row as object).map(([key, value]) => [key, typeof value === 'number' ? Number(value.toFixed(9)) : value]),
        ),
      )
    expect(rounded(actual.mask)).toEqual(rounded(expected.mask))
    expect(actual.image).toEqual(expected.image)
    expect(actual.models).toEqual(expected.models)
    expect(actual.pauses).toEqual({ n: 0 })

    // A failing bulk insert takes the pause back with its rows: the trigger counts the next insert.
    expect(() => bulk.masks.insertMany([...batch.slice(0, 40), { ...(batch[0] as NewMask), imageId: 999 }])).toThrow(AppError)
    expect(tables(bulk.db).pauses).toEqual({ n: 0 })
    one.masks.insert(batch[1] as NewMask)
    bulk.masks.insert(batch[1] as NewMask)
    expect(rounded(tables(bulk.db).mask)).toEqual(rounded(tables(one.db).mask))
  })
})
