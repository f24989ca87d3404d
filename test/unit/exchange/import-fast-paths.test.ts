/**
 * The bundle import's shortcuts give what the long way gives: masks measured from their strings
 * (a non-canonical string is still stored canonical), pre-serialised rows insert exactly what
 * NewMask rows insert, and a repeated event line is still added once.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeBundle } from '../../../src-main/core/exchange/bundle'
import { importBundle } from '../../../src-main/core/exchange/import-bundle'
import { decompressRle, rleArea, rleToSa1bBbox } from '../../../src-main/core/masks'
import { MaskRepository, type NewMask, type SerializedNewMask } from '../../../src-main/core/project/mask-repository'
import { createProject, disc, rectangle, rewriteBundle, rleOf } from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-fast-paths-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const EXPORTER = { exporter: { name: 'tessera', version: '0.1.0-test' }, actor: 'alice' }
const IMAGES = [
  { relPath: 'a.jpg', width: 60, height: 40 },
  { relPath: 'b.jpg', width: 30, height: 30 },
]

function source() {
  const { db, ids } = createProject(IMAGES, { name: 'source' })
  const masks = new MaskRepository(db)
  masks.insertMany([
    {
      imageId: ids[0] as number,
      rle: rleOf(disc(40, 60, 20, 20, 8), 40, 60),
      source: 'auto',
      state: 'accepted',
      predictedIou: 0.8300000000000001,
      stabilityScore: 0.9,
      pointCoords: [[20.25, 19.75]],
      cropBox: [0, 0, 60, 40],
      prompt: { points: [{ x: 20.25, y: 19.75, label: 'positive' }], note: 'é "quoted"' },
      actor: 'alice',
      createdAt: '2026-01-01T10:00:00.000Z',
    },
    {
      imageId: ids[1] as number,
      rle: rleOf(rectangle(30, 30, 3, 3, 20, 25), 30, 30),
      source: 'manual',
      state: 'accepted',
      actor: 'bob',
      secondsSpent: 3.5,
      clicks: 2,
      createdAt: '2026-01-01T11:00:00.000Z',
    },
  ])
  return db
}

/**
 * The same counts written non-canonically: the first value's last character gets a continuation
 * bit and a character that only repeats its sign follows (pycocotools decodes both forms alike).
 */
function nonCanonical(counts: string): string {
  let end = 0
  while (((counts.charCodeAt(end) - 48) & 0x20) !== 0) end++
  const group = counts.charCodeAt(end) - 48
  const extension = (group & 0x10) !== 0 ? 0x1f : 0
  return counts.slice(0, end) + String.fromCharCode((group | 0x20) + 48) + String.fromCharCode(extension + 48) + counts.slice(end + 1)
}

function rows(db: ReturnType<typeof createProject>['db']): unknown[] {
  return db
    .prepare('SELECT image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, point_coords, crop_box, prompt FROM masks ORDER BY id')
    .all()
}

describe('bundle import shortcuts', () => {
  it('stores a non-canonical RLE string of a bundle canonical, with the area and box of its pixels', async () => {
    const db = source()
    const good = join(dir, 'good.zip')
    await writeBundle(db, good, EXPORTER)
    const canonical = db.prepare('SELECT rle_counts FROM masks ORDER BY id LIMIT 1').pluck().get() as string
    const odd = nonCanonical(canonical)
    expect(odd).not.toBe(canonical)
    expect(decompressRle({ size: [40, 60], counts: odd }).counts).toEqual(decompressRle({ size: [40, 60], counts: canonical }).counts)
    const path = join(dir, 'non-canonical.zip')
    await rewriteBundle(good, path, (entries) =>
      entries.map((entry) =>
        entry.name.startsWith('sa1b/')
          ? { ...entry, data: Buffer.from(entry.data.toString().replace(`"${canonical}"`, `"${odd}"`)) }
          : entry,
      ),
    )
    const target = createProject(IMAGES, { name: 'target' })
    await expect(importBundle(target.db, path, { actor: 'lead' })).resolves.toMatchObject({ masksAdded: 2 })
    expect(rows(target.db)).toEqual(rows(db))
    const stored = target.db
      .prepare('SELECT rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h FROM masks ORDER BY id LIMIT 1')
      .get() as Record<string, number | string>
    const decoded = decompressRle({ size: [40, 60], counts: canonical })
    expect(stored).toEqual({
      rle_counts: canonical,
      area: rleArea(decoded),
      bbox_x: rleToSa1bBbox(decoded)[0],
      bbox_y: rleToSa1bBbox(decoded)[1],
      bbox_w: rleToSa1bBbox(decoded)[2],
      bbox_h: rleToSa1bBbox(decoded)[3],
    })
  })

  it('adds a repeated line of events.jsonl once, and nothing when the bundle comes again', async () => {
    const db = source()
    const good = join(dir, 'events.zip')
    await writeBundle(db, good, EXPORTER)
    const path = join(dir, 'repeated-event.zip')
    await rewriteBundle(good, path, (entries) =>
      entries.map((entry) => {
        if (entry.name !== 'events.jsonl') return entry
        const lines = entry.data.toString().split('\n').filter(Boolean)
        // The first mask's line again, under another id, after every other line.
        const first = JSON.parse(lines[0] as string) as Record<string, unknown>
        return { ...entry, data: Buffer.from([...lines, JSON.stringify({ ...first, id: 999 })].join('\n') + '\n') }
      }),
    )
    const plain = createProject(IMAGES, { name: 'plain' })
    const repeated = createProject(IMAGES, { name: 'repeated' })
    const once = await importBundle(plain.db, good, { actor: 'lead' })
    const twice = await importBundle(repeated.db, path, { actor: 'lead' })
    expect(twice.eventsAdded).toBe(once.eventsAdded)
    expect(twice.eventsSkipped).toBe(once.eventsSkipped + 1)
    const history = (project: typeof plain) =>
      project.db
        .prepare("SELECT entity, entity_id, actor, kind, before, after FROM events WHERE kind <> 'bundle:imported' ORDER BY id")
        .all()
    expect(history(repeated)).toEqual(history(plain))
    await expect(importBundle(repeated.db, path, { actor: 'lead' })).resolves.toMatchObject({ eventsAdded: 0, masksAdded: 0 })
  })

  it('inserts pre-serialised masks exactly as NewMask ones: rows, tallies and events', () => {
    const masks: NewMask[] = [
      {
        imageId: 1,
        rle: rleOf(disc(40, 60, 30, 20, 10), 40, 60),
        source: 'imported',
        state: 'accepted',
        predictedIou: 0.1 + 0.2,
        stabilityScore: null,
        pointCoords: [[1.5, 2.25]],
        cropBox: [0, 0, 60, 40],
        prompt: { box: [1, 2, 3, 4], text: 'ü\u2028' },
        actor: 'carol',
        createdAt: '2026-02-01T00:00:00.000Z',
      },
      { imageId: 2, rle: rleOf(rectangle(30, 30, 0, 0, 30, 30), 30, 30), source: 'auto', state: 'proposed', actor: 'tessera' },
    ]
    const measured = (mask: NewMask) => {
      const rle = mask.rle as { size: [number, number]; counts: string }
      const decoded = decompressRle(rle)
      return { rle, area: rleArea(decoded), bbox: rleToSa1bBbox(decoded) }
    }
    const serialized: SerializedNewMask[] = masks.map(({ pointCoords, cropBox, prompt, ...rest }) => ({
      ...rest,
      rle: measured(rest as NewMask),
      pointCoordsJson: pointCoords ? JSON.stringify(pointCoords) : null,
      cropBoxJson: cropBox ? JSON.stringify(cropBox) : null,
      promptJson: prompt ? JSON.stringify(prompt) : null,
    }))
    const state = (list: readonly (NewMask | SerializedNewMask)[]) => {
      const { db } = createProject(IMAGES)
      new MaskRepository(db).insertMany(list, {
        eventKind: 'mask:imported',
        eventActor: 'lead',
        eventDetails: (_mask, index) => ({ index }),
      })
      return {
        masks: db.prepare('SELECT * FROM masks ORDER BY id').all(),
        events: db.prepare('SELECT actor, kind, entity, entity_id, before, after FROM events ORDER BY id').all(),
        tallies: db.prepare('SELECT * FROM mask_tallies ORDER BY 1, 2, 3, 4, 5, 6').all(),
        images: db.prepare('SELECT * FROM image_tallies ORDER BY image_id').all(),
        gold: db.prepare('SELECT mask_id, image_id FROM gold_masks ORDER BY mask_id').all(),
      }
    }
    const plain = state(masks)
    const fast = state(serialized)
    // Times differ between the two runs (created_at defaults to now for the second mask).
    const withoutTimes = (value: ReturnType<typeof state>) =>
      JSON.parse(JSON.stringify(value).replaceAll(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"T"')) as unknown
    expect(withoutTimes(fast)).toEqual(withoutTimes(plain))
    expect(plain.gold).toHaveLength(1)
  })
})
