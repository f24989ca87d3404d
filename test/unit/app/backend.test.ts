import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AnyTesseraEvent } from '../../../src-preload/contract/events'
import { AppError, type ErrorCode } from '../../../src-preload/contract/errors'
import { requestSchemas } from '../../../src-preload/contract/requests'
import { Backend, DEMO_PROJECT_NAME } from '../../../src-main/core/app/backend'
import { DEMO_GROUND_TRUTH_FILE } from '../../../src-main/core/demo/demo-project'
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { makeTempDir, writeJpegSeries } from '../../support/make-images'
import { testBackendOptions } from '../../support/test-backend'

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the request to fail')
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode, messagePart?: string | RegExp): Promise<void> {
  const error = await rejection(promise)
  expect(error.code, error.message).toBe(code)
  if (messagePart) expect(error.message).toMatch(messagePart)
}

describe('Backend', () => {
  let root = ''
  let dataDir = ''
  let imageRoot = ''
  let backend: Backend
  let events: AnyTesseraEvent[]
  let cleanup: () => Promise<void> = async () => {}

  beforeEach(async () => {
    ;({ dir: root, cleanup } = await makeTempDir('backend'))
    dataDir = join(root, 'data')
    imageRoot = join(root, 'photos')
    await mkdir(imageRoot)
    backend = new Backend(testBackendOptions({ dataDir, transport: 'web-shell', version: '9.9.9', actor: 'ada' }))
    events = []
    backend.subscribe((event) => events.push(event))
  })
  afterEach(async () => {
    await backend.close()
    await cleanup()
  })

  /** Waits for every job of the open project to end. */
  async function settle(): Promise<void> {
    const session = backend.currentProject
    if (!session) return
    for (const job of session.jobs.list()) {
      const final = await session.jobs.wait(job.id)
      expect(final.state, final.error ?? '').toMatch(/done|cancelled/)
    }
  }

  async function createProject(count = 5, name = 'Field photos') {
    await writeJpegSeries(imageRoot, count)
    const summary = await backend.call('projects:create', { name, imageRoot })
    await settle()
    return summary
  }

  describe('invoke() validation', () => {
    it('rejects unknown channels, including inherited property names', async () => {
      await expectCode(backend.invoke('images:delete', {}), 'unknown_channel', /images:delete/)
      await expectCode(backend.invoke('toString', {}), 'unknown_channel')
      await expectCode(backend.invoke('__proto__', {}), 'unknown_channel')
    })

    it('names the offending field of bad input', async () => {
      await expectCode(backend.invoke('images:list', { offset: -1, limit: 10 }), 'invalid_request', /offset/)
      await expectCode(backend.invoke('images:list', { offset: 0, limit: 5000 }), 'invalid_request', /limit/)
      await expectCode(backend.invoke('images:setStatus', { imageId: 1, status: 'finished' }), 'invalid_request', /status/)
      await expectCode(backend.invoke('images:get', { imageId: 1.5 }), 'invalid_request', /imageId/)
      await expectCode(backend.invoke('projects:open', {}), 'invalid_request', /projectDir/)
      await expectCode(backend.invoke('projects:create', { name: '   ', imageRoot }), 'invalid_request', /name/)
      await expectCode(
        backend.invoke('projects:create', { name: 'x', imageRoot, annotationMaxSide: 100 }),
        'invalid_request',
        /annotationMaxSide/,
      )
      await expectCode(backend.invoke('images:list', 'offset=0'), 'invalid_request')
    })

    it('rejects extra keys, naming them', async () => {
      await expectCode(backend.invoke('app:info', { debug: true }), 'invalid_request', /debug/)
      await expectCode(backend.invoke('images:get', { imageId: 1, path: '/etc/passwd' }), 'invalid_request', /path/)
    })

    it('accepts a missing input for channels that take none', async () => {
      expect(await backend.invoke('app:info', undefined)).toEqual({ version: '9.9.9', transport: 'web-shell', dataDir, homeDir: homedir() })
      expect(await backend.invoke('projects:current', null)).toBeNull()
    })

    it('rejects unknown keys on every channel of the contract (all inputs are strict)', async () => {
      for (const channel of Object.keys(requestSchemas)) {
        const error = await backend.invoke(channel, { definitely_not_a_field: 1 }).catch((e: unknown) => e)
        expect((error as AppError).code, channel).toBe('invalid_request')
      }
    })

    it('answers no_project for image requests before a project is open', async () => {
      await expectCode(backend.call('images:list', { offset: 0, limit: 10 }), 'no_project')
      await expectCode(backend.call('images:rescan', {}), 'no_project')
      expect(await backend.call('jobs:list', {})).toEqual([])
      expect(backend.mediaFile(1, 'thumb')).toBeNull()
    })
  })

  describe('projects and images', () => {
    it('creates a project from a folder, imports it as a job and pages through the images', async () => {
      const summary = await createProject(5)
      expect(summary).toMatchObject({ name: 'Field photos', imageRoot, annotationMaxSide: 1500, isDemo: false })
      expect(summary.projectDir.startsWith(join(dataDir, 'projects'))).toBe(true)
      expect(existsSync(join(summary.projectDir, 'project.sqlite'))).toBe(true)
      expect(await readdir(imageRoot)).toHaveLength(5) // nothing written into the image folder

      const jobs = await backend.call('jobs:list', {})
      expect(jobs).toEqual([
        expect.objectContaining({ kind: 'import', state: 'done', result: expect.objectContaining({ added: 5 }) as unknown }),
      ])
      expect(events.some((e) => e.name === 'jobs:progress' && e.payload.state === 'done')).toBe(true)
      expect(events.some((e) => e.name === 'images:changed')).toBe(true)
      expect(await backend.call('projects:current', {})).toMatchObject({ id: summary.id, imageCount: 5 })

      const first = await backend.call('images:list', { offset: 0, limit: 2 })
      expect(first.total).toBe(5)
      expect(first.offset).toBe(0)
      expect(first.items.map((i) => i.relPath)).toEqual(['img-01.jpg', 'img-02.jpg'])
      expect(first.counts).toEqual({ todo: 5, in_progress: 0, done: 0, skipped: 0 })
      const last = await backend.call('images:list', { offset: 4, limit: 2 })
      expect(last.items.map((i) => i.relPath)).toEqual(['img-05.jpg'])
      expect((await backend.call('images:list', { offset: 10, limit: 2 })).items).toEqual([])
      expect(first.items[0]).toMatchObject({
        width: 64,
        height: 48,
        annotationWidth: 64,
        annotationHeight: 48,
        orientation: 1,
        status: 'todo',
        missing: false,
      })
    })

    it('sets an image status, writes an event and emits the updated image', async () => {
      await createProject(3)
      const [image] = (await backend.call('images:list', { offset: 0, limit: 10 })).items
      if (!image) throw new Error('no image')
      // Nothing covers the image: done needs a reason (the gate itself is tested in review.test.ts).
      await expectCode(backend.call('images:setStatus', { imageId: image.id, status: 'done' }), 'coverage_gate', /100%/)
      expect(events.filter((e) => e.name === 'images:updated')).toEqual([])
      const updated = await backend.call('images:setStatus', { imageId: image.id, status: 'done', reason: 'blank frame' })
      expect(updated).toMatchObject({ id: image.id, status: 'done' })
      expect(events.filter((e) => e.name === 'images:updated').map((e) => e.payload)).toEqual([updated])

      const page = await backend.call('images:list', { offset: 0, limit: 10, status: 'done' })
      expect(page.items.map((i) => i.id)).toEqual([image.id])
      expect(page.total).toBe(1)
      expect(page.counts).toEqual({ todo: 2, in_progress: 0, done: 1, skipped: 0 })

      const db = backend.currentProject?.db
      const rows = db?.prepare("SELECT actor, kind, entity, entity_id, before, after FROM events WHERE kind = 'image:status'").all()
      expect(rows).toEqual([
        {
          actor: 'ada',
          kind: 'image:status',
          entity: 'image',
          entity_id: image.id,
          before: '{"status":"todo"}',
          after: '{"reason":"blank frame","uncoveredFraction":1,"maxUncoveredFraction":0.1,"status":"done"}',
        },
      ])
      await expectCode(backend.call('images:setStatus', { imageId: 9999, status: 'done' }), 'not_found')
    })

    it('walks neighbours in grid order and stops at both ends', async () => {
      await createProject(3)
      const ids = (await backend.call('images:list', { offset: 0, limit: 10 })).items.map((i) => i.id)
      const [a, b, c] = ids as [number, number, number]
      expect((await backend.call('images:neighbour', { imageId: a, direction: 'next' }))?.id).toBe(b)
      expect((await backend.call('images:neighbour', { imageId: b, direction: 'next' }))?.id).toBe(c)
      expect(await backend.call('images:neighbour', { imageId: c, direction: 'next' })).toBeNull()
      expect((await backend.call('images:neighbour', { imageId: c, direction: 'previous' }))?.id).toBe(b)
      expect(await backend.call('images:neighbour', { imageId: a, direction: 'previous' })).toBeNull()
      await expectCode(backend.call('images:neighbour', { imageId: 12345, direction: 'next' }), 'not_found')
      expect((await backend.call('images:get', { imageId: b })).relPath).toBe('img-02.jpg')
    })

    it('walks neighbours and finds positions within a status filter (the grid’s and the rail’s)', async () => {
      await createProject(4)
      const ids = (await backend.call('images:list', { offset: 0, limit: 10 })).items.map((i) => i.id)
      const [a, b, c, d] = ids as [number, number, number, number]
      await backend.call('images:setStatus', { imageId: b, status: 'skipped' })
      await backend.call('images:setStatus', { imageId: d, status: 'skipped' })
      // b is skipped: the "to do" walk goes a → c, and from b (whatever its status) to c and back to a.
      expect((await backend.call('images:neighbour', { imageId: a, direction: 'next', status: 'todo' }))?.id).toBe(c)
      expect((await backend.call('images:neighbour', { imageId: b, direction: 'next', status: 'todo' }))?.id).toBe(c)
      expect((await backend.call('images:neighbour', { imageId: b, direction: 'previous', status: 'todo' }))?.id).toBe(a)
      expect(await backend.call('images:neighbour', { imageId: c, direction: 'next', status: 'todo' })).toBeNull()
      expect((await backend.call('images:neighbour', { imageId: a, direction: 'next', status: 'skipped' }))?.id).toBe(b)
      expect((await backend.call('images:neighbour', { imageId: b, direction: 'next', status: 'skipped' }))?.id).toBe(d)
      // Positions: in grid order, and within the filter; null for an image the filter does not list.
      expect(await Promise.all(ids.map((imageId) => backend.call('images:position', { imageId })))).toEqual([0, 1, 2, 3])
      expect(await backend.call('images:position', { imageId: c, status: 'todo' })).toBe(1)
      expect(await backend.call('images:position', { imageId: d, status: 'skipped' })).toBe(1)
      expect(await backend.call('images:position', { imageId: b, status: 'todo' })).toBeNull()
      // The positions agree with the pages the grid and the rail list.
      const skipped = (await backend.call('images:list', { offset: 0, limit: 10, status: 'skipped' })).items.map((i) => i.id)
      expect(skipped).toEqual([b, d])
      await expectCode(backend.call('images:position', { imageId: 12345 }), 'not_found')
    })

    it('rescans as a job and lists import issues', async () => {
      await createProject(2)
      await writeFile(join(imageRoot, 'broken.png'), 'not a png')
      await writeJpegSeries(imageRoot, 1, { prefix: 'late', firstSeed: 50 })
      const job = await backend.call('images:rescan', {})
      expect(job).toMatchObject({ kind: 'import', label: 'Rescanning the image folder' })
      await settle()
      expect((await backend.call('images:list', { offset: 0, limit: 10 })).total).toBe(3)
      expect(await backend.call('images:issues', {})).toEqual([expect.objectContaining({ relPath: 'broken.png' })])
      await expectCode(backend.call('jobs:cancel', { jobId: 'no-such-job' }), 'not_found')
    })

    it('serves the files behind an image to the media route', async () => {
      await createProject(1)
      const [image] = (await backend.call('images:list', { offset: 0, limit: 1 })).items
      const thumb = backend.mediaFile(image?.id ?? 0, 'thumb')
      const annotation = backend.mediaFile(image?.id ?? 0, 'annotation')
      expect(thumb && existsSync(thumb)).toBe(true)
      expect(annotation && existsSync(annotation)).toBe(true)
      expect(thumb).toContain(image?.contentHash)
      expect(backend.mediaFile(424242, 'thumb')).toBeNull()
    })

    it('imports at the annotation size chosen for the project', async () => {
      await writeJpegSeries(imageRoot, 1, { width: 400, height: 300 })
      const summary = await backend.call('projects:create', { name: 'Small copies', imageRoot, annotationMaxSide: 256 })
      await settle()
      expect(summary.annotationMaxSide).toBe(256)
      const [image] = (await backend.call('images:list', { offset: 0, limit: 1 })).items
      expect(image).toMatchObject({ width: 400, height: 300, annotationWidth: 256, annotationHeight: 192 })
    })

    it('refuses a folder that does not exist, and creates nothing', async () => {
      await expectCode(backend.call('projects:create', { name: 'Ghost', imageRoot: join(root, 'nope') }), 'folder_missing')
      expect(backend.currentProject).toBeNull()
      expect(await backend.call('projects:listRecent', {})).toEqual([])
    })

    it('gives two projects of the same name their own folders', async () => {
      const one = await createProject(1, 'Same name')
      const two = await backend.call('projects:create', { name: 'Same name', imageRoot })
      await settle()
      expect(two.projectDir).not.toBe(one.projectDir)
      expect(dirname(two.projectDir)).toBe(dirname(one.projectDir))
    })
  })

  describe('recent projects, open and close', () => {
    it('remembers projects most recent first and marks vanished ones unavailable', async () => {
      const first = await createProject(1, 'First')
      const second = await backend.call('projects:create', { name: 'Second', imageRoot })
      await settle()
      let recent = await backend.call('projects:listRecent', {})
      expect(recent.map((r) => [r.name, r.available])).toEqual([
        ['Second', true],
        ['First', true],
      ])

      await backend.call('projects:open', { projectDir: first.projectDir })
      await settle()
      recent = await backend.call('projects:listRecent', {})
      expect(recent.map((r) => r.name)).toEqual(['First', 'Second'])
      expect(recent[0]).toMatchObject({ projectDir: first.projectDir, imageRoot })

      await rm(second.projectDir, { recursive: true })
      recent = await backend.call('projects:listRecent', {})
      expect(recent.map((r) => [r.name, r.available])).toEqual([
        ['First', true],
        ['Second', false],
      ])
    })

    it('survives a damaged recent-projects file', async () => {
      await mkdir(dataDir, { recursive: true })
      await writeFile(join(dataDir, 'recent-projects.json'), '{ not json')
      expect(await backend.call('projects:listRecent', {})).toEqual([])
      await createProject(1, 'After damage')
      expect((await backend.call('projects:listRecent', {})).map((r) => r.name)).toEqual(['After damage'])
    })

    it('closes the project and says so', async () => {
      await createProject(1)
      expect(await backend.call('projects:close', {})).toBeNull()
      expect(await backend.call('projects:current', {})).toBeNull()
      expect(events.at(-1)).toEqual({ name: 'projects:changed', payload: null })
      await expectCode(backend.call('images:list', { offset: 0, limit: 1 }), 'no_project')
    })

    it('gives not_found for a folder without a project', async () => {
      await expectCode(backend.call('projects:open', { projectDir: imageRoot }), 'not_found', /project.sqlite/)
    })

    it('refuses a project saved by a newer Tessera with database_too_new, and keeps nothing open', async () => {
      const summary = await createProject(1)
      await backend.call('projects:close', {})
      const db = new Database(join(summary.projectDir, 'project.sqlite'))
      db.pragma('user_version = 999')
      db.close()
      await expectCode(backend.call('projects:open', { projectDir: summary.projectDir }), 'database_too_new', /newer version of Tessera/)
      expect(backend.currentProject).toBeNull()
    })

    it('resumes an import that a crash cut short when the project is opened again', async () => {
      const summary = await createProject(2)
      await backend.call('projects:close', {})
      // Simulate a crash mid-import: a job row left 'running', and files not yet imported.
      const db = new Database(join(summary.projectDir, 'project.sqlite'))
      db.prepare(
        "INSERT INTO jobs (id, kind, label, state, params, created_at, updated_at) VALUES ('crashed', 'import', 'Importing images', 'running', '{}', ?, ?)",
      ).run('2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')
      db.close()
      await writeJpegSeries(imageRoot, 2, { prefix: 'more', firstSeed: 70 })

      await backend.call('projects:open', { projectDir: summary.projectDir })
      const jobs = await backend.call('jobs:list', {})
      expect(jobs.map((j) => j.label)).toEqual(['Importing images (resumed)'])
      await settle()
      expect((await backend.call('images:list', { offset: 0, limit: 10 })).total).toBe(4)
      const states = backend.currentProject?.db.prepare("SELECT state FROM jobs WHERE id = 'crashed'").pluck().get()
      expect(states).toBe('interrupted')
    })
  })

  describe('demo project', () => {
    it('generates the 12 demo scenes under the data folder and imports them; a second open reopens it', async () => {
      const demo = await backend.call('projects:openDemo', {})
      expect(demo).toMatchObject({ name: DEMO_PROJECT_NAME, isDemo: true })
      expect(demo.imageRoot.startsWith(dataDir)).toBe(true)
      expect(existsSync(join(demo.imageRoot, DEMO_GROUND_TRUTH_FILE))).toBe(true)
      await settle()
      const page = await backend.call('images:list', { offset: 0, limit: 100 })
      expect(page.total).toBe(12)
      expect(page.items.map((i) => i.relPath)).toEqual(Array.from({ length: 12 }, (_, i) => `scene-${String(i + 1).padStart(2, '0')}.jpg`))
      expect(page.items.every((i) => Math.max(i.annotationWidth, i.annotationHeight) <= 1500)).toBe(true)

      await backend.call('projects:close', {})
      const again = await backend.call('projects:openDemo', {})
      expect(again.id).toBe(demo.id)
      await settle()
      expect(again.imageCount).toBe(12)
    })
  })

  describe('exchange: the images of an export', () => {
    it('previews and exports chosen image ids, refusing unknown ids and audits with their reasons', async () => {
      await createProject(3)
      const session = backend.currentProject!
      const [a, b] = session.images.all().map((row) => row.id) as [number, number, number]
      const rle = compressRle(encodeMask(new Uint8Array(48 * 64).fill(1, 0, 640), 48, 64))
      new MaskRepository(session.db).insertMany([
        { imageId: a, rle, source: 'manual', state: 'accepted', actor: 'ada' },
        { imageId: b, rle, source: 'manual', state: 'accepted', actor: 'ada' },
      ])
      expect(await backend.call('exchange:preview', { filter: { images: { ids: [a] } } })).toEqual({
        images: 1,
        masks: 1,
        imagesWithMasks: 1,
      })
      expect(await backend.call('exchange:preview', { filter: { images: 'all' } })).toEqual({ images: 3, masks: 2, imagesWithMasks: 2 })
      await expectCode(backend.call('exchange:preview', { filter: { images: { ids: [a, 999] } } }), 'not_found', /999/)
      await expectCode(backend.call('exchange:preview', { filter: { images: { auditId: 5 } } }), 'not_found', /no audit 5/)
      await expectCode(backend.invoke('exchange:preview', { filter: { images: { ids: [] } } }), 'invalid_request')
      await expectCode(
        backend.call('exchange:export', { format: 'bundle', target: join(root, 'x.zip'), filter: {}, frame: 'original' }),
        'invalid_request',
        /annotation size/,
      )

      // Into a folder that does not exist yet (as the dialog's default under the project's exports/).
      const target = join(root, 'exports', 'chosen')
      const job = await backend.call('exchange:export', {
        format: 'sa1b',
        target,
        filter: { images: { ids: [b] } },
        frame: 'original',
        includeImages: true,
      })
      const final = await session.jobs.wait(job.id)
      expect(final.state, final.error ?? '').toBe('done')
      // Ids follow the order in which the import finished decoding the files, not their names.
      const stem = session.images
        .all()
        .find((row) => row.id === b)
        ?.rel_path.replace(/\.jpg$/, '')
      expect((await readdir(target)).sort()).toEqual([`${stem}.jpg`, `${stem}.json`])
    })
  })

  describe('fs:listDirectory', () => {
    it('lists visible subfolders sorted, with the number of images directly inside', async () => {
      await mkdir(join(imageRoot, 'zeta'))
      await mkdir(join(imageRoot, 'Alpha'))
      await mkdir(join(imageRoot, '.cache'))
      await writeJpegSeries(imageRoot, 2)
      await writeFile(join(imageRoot, 'notes.txt'), 'x')
      await writeJpegSeries(join(imageRoot, 'zeta'), 1) // not counted: not directly inside
      const listing = await backend.call('fs:listDirectory', { path: imageRoot })
      expect(listing).toEqual({ path: imageRoot, parent: root, directories: ['Alpha', 'zeta'], imageCount: 2, files: [] })
    })

    it('lists files with the requested endings when choosing a file', async () => {
      const listing = await backend.call('fs:listDirectory', { path: root, fileExtensions: ['.onnx'] })
      expect(listing.files).toEqual([])
      await writeFile(join(root, 'encoder.onnx'), 'x')
      await writeFile(join(root, 'notes.txt'), 'x')
      expect((await backend.call('fs:listDirectory', { path: root, fileExtensions: ['.onnx'] })).files).toEqual(['encoder.onnx'])
      await expect(backend.call('fs:listDirectory', { path: root, fileExtensions: ['onnx'] })).rejects.toMatchObject({
        code: 'invalid_request',
      })
    })

    it('starts at the home folder, stops at the file-system root and reports bad paths', async () => {
      expect((await backend.call('fs:listDirectory', {})).path).toBe(homedir())
      expect((await backend.call('fs:listDirectory', { path: '/' })).parent).toBeNull()
      await writeFile(join(root, 'file.txt'), 'x')
      await expectCode(backend.call('fs:listDirectory', { path: join(root, 'file.txt') }), 'not_a_folder')
      await expectCode(backend.call('fs:listDirectory', { path: join(root, 'absent') }), 'folder_missing')
    })
  })
})
