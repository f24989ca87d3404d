/**
 * The import stage lives in TEMP tables of the project's own connection and is committed set-based:
 * the 'mask:imported' text it prepares is what MaskRepository writes, staging leaves the project
 * file free for other writers, and a bundle that partly repeats what the project has adds the rest
 * with every replayed event on the right mask.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeBundle } from '../../../src-main/core/exchange/bundle'
import { importBundle, prepareBundleImport, verifyBundle } from '../../../src-main/core/exchange/import-bundle'
import { importedEventText, type StagedMask } from '../../../src-main/core/exchange/import-stage'
import { openProjectDb } from '../../../src-main/core/project/database'
import { MaskRepository, MASK_STATES, type MaskSource, type MaskState } from '../../../src-main/core/project/mask-repository'
import {
  addFileLessModel,
  createProject,
  disc,
  maskWithGivenMeasure,
  insertImages,
  rectangle,
  rewriteBundle,
  rleOf,
} from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-import-stage-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const EXPORTER = { exporter: { name: 'tessera', version: '0.1.0-test' }, actor: 'alice' }
const IMAGES = [
  { relPath: 'a.jpg', width: 60, height: 40 },
  { relPath: 'b.jpg', width: 30, height: 30 },
]
const SOURCES: readonly MaskSource[] = ['auto', 'manual', 'imported']

const tempTables = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_temp_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]

describe('import stage', () => {
  it("prepares exactly the 'mask:imported' text MaskRepository.insertMany writes, model id filled in at the commit", () => {
    const { db, ids } = createProject(IMAGES)
    const modelIdInProject = addFileLessModel(db)
    const repository = new MaskRepository(db)
    const text = fc.string({ unit: 'binary', maxLength: 12 })
    const score = fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.1 + 0.2, -0, 1e-7)), {
      nil: null,
    })
    fc.assert(
      fc.property(
        fc.record({
          source: fc.constantFrom(...SOURCES),
          state: fc.constantFrom(...(MASK_STATES as readonly MaskState[])),
          area: fc.nat(),
          bbox: fc.tuple(fc.nat(60), fc.nat(40), fc.nat(60), fc.nat(40)),
          predictedIou: score,
          stabilityScore: score,
          actor: text,
          origin: fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null)), { maxKeys: 3 }),
          from: fc.dictionary(text, text, { maxKeys: 2 }),
          withModel: fc.boolean(),
        }),
        (mask) => {
          const modelId = mask.withModel ? modelIdInProject : null
          const [id] = repository.insertMany(
            [
              maskWithGivenMeasure({
                imageId: ids[0] as number,
                height: 40,
                width: 60,
                area: mask.area,
                bbox: mask.bbox,
                source: mask.source,
                state: mask.state,
                predictedIou: mask.predictedIou,
                stabilityScore: mask.stabilityScore,
                modelId,
                actor: mask.actor,
              }),
            ],
            { eventKind: 'mask:imported', eventActor: 'lead', eventDetails: () => ({ origin: { ...mask.from, ...mask.origin } }) },
          )
          const written = db.prepare("SELECT after FROM events WHERE entity = 'mask' AND entity_id = ?").pluck().get(id) as string
          const staged = { ...mask, rleCounts: '', sourceMaskId: null } as unknown as StagedMask
          const { head, tail } = importedEventText(ids[0] as number, staged, mask.from)
          expect(head + String(modelId ?? 'null') + tail).toBe(written)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('stages in temp tables only: the project file stays free for other writers, and dispose drops them', async () => {
    const source = createProject(IMAGES, { name: 'source' })
    new MaskRepository(source.db).insertMany([
      { imageId: source.ids[0] as number, rle: rleOf(disc(40, 60, 20, 20, 8), 40, 60), source: 'auto', state: 'accepted', actor: 'alice' },
    ])
    const bundle = join(dir, 'free.zip')
    await writeBundle(source.db, bundle, EXPORTER)

    const file = join(dir, 'project.sqlite')
    const db = openProjectDb(file, { create: true })
    insertImages(db, IMAGES)
    const prepared = await prepareBundleImport(db, bundle, { actor: 'lead' })
    expect(tempTables(db).length).toBeGreaterThan(0)
    expect(db.prepare('SELECT count(*) FROM masks').pluck().get()).toBe(0)
    // Another connection can take the write lock while the bundle sits staged.
    const other = new Database(file, { timeout: 0 })
    other.exec("BEGIN IMMEDIATE; UPDATE images SET status = 'in_progress' WHERE id = 2; COMMIT")
    other.close()
    expect(prepared.commit()).toMatchObject({ masksAdded: 1, eventsAdded: 1 })
    await prepared.dispose()
    expect(tempTables(db)).toEqual([])
    expect(db.prepare('SELECT status FROM images WHERE id = 2').pluck().get()).toBe('in_progress')
    db.close()
  })

  it('adds what a bundle brings beyond the masks the project has, each replayed event on its own mask', async () => {
    const alice = createProject(IMAGES, { name: 'alice' })
    const masks = new MaskRepository(alice.db)
    const [a, b] = alice.ids as [number, number]
    masks.insertMany([
      { imageId: a, rle: rleOf(disc(40, 60, 15, 15, 6), 40, 60), source: 'auto', state: 'proposed', actor: 'alice' },
      { imageId: a, rle: rleOf(disc(40, 60, 40, 20, 9), 40, 60), source: 'auto', state: 'accepted', actor: 'alice' },
    ])
    const first = join(dir, 'first.zip')
    await writeBundle(alice.db, first, EXPORTER)
    const lead = createProject(IMAGES, { name: 'lead' })
    await expect(importBundle(lead.db, first, { actor: 'lead' })).resolves.toMatchObject({ masksAdded: 2 })

    // Alice goes on: a new mask beside the two the lead has, a decision on one of them, and a mask on the second image.
    masks.insertMany([
      { imageId: a, rle: rleOf(rectangle(40, 60, 50, 30, 58, 38), 40, 60), source: 'manual', state: 'accepted', actor: 'alice' },
      { imageId: b, rle: rleOf(rectangle(30, 30, 2, 2, 12, 9), 30, 30), source: 'manual', state: 'accepted', actor: 'alice' },
    ])
    masks.setState(1, 'accepted', 'alice', { at: '2099-01-01T00:00:00.000Z' })
    const second = join(dir, 'second.zip')
    await writeBundle(alice.db, second, EXPORTER)
    const result = await importBundle(lead.db, second, { actor: 'lead' })
    expect(result).toMatchObject({ masksAdded: 2, duplicatesSkipped: 1, statesMerged: 1 })

    const rows = (db: Database.Database) =>
      db.prepare('SELECT image_id, rle_counts, area, state, actor FROM masks ORDER BY image_id, rle_counts').all()
    expect(rows(lead.db)).toEqual(rows(alice.db))
    // Every replayed line of Alice's log sits on the lead's mask with the same pixels as the one it was written for.
    const aliceRle = new Map(
      (alice.db.prepare('SELECT id, rle_counts FROM masks').raw().all() as [number, string][]).map(([id, rle]) => [id, rle]),
    )
    const leadRle = new Map(
      (lead.db.prepare('SELECT id, rle_counts FROM masks').raw().all() as [number, string][]).map(([id, rle]) => [id, rle]),
    )
    const events = (db: Database.Database, kinds: string) =>
      db
        .prepare(`SELECT entity_id, kind, at, before, after FROM events WHERE entity = 'mask' AND kind IN (${kinds}) ORDER BY id`)
        .raw()
        .all() as [number, string, string, string | null, string | null][]
    const replayed = events(lead.db, "'mask:created', 'mask:state'")
    const original = events(alice.db, "'mask:created', 'mask:state'")
    expect(replayed.map(([id, ...rest]) => [leadRle.get(id), ...rest])).toEqual(
      original.map(([id, ...rest]) => [aliceRle.get(id), ...rest]),
    )
    // One 'mask:imported' per mask the lead received, naming its image.
    const imported = lead.db
      .prepare(
        "SELECT e.entity_id, json_extract(e.after, '$.imageId') = m.image_id FROM events e JOIN masks m ON m.id = e.entity_id WHERE e.kind = 'mask:imported' ORDER BY e.id",
      )
      .raw()
      .all()
    expect(imported).toEqual([...leadRle.keys()].sort((x, y) => x - y).map((id) => [id, 1]))
    await expect(importBundle(lead.db, second, { actor: 'lead' })).resolves.toMatchObject({ masksAdded: 0, eventsAdded: 0 })
  })

  it('replays lines that differ only in their mask once per mask, links origins inside the bundle, and keeps or drops entity-less and unknown lines', async () => {
    const alice = createProject(IMAGES, { name: 'alice' })
    const masks = new MaskRepository(alice.db)
    const a = alice.ids[0] as number
    const proposals = masks.insertMany(
      [8, 14, 20].map((x) => ({
        imageId: a,
        rle: rleOf(disc(40, 60, x, 20, 3), 40, 60),
        source: 'auto' as const,
        state: 'proposed' as const,
        actor: 'alice',
      })),
    )
    const [manual] = masks.insertMany([
      {
        imageId: a,
        rle: rleOf(disc(40, 60, 8, 20, 4), 40, 60),
        source: 'manual',
        state: 'accepted',
        actor: 'alice',
        originMaskId: proposals[0],
      },
    ])
    const exported = join(dir, 'lines.zip')
    await writeBundle(alice.db, exported, EXPORTER)
    // The lead already has the proposals when the decisions come: their lines are checked, not taken as new.
    const lead = createProject(IMAGES, { name: 'lead' })
    await importBundle(lead.db, exported, { actor: 'lead' })
    const fresh = createProject(IMAGES, { name: 'fresh' })

    // One action over three masks: three lines equal in everything but the mask (as an undo writes them).
    for (const id of proposals) masks.setState(id, 'accepted', 'alice', { at: '2030-01-01T00:00:00.000Z' })
    const decided = join(dir, 'lines-decided.zip')
    await writeBundle(alice.db, join(dir, 'lines-plain.zip'), EXPORTER)
    await rewriteBundle(join(dir, 'lines-plain.zip'), decided, (entries) =>
      entries.map((entry) => {
        if (entry.name !== 'events.jsonl') return entry
        const extra = [
          {
            id: 900,
            at: '2030-01-02T00:00:00.000Z',
            actor: 'alice',
            kind: 'image:note',
            entity: 'image',
            entity_id: null,
            after: { note: 'n' },
          },
          { id: 901, at: '2030-01-02T00:00:00.000Z', actor: 'alice', kind: 'mask:state', entity: 'mask', entity_id: 12345, after: {} },
        ]
        return { ...entry, data: Buffer.concat([entry.data, Buffer.from(extra.map((line) => JSON.stringify(line)).join('\n') + '\n')]) }
      }),
    )
    for (const project of [lead, fresh]) {
      const result = await importBundle(project.db, decided, { actor: 'lead' })
      const stateLines = project.db
        .prepare("SELECT m.rle_counts FROM events e JOIN masks m ON m.id = e.entity_id WHERE e.kind = 'mask:state' ORDER BY e.id")
        .pluck()
        .all()
      expect(stateLines).toEqual(proposals.map((id) => masks.get(id)?.rleCounts))
      expect(project.db.prepare("SELECT count(*) FROM events WHERE kind = 'image:note' AND entity_id IS NULL").pluck().get()).toBe(1)
      expect(result.eventsSkipped).toBeGreaterThanOrEqual(1)
      // The manual mask points at the project's own copy of the proposal it was made from.
      const origin = project.db
        .prepare('SELECT o.rle_counts FROM masks m JOIN masks o ON o.id = m.origin_mask_id WHERE m.source = ?')
        .pluck()
        .get('manual')
      expect(origin).toBe(masks.get(proposals[0] as number)?.rleCounts)
      expect(manual).toBeDefined()
      await expect(importBundle(project.db, decided, { actor: 'lead' })).resolves.toMatchObject({ eventsAdded: 0, masksAdded: 0 })
    }
    expect(lead.db.prepare('SELECT state FROM masks ORDER BY id').pluck().all()).toEqual(['accepted', 'accepted', 'accepted', 'accepted'])
  })

  it('leaves no stage behind after a refused bundle, a verification or an import, and gives its pages back', async () => {
    const source = createProject(IMAGES, { name: 'source' })
    new MaskRepository(source.db).insertMany(
      Array.from({ length: 400 }, (_, index) => ({
        imageId: source.ids[index % 2] as number,
        rle:
          index % 2 === 0
            ? rleOf(disc(40, 60, 20, 20, 1 + (index % 15)), 40, 60)
            : rleOf(rectangle(30, 30, 0, 0, 1 + (index % 29), 5), 30, 30),
        source: 'auto' as const,
        state: 'accepted' as const,
        actor: 'alice',
        prompt: { note: 'x'.repeat(200) },
      })),
    )
    const good = join(dir, 'cleanup.zip')
    await writeBundle(source.db, good, EXPORTER)
    const tampered = join(dir, 'cleanup-tampered.zip')
    await rewriteBundle(
      good,
      tampered,
      (entries) =>
        entries.map((entry) =>
          entry.name === 'events.jsonl' ? { ...entry, data: Buffer.concat([entry.data, Buffer.from('\n')]) } : entry,
        ),
      { fixManifest: false },
    )
    const target = createProject(IMAGES, { name: 'target' })
    const pages = () => target.db.pragma('temp.page_count', { simple: true }) as number
    await expect(importBundle(target.db, tampered, { actor: 'lead' })).rejects.toMatchObject({ reason: 'checksum_mismatch' })
    expect(tempTables(target.db)).toEqual([])
    await expect(verifyBundle(good)).resolves.toMatchObject({ counts: { masks: 400 } })
    const prepared = await prepareBundleImport(target.db, good, { actor: 'lead' })
    const staged = pages()
    expect(staged).toBeGreaterThan(20)
    prepared.commit()
    await prepared.dispose()
    expect(tempTables(target.db)).toEqual([])
    expect(pages()).toBeLessThan(staged / 4)
    expect(target.db.prepare('SELECT count(*) FROM masks').pluck().get()).toBe(400)
  })
})
