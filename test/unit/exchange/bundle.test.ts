import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, truncate, writeFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeBundle, type BundleOptions } from '../../../src-main/core/exchange/bundle'
import type { ExchangeErrorReason } from '../../../src-main/core/exchange/exchange-error'
import { importBundle, verifyBundle } from '../../../src-main/core/exchange/import-bundle'
import { inspectFile, summarise } from '../../../src-main/core/exchange/inspect'
import type { ProjectDb } from '../../../src-main/core/project/database'
import { ImageRepository } from '../../../src-main/core/project/image-repository'
import { MaskRepository, type MaskRecord } from '../../../src-main/core/project/mask-repository'
import { ModelRepository } from '../../../src-main/core/project/model-repository'
import {
  createProject,
  disc,
  overlapEntries,
  patchBytes,
  readZipEntries,
  rectangle,
  rewriteBundle,
  rleOf,
  snapshot,
  writeZip,
} from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-bundle-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const EXPORTER: Pick<BundleOptions, 'exporter' | 'actor'> = { exporter: { name: 'tessera', version: '0.1.0-test' }, actor: 'alice' }
const HASH = (name: string) => createHash('sha256').update(name).digest('hex')
const IMAGES = [
  { relPath: 'a.jpg', contentHash: HASH('a'), width: 60, height: 40 },
  { relPath: 'sub/b.jpg', contentHash: HASH('b'), width: 30, height: 30 },
  { relPath: 'c.jpg', contentHash: HASH('c'), width: 20, height: 10 },
]

function setStatus(db: ProjectDb, imageId: number, status: 'done' | 'in_progress' | 'skipped', actor: string, at: string): void {
  const images = new ImageRepository(db)
  const before = images.get(imageId)?.status
  images.setStatus(imageId, status, at)
  images.recordEvent({ at, actor, kind: 'image:status', entityId: imageId, before: { status: before }, after: { status } })
}

function addModel(db: ProjectDb): number {
  return new ModelRepository(db).add(
    {
      name: 'SAM ViT-B',
      variant: 'sam-official',
      description: 'test',
      encoderPath: '/models/enc.onnx',
      decoderPath: '/models/dec.onnx',
      encoderSha256: 'a'.repeat(64),
      decoderSha256: 'b'.repeat(64),
      encoderBytes: 100,
      decoderBytes: 200,
      bundled: false,
    },
    'alice',
  ).id
}

/** A project with proposals, decisions, a manual mask and image statuses. */
function sourceProject() {
  const { db, ids } = createProject(IMAGES, { name: 'source' })
  const [a, b] = ids as [number, number, number]
  const modelId = addModel(db)
  const masks = new MaskRepository(db)
  const made = masks.insertMany([
    {
      imageId: a,
      rle: rleOf(disc(40, 60, 20, 20, 8), 40, 60),
      source: 'auto',
      state: 'proposed',
      predictedIou: 1.0195,
      stabilityScore: 0.9728441834449768,
      pointCoords: [[20.25, 19.75]],
      cropBox: [0, 0, 60, 40],
      prompt: { points: [{ x: 20.25, y: 19.75, label: 'positive' }] },
      modelId,
      actor: 'tessera',
      createdAt: '2026-01-01T10:00:00.000Z',
    },
    {
      imageId: a,
      rle: rleOf(rectangle(40, 60, 40, 5, 55, 30), 40, 60),
      source: 'auto',
      state: 'proposed',
      predictedIou: 0.7,
      stabilityScore: 0.8,
      pointCoords: [[47, 17]],
      cropBox: [30, 0, 30, 40],
      modelId,
      actor: 'tessera',
      createdAt: '2026-01-01T10:00:00.000Z',
    },
    {
      imageId: b,
      rle: rleOf(rectangle(30, 30, 3, 3, 20, 25), 30, 30),
      source: 'manual',
      state: 'accepted',
      predictedIou: 0.91,
      stabilityScore: 0.96,
      prompt: {
        points: [
          { x: 10, y: 10, label: 'positive' },
          { x: 25, y: 25, label: 'negative' },
        ],
        box: { x0: 2, y0: 2, x1: 21, y1: 26 },
      },
      modelId,
      actor: 'alice',
      secondsSpent: 12.5,
      createdAt: '2026-01-01T11:00:00.000Z',
    },
  ])
  masks.setState(made[0] as number, 'accepted', 'alice', { at: '2026-01-01T12:00:00.000Z' })
  masks.setState(made[1] as number, 'rejected', 'alice', { at: '2026-01-01T12:00:01.000Z' })
  setStatus(db, a, 'done', 'alice', '2026-01-01T12:05:00.000Z')
  setStatus(db, b, 'in_progress', 'alice', '2026-01-01T12:06:00.000Z')
  return { db, ids, masks: made }
}

/** The same images in another order (so ids differ), as another machine would have them. */
function emptyTarget(name = 'target') {
  return createProject([IMAGES[2], IMAGES[0], { ...IMAGES[1], relPath: 'moved/b.jpg' }] as typeof IMAGES, { name })
}

/** Masks keyed by content hash, with everything that must survive a round trip (model by hashes). */
function comparable(db: ProjectDb): unknown[] {
  const hashOf = db.prepare('SELECT content_hash FROM images WHERE id = ?').pluck()
  const model = db.prepare('SELECT encoder_sha256, decoder_sha256 FROM models WHERE id = ?')
  const masks = new MaskRepository(db)
  return [...masks.streamAll()]
    .map((mask: MaskRecord) => {
      const { id: _id, imageId, modelId, ...rest } = mask
      return { image: hashOf.get(imageId), model: modelId === null ? null : model.get(modelId), ...rest }
    })
    .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))
}

function statuses(db: ProjectDb): Record<string, string> {
  return Object.fromEntries(
    (db.prepare('SELECT content_hash, status FROM images').all() as { content_hash: string; status: string }[]).map((row) => [
      row.content_hash,
      row.status,
    ]),
  )
}

async function expectRefused(path: string, reason: ExchangeErrorReason, limits?: Parameters<typeof importBundle>[2]['limits']) {
  const { db } = emptyTarget()
  const before = snapshot(db)
  await expect(importBundle(db, path, { actor: 'lead', limits })).rejects.toMatchObject({ name: 'ExchangeError', reason })
  expect(snapshot(db)).toBe(before)
}

describe('bundle round trip', () => {
  it('project → bundle → new project gives identical masks, scores, prompts, decisions, statuses and history', async () => {
    const source = sourceProject()
    const path = join(dir, 'round-trip.zip')
    const progress: [done: number, total: number][] = []
    const { manifest } = await writeBundle(source.db, path, { ...EXPORTER, onProgress: (done, total) => progress.push([done, total]) })
    expect(existsSync(`${path}.partial`)).toBe(false)
    expect(manifest.counts).toEqual({ images: 3, masks: 3, events: expect.any(Number), imageFiles: 0 })
    expect(manifest.models).toHaveLength(1)
    expect(manifest.entries.map((entry) => entry.name)).toEqual([...source.ids.map((id) => `sa1b/${id}.json`), 'events.jsonl', 'coco.json'])
    // One step per image (the single pass over the masks) and one for the COCO entry; never backwards.
    expect(progress.at(-1)).toEqual([4, 4])
    expect(progress.map(([done]) => done)).toEqual([0, 1, 2, 3, 4])

    // Every SA-1B document and the COCO file in the bundle pass tessera inspect.
    for (const entry of await readZipEntries(path)) {
      if (!entry.name.endsWith('.json') || entry.name === 'manifest.json') continue
      const file = join(dir, entry.name.replace('/', '_'))
      await writeFile(file, entry.data)
      expect(summarise(await inspectFile(file), 1).errors, entry.name).toBe(0)
    }

    const target = emptyTarget()
    const result = await importBundle(target.db, path, { actor: 'lead' })
    expect(result).toMatchObject({ images: 3, masksAdded: 3, matchedByHash: 3, modelsAdded: 1, unmatched: { count: 0 } })
    expect(comparable(target.db)).toEqual(comparable(source.db))
    expect(statuses(target.db)).toEqual(statuses(source.db))

    // "Who accepted this" is answered in the new project, under its own mask ids.
    const accepted = [...new MaskRepository(target.db).streamAll({ states: ['accepted'] })].find((mask) => mask.source === 'auto')
    const decision = target.db
      .prepare("SELECT actor, at FROM events WHERE entity = 'mask' AND entity_id = ? AND kind = 'mask:state'")
      .get(accepted?.id) as { actor: string; at: string }
    expect(decision).toEqual({ actor: 'alice', at: '2026-01-01T12:00:00.000Z' })
    const imported = target.db.prepare("SELECT count(*) FROM events WHERE kind = 'mask:imported' AND actor = 'lead'").pluck().get()
    expect(imported).toBe(3)

    // Importing the same bundle again changes nothing but the log's record of the attempt.
    const before = comparable(target.db)
    const eventsBefore = target.db.prepare('SELECT count(*) FROM events').pluck().get() as number
    const again = await importBundle(target.db, path, { actor: 'lead' })
    expect(again).toMatchObject({ masksAdded: 0, duplicatesSkipped: 3, eventsAdded: 0, statusesChanged: 0, modelsAdded: 0 })
    expect(comparable(target.db)).toEqual(before)
    expect(target.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(eventsBefore + 1)
  })

  it('carries exactly the event-log slice of a filtered selection, in log order', async () => {
    const source = sourceProject()
    const [a] = source.ids as [number, number, number]
    const [acceptedOnA, rejectedOnA] = source.masks as [number, number, number]
    const path = join(dir, 'slice.zip')
    const { manifest } = await writeBundle(source.db, path, {
      ...EXPORTER,
      filter: { images: { kind: 'ids', ids: [a] }, states: ['accepted'] },
    })
    const lines = (await readZipEntries(path))
      .find((entry) => entry.name === 'events.jsonl')
      ?.data.toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; entity: string; entity_id: number; kind: string })
    const expected = source.db
      .prepare(
        "SELECT id, entity, entity_id, kind FROM events WHERE (entity = 'mask' AND entity_id = ?) OR (entity = 'image' AND entity_id = ?) ORDER BY id",
      )
      .all(acceptedOnA, a)
    expect(expected.length).toBeGreaterThan(2)
    expect(lines?.map(({ id, entity, entity_id, kind }) => ({ id, entity, entity_id, kind }))).toEqual(expected)
    expect(manifest.counts).toMatchObject({ images: 1, masks: 1, events: expected.length })
    // The rejected mask of the same image and the other images' events stay home.
    expect(lines?.some((line) => line.entity === 'mask' && line.entity_id === rejectedOnA)).toBe(false)

    // A later export on the same connection (the first one's slice released) carries its own slice.
    const whole = await writeBundle(source.db, join(dir, 'slice-whole.zip'), EXPORTER)
    expect(whole.manifest.counts.events).toBe(
      source.db.prepare("SELECT count(*) FROM events WHERE entity IN ('mask', 'image')").pluck().get(),
    )
  })

  it('includes original image files named by content hash, skipping files that changed since import', async () => {
    const root = join(dir, 'image-root')
    await rm(root, { recursive: true, force: true })
    const { mkdir } = await import('node:fs/promises')
    await mkdir(join(root, 'sub'), { recursive: true })
    const bytes = { 'a.jpg': Buffer.from('pretend jpeg a'), 'sub/b.jpg': Buffer.from('pretend jpeg b') }
    for (const [name, data] of Object.entries(bytes)) await writeFile(join(root, name), data)
    const { db } = createProject(
      [
        { relPath: 'a.jpg', contentHash: HASH('pretend jpeg a'), width: 10, height: 10 },
        { relPath: 'sub/b.jpg', contentHash: HASH('not what is on disk'), width: 10, height: 10 },
      ],
      { imageRoot: root },
    )
    const path = join(dir, 'with-images.zip')
    const { manifest } = await writeBundle(db, path, { ...EXPORTER, includeImages: true })
    expect(manifest.counts.imageFiles).toBe(1)
    expect(manifest.skippedImageFiles).toEqual([{ relPath: 'sub/b.jpg', reason: expect.stringContaining('changed') }])
    const entry = (await readZipEntries(path)).find((candidate) => candidate.name.startsWith('images/'))
    expect(entry?.name).toBe(`images/${HASH('pretend jpeg a')}.jpg`)
    expect(entry?.data.equals(bytes['a.jpg'])).toBe(true)
    await expect(verifyBundle(path)).resolves.toMatchObject({ counts: { imageFiles: 1 } })
  })

  it('resamples masks when the target project annotates at another size', async () => {
    const source = sourceProject()
    const path = join(dir, 'resample.zip')
    await writeBundle(source.db, path, EXPORTER)
    const { db } = createProject([
      { ...IMAGES[0], width: 120, height: 80, annotationWidth: 120, annotationHeight: 80 } as (typeof IMAGES)[0],
    ])
    const result = await importBundle(db, path, { actor: 'lead' })
    expect(result).toMatchObject({ masksAdded: 2, resampledImages: 1, unmatched: { count: 2 } })
    const [first] = new MaskRepository(db).listByImage(1)
    // A disc of radius 8 → every pixel doubled: 4× the area; points and prompts scale by 2.
    const sourceFirst = new MaskRepository(source.db).listByImage(source.ids[0] as number)[0]
    expect(first?.area).toBe(4 * (sourceFirst?.area ?? 0))
    expect(first?.pointCoords).toEqual([[40.5, 39.5]])
    expect(first?.prompt).toEqual({ points: [{ x: 40.5, y: 39.5, label: 'positive' }] })
    expect(first?.cropBox).toEqual([0, 0, 120, 80])
  })

  it('imports nothing when the import is aborted part-way, and reports progress until then', async () => {
    const source = sourceProject()
    const path = join(dir, 'abort-import.zip')
    await writeBundle(source.db, path, EXPORTER)
    const { db } = emptyTarget()
    const before = snapshot(db)
    const controller = new AbortController()
    const seen: [number, number][] = []
    const run = importBundle(db, path, {
      actor: 'lead',
      signal: controller.signal,
      onProgress: (done, total) => {
        seen.push([done, total])
        if (done === 3) controller.abort()
      },
    })
    await expect(run).rejects.toMatchObject({ reason: 'cancelled' })
    expect(snapshot(db)).toBe(before)
    expect(seen).toEqual([
      [0, 6],
      [1, 6],
      [2, 6],
      [3, 6],
    ])
  })

  it('leaves no file at the target name when the export is aborted', async () => {
    const source = sourceProject()
    const path = join(dir, 'aborted.zip')
    const controller = new AbortController()
    const run = writeBundle(source.db, path, {
      ...EXPORTER,
      signal: controller.signal,
      onProgress: (done) => done === 2 && controller.abort(),
    })
    await expect(run).rejects.toMatchObject({ reason: 'cancelled' })
    expect(existsSync(path)).toBe(false)
    expect(existsSync(`${path}.partial`)).toBe(false)
  })
})

describe('merging two annotators', () => {
  it("keeps both people's masks with their actors, takes the later completed status and the later decision, and logs every step", async () => {
    // The lead hands the same proposals to Alice and Bob.
    const lead = createProject(IMAGES, { name: 'lead' })
    const [a] = lead.ids as [number, number, number]
    new MaskRepository(lead.db).insertMany([
      {
        imageId: a,
        rle: rleOf(disc(40, 60, 30, 20, 9), 40, 60),
        source: 'auto',
        state: 'proposed',
        predictedIou: 0.9,
        actor: 'tessera',
        createdAt: '2026-02-01T09:00:00.000Z',
      },
    ])
    const handout = join(dir, 'handout.zip')
    await writeBundle(lead.db, handout, { ...EXPORTER, actor: 'lead' })
    const alice = emptyTarget('alice')
    const bob = emptyTarget('bob')
    await importBundle(alice.db, handout, { actor: 'alice' })
    await importBundle(bob.db, handout, { actor: 'bob' })

    const work = (db: ProjectDb, actor: string, decision: 'accepted' | 'rejected', at: string, status: 'done' | 'in_progress') => {
      const masks = new MaskRepository(db)
      const imageA = db.prepare('SELECT id FROM images WHERE content_hash = ?').pluck().get(IMAGES[0]?.contentHash) as number
      const proposal = masks.listByImage(imageA)[0] as MaskRecord
      masks.setState(proposal.id, decision, actor, { at })
      masks.insert({
        imageId: imageA,
        rle: rleOf(rectangle(40, 60, 2, 2, 12, 12), 40, 60),
        source: 'manual',
        state: 'accepted',
        actor,
        createdAt: at,
      })
      setStatus(db, imageA, status, actor, at)
    }
    work(alice.db, 'alice', 'accepted', '2026-02-02T10:00:00.000Z', 'done')
    work(bob.db, 'bob', 'rejected', '2026-02-02T11:00:00.000Z', 'in_progress')
    // Bob also completes image b.
    const bobB = bob.db.prepare('SELECT id FROM images WHERE content_hash = ?').pluck().get(IMAGES[1]?.contentHash) as number
    setStatus(bob.db, bobB, 'done', 'bob', '2026-02-02T11:30:00.000Z')

    const fromAlice = join(dir, 'alice.zip')
    const fromBob = join(dir, 'bob.zip')
    await writeBundle(alice.db, fromAlice, { ...EXPORTER, actor: 'alice' })
    await writeBundle(bob.db, fromBob, { ...EXPORTER, actor: 'bob' })

    const first = await importBundle(lead.db, fromAlice, { actor: 'lead' })
    expect(first).toMatchObject({ masksAdded: 1, statesMerged: 1, statusesChanged: 1 })
    const second = await importBundle(lead.db, fromBob, { actor: 'lead' })
    // Bob's later decision wins; his in_progress does not undo Alice's completion; his done on b is taken.
    expect(second).toMatchObject({ masksAdded: 1, statesMerged: 1, statusesKept: 1, statusesChanged: 1 })

    const masks = [...new MaskRepository(lead.db).streamAll()]
    expect(
      masks
        .filter((mask) => mask.source === 'manual')
        .map((mask) => mask.actor)
        .sort(),
    ).toEqual(['alice', 'bob'])
    const proposal = masks.find((mask) => mask.source === 'auto')
    expect(proposal).toMatchObject({ state: 'rejected', actor: 'tessera', updatedAt: '2026-02-02T11:00:00.000Z' })
    expect(statuses(lead.db)).toMatchObject({ [IMAGES[0]?.contentHash as string]: 'done', [IMAGES[1]?.contentHash as string]: 'done' })

    const kinds = lead.db.prepare("SELECT kind, count(*) AS n FROM events WHERE actor = 'lead' GROUP BY kind").all()
    expect(kinds).toEqual(
      expect.arrayContaining([
        { kind: 'bundle:imported', n: 2 },
        { kind: 'mask:imported', n: 2 },
        { kind: 'merge:mask-state', n: 2 },
        { kind: 'merge:image-status-kept', n: 1 },
        { kind: 'image:status', n: 2 },
      ]),
    )
    // The decisions of both people are in the lead's log under their own names.
    const decisions = lead.db
      .prepare("SELECT actor, after FROM events WHERE kind = 'mask:state' AND entity_id = ? ORDER BY at")
      .all(proposal?.id) as { actor: string; after: string }[]
    expect(decisions.map((row) => [row.actor, (JSON.parse(row.after) as { state: string }).state])).toEqual([
      ['alice', 'accepted'],
      ['bob', 'rejected'],
    ])
  })
})

describe('refusing damaged or hostile bundles (nothing imported)', () => {
  let good: string
  beforeAll(async () => {
    good = join(dir, 'good.zip')
    await writeBundle(sourceProject().db, good, EXPORTER)
  })

  it('accepts the untouched bundle', async () => {
    const { db } = emptyTarget()
    await expect(importBundle(db, good, { actor: 'lead' })).resolves.toMatchObject({ masksAdded: 3 })
  })

  it('refuses an entry whose checksum does not match the manifest', async () => {
    const path = join(dir, 'tampered.zip')
    await rewriteBundle(
      good,
      path,
      (entries) =>
        entries.map((entry) =>
          entry.name === 'events.jsonl' ? { ...entry, data: Buffer.from(entry.data.toString().replaceAll('"alice"', '"mallo"')) } : entry,
        ),
      { fixManifest: false },
    )
    await expectRefused(path, 'checksum_mismatch')
  })

  it('refuses zip-slip names: parent steps, absolute paths and backslashes', async () => {
    const bytes = await readFile(good)
    for (const [name, evil] of [
      ['parent', '../evil.jso'],
      ['absolute', '/sa1b1.json'],
      ['backslash', 'sa1b\\1.json'],
    ] as const) {
      const path = join(dir, `slip-${name}.zip`)
      await writeFile(path, patchBytes(bytes, 'sa1b/1.json', evil))
      await expectRefused(path, 'unsafe_path')
    }
  })

  it('refuses a truncated zip', async () => {
    const path = join(dir, 'truncated.zip')
    await writeFile(path, await readFile(good))
    await truncate(path, Math.floor((await stat(path)).size * 0.6))
    await expectRefused(path, 'truncated')
    const notZip = join(dir, 'not-a-zip.zip')
    await writeFile(notZip, 'hello')
    await expectRefused(notZip, 'not_a_zip')
  })

  it('refuses duplicate entries', async () => {
    const path = join(dir, 'duplicate.zip')
    const entries = await readZipEntries(good)
    await writeZip(path, [...entries, entries[0] as (typeof entries)[0]])
    await expectRefused(path, 'duplicate_entry')
  })

  it('refuses malformed JSON even when its checksum is right', async () => {
    const path = join(dir, 'malformed.zip')
    await rewriteBundle(good, path, (entries) =>
      entries.map((entry) => (entry.name === 'sa1b/2.json' ? { ...entry, data: Buffer.from(entry.data.toString().slice(0, -5)) } : entry)),
    )
    await expectRefused(path, 'malformed_json')
    const badLine = join(dir, 'malformed-events.zip')
    await rewriteBundle(good, badLine, (entries) =>
      entries.map((entry) =>
        entry.name === 'events.jsonl' ? { ...entry, data: Buffer.concat([entry.data, Buffer.from('{"id": 1,\n')]) } : entry,
      ),
    )
    await expectRefused(badLine, 'malformed_json')
  })

  it('refuses a mask that does not decode, unknown format versions, unlisted and missing entries', async () => {
    const badMask = join(dir, 'bad-mask.zip')
    await rewriteBundle(good, badMask, (entries) =>
      entries.map((entry) =>
        entry.name === 'sa1b/2.json'
          ? { ...entry, data: Buffer.from(entry.data.toString().replace(/"counts":"[^"]*"/, '"counts":"x!"')) }
          : entry,
      ),
    )
    await expectRefused(badMask, 'bad_annotation')

    const future = join(dir, 'future.zip')
    await rewriteBundle(good, future, (entries) => entries, { fixManifest: false, manifest: (manifest) => (manifest.formatVersion = 2) })
    await expectRefused(future, 'unknown_format_version')

    const extra = join(dir, 'extra.zip')
    await rewriteBundle(good, extra, (entries) => [...entries, { name: 'notes.txt', data: Buffer.from('hi') }], { fixManifest: false })
    await expectRefused(extra, 'unlisted_entry')

    const missing = join(dir, 'missing.zip')
    await rewriteBundle(good, missing, (entries) => entries.filter((entry) => entry.name !== 'coco.json'), { fixManifest: false })
    await expectRefused(missing, 'missing_entry')

    const noManifest = join(dir, 'no-manifest.zip')
    await writeZip(
      noManifest,
      (await readZipEntries(good)).filter((entry) => entry.name !== 'manifest.json'),
    )
    await expectRefused(noManifest, 'missing_manifest')
  })

  it('refuses absurd sizes and zip bombs before inflating them', async () => {
    await expectRefused(good, 'entry_too_large', { maxEntryBytes: 100 })
    await expectRefused(good, 'bundle_too_large', { maxTotalBytes: 1000 })
    await expectRefused(good, 'too_many_entries', { maxEntries: 2 })
    const bomb = join(dir, 'bomb.zip')
    await rewriteBundle(good, bomb, (entries) => [...entries, { name: `images/${'0'.repeat(64)}.jpg`, data: Buffer.alloc(8 * 1024 ** 2) }])
    await expectRefused(bomb, 'zip_bomb')
    const overlapping = join(dir, 'overlapping.zip')
    await writeFile(overlapping, overlapEntries(await readFile(good), 1))
    await expectRefused(overlapping, 'zip_bomb')
  })
})
