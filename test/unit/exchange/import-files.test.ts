import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExchangeController } from '../../../src-main/core/app/exchange-controller'
import { writeBundle } from '../../../src-main/core/exchange/bundle'
import { exportSa1b } from '../../../src-main/core/exchange/export-sa1b'
import { importFiles } from '../../../src-main/core/exchange/import-files'
import { verifyBundle } from '../../../src-main/core/exchange/import-bundle'
import type { ProjectDb } from '../../../src-main/core/project/database'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { ProjectSession } from '../../../src-main/core/project/project-session'
import { createProject, insertImages, rectangle, rleOf, snapshot } from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-import-files-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const HASH = (name: string) => createHash('sha256').update(name).digest('hex')
const IMAGES = [
  { relPath: 'a.jpg', contentHash: HASH('a'), width: 60, height: 40 },
  { relPath: 'b.jpg', contentHash: HASH('b'), width: 30, height: 30 },
]
const EXPORTER = { exporter: { name: 'tessera', version: 'test' }, actor: 'alice' }

/** A project with masks on both images (alice's work). */
function source(db: ProjectDb = createProject(IMAGES).db): ProjectDb {
  const [a, b] = db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as [number, number]
  new MaskRepository(db).insertMany([
    { imageId: a, rle: rleOf(rectangle(40, 60, 2, 2, 20, 20), 40, 60), source: 'auto', state: 'accepted', actor: 'tessera' },
    { imageId: a, rle: rleOf(rectangle(40, 60, 30, 5, 50, 30), 40, 60), source: 'manual', state: 'accepted', actor: 'alice' },
    { imageId: b, rle: rleOf(rectangle(30, 30, 3, 3, 20, 25), 30, 30), source: 'auto', state: 'rejected', actor: 'tessera' },
  ])
  return db
}

/** A bundle and a plain SA-1B file of another project's work (the SA-1B file: image b, a new mask). */
async function inputs(name: string): Promise<{ bundle: string; sa1b: string }> {
  const folder = join(dir, name)
  await mkdir(folder)
  const bundle = join(folder, 'work.zip')
  await writeBundle(source(), bundle, EXPORTER)
  const other = createProject(IMAGES).db
  const [, b] = other.prepare('SELECT id FROM images ORDER BY id').pluck().all() as [number, number]
  new MaskRepository(other).insert({
    imageId: b,
    rle: rleOf(rectangle(30, 30, 10, 10, 28, 28), 30, 30),
    source: 'auto',
    state: 'accepted',
    actor: 'sam',
  })
  await exportSa1b(other, join(folder, 'sa1b'))
  return { bundle, sa1b: join(folder, 'sa1b', 'b.json') }
}

function maskCount(db: ProjectDb): number {
  return new MaskRepository(db).count()
}

describe('importFiles (mixed kinds, all or nothing)', () => {
  it('imports nothing when one file is bad, names that file, and imports everything once the file is fixed; again adds nothing', async () => {
    const { bundle, sa1b } = await inputs('mixed')
    const broken = join(dir, 'mixed', 'broken.json')
    await writeFile(broken, '{"image": {"image_id": 1,')
    const { db } = createProject(IMAGES)
    const before = snapshot(db)

    // The good bundle comes first: it is verified and staged, but nothing is committed.
    const refused = importFiles(db, [bundle, sa1b, broken], { actor: 'lead' })
    await expect(refused).rejects.toMatchObject({ name: 'ExchangeError', reason: 'malformed_json' })
    await expect(refused).rejects.toThrow(broken)
    expect(snapshot(db)).toBe(before)

    const progress: string[] = []
    const result = await importFiles(db, [bundle, sa1b], {
      actor: 'lead',
      onProgress: (part, done, total) => progress.push(`${part.index}/${part.parts}:${done}/${total}`),
    })
    expect(result.bundles.map((entry) => entry.result.masksAdded)).toEqual([3])
    expect(result.annotations?.masksAdded).toBe(1)
    expect(maskCount(db)).toBe(4)
    expect(progress[0]).toBe('0/2:0/5')
    expect(progress.at(-1)).toMatch(/^1\/2:/)

    // Re-running the same import (a resumed job whose commit had landed) changes nothing.
    const afterFirst = snapshot(db)
    const again = await importFiles(db, [bundle, sa1b], { actor: 'lead' })
    expect(again.bundles[0]?.result.masksAdded).toBe(0)
    expect(again.bundles[0]?.result.eventsAdded).toBe(0)
    expect(again.annotations?.masksAdded).toBe(0)
    expect(maskCount(db)).toBe(4)
    const masksAndStates = (text: string) => (JSON.parse(text) as { masks: unknown }).masks
    expect(masksAndStates(snapshot(db))).toEqual(masksAndStates(afterFirst))
  })

  it('a bad second bundle keeps the first one out too, and a missing file is refused before any work', async () => {
    const { bundle } = await inputs('two-bundles')
    const damaged = join(dir, 'two-bundles', 'damaged.zip')
    await writeFile(damaged, 'PK not really a zip')
    const { db } = createProject(IMAGES)
    const before = snapshot(db)
    await expect(importFiles(db, [bundle, damaged], { actor: 'lead' })).rejects.toThrow(damaged)
    expect(snapshot(db)).toBe(before)

    const missing = join(dir, 'two-bundles', 'nope.json')
    await expect(importFiles(db, [bundle, missing], { actor: 'lead' })).rejects.toMatchObject({ reason: 'unreadable_file' })
    expect(snapshot(db)).toBe(before)
  })

  it('a cancelled import leaves nothing and leaves no stage behind; running it again imports everything', async () => {
    const { bundle, sa1b } = await inputs('cancel')
    const { db } = createProject(IMAGES)
    const before = snapshot(db)
    const stagesBefore = (await readdir(tmpdir())).filter((name) => name.startsWith('tessera-import-')).length
    const controller = new AbortController()
    await expect(
      importFiles(db, [bundle, sa1b], {
        actor: 'lead',
        signal: controller.signal,
        onProgress: (part, done) => {
          if (part.index === 0 && done === 2) controller.abort()
        },
      }),
    ).rejects.toMatchObject({ reason: 'cancelled' })
    expect(snapshot(db)).toBe(before)
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('tessera-import-')).length).toBe(stagesBefore)
    await importFiles(db, [bundle, sa1b], { actor: 'lead' })
    expect(maskCount(db)).toBe(4)
  })
})

describe('interrupted exchange jobs', () => {
  async function openProject(name: string): Promise<ProjectSession> {
    const imageRoot = join(dir, name, 'images')
    await mkdir(imageRoot, { recursive: true })
    const session = await ProjectSession.create({ projectDir: join(dir, name, 'project'), name, imageRoot }, () => undefined)
    insertImages(session.db, IMAGES)
    return session
  }

  /** A job row as a crash leaves it: still 'running'. */
  function interrupted(db: ProjectDb, kind: string, label: string, params: Record<string, unknown>): void {
    const now = new Date().toISOString()
    db.prepare("INSERT INTO jobs (id, kind, label, state, params, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?, ?)").run(
      `crashed-${kind}`,
      kind,
      label,
      JSON.stringify(params),
      now,
      now,
    )
  }

  it('run again when the project is opened: the import imports, the export overwrites what the killed run left', async () => {
    const { bundle, sa1b } = await inputs('resume')
    const session = await openProject('resume-project')
    source(session.db)
    const exchange = new ExchangeController(session, 'lead', 'test', () => undefined)

    const target = join(dir, 'resume', 'out.zip')
    // What a killed export leaves: a half-written partial zip and its scratch files.
    await writeFile(`${target}.partial`, 'half a zip')
    await writeFile(`${target}.partial.coco`, '{"half":')
    interrupted(session.db, 'export', 'Exporting a bundle', { format: 'bundle', target, filter: {}, includeImages: false })
    interrupted(session.db, 'exchange-import', 'Importing annotations', { paths: [bundle, sa1b], as: 'proposals' })

    const before = maskCount(session.db)
    const jobs = session.resumeInterrupted(exchange.resumers())
    expect(jobs.map((job) => [job.kind, job.label])).toEqual([
      ['export', 'Exporting a bundle (resumed)'],
      ['exchange-import', 'Importing annotations (resumed)'],
    ])
    const finished = await Promise.all(jobs.map((job) => session.jobs.wait(job.id)))
    expect(finished.map((job) => job.state)).toEqual(['done', 'done'])

    const manifest = await verifyBundle(target)
    expect(manifest.counts.masks).toBe(before)
    expect(existsSync(`${target}.partial`)).toBe(false)
    expect(existsSync(`${target}.partial.coco`)).toBe(false)
    // The export ran first (queue order), with the project's own 3 masks; then the import added the
    // other project's 3 bundle masks and the SA-1B file's one.
    expect(maskCount(session.db)).toBe(before + 4)
    await session.close()
  })
})
