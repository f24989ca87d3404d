/**
 * A work package opened as a project: the bundle's images are extracted into a folder of their own,
 * a project is made from them and the bundle's masks are imported — the second annotator sees the
 * first one's masks on the same images.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Backend } from '../../../src-main/core/app/backend'
import { generateScene } from '../../../src-main/core/demo/synthetic-scene'
import { writeBundle } from '../../../src-main/core/exchange'
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { testBackendOptions } from '../../support/test-backend'

let dir: string
let backend: Backend

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-open-bundle-'))
  await mkdir(join(dir, 'images'))
  for (const index of [0, 1]) {
    const scene = generateScene(40 + index, 200, 150, 3)
    await writeFile(
      join(dir, 'images', `shot-${index}.png`),
      await sharp(scene.rgb, { raw: { width: 200, height: 150, channels: 3 } })
        .png()
        .toBuffer(),
    )
  }
  backend = new Backend(testBackendOptions({ dataDir: join(dir, 'data'), transport: 'web-shell', version: 'test', actor: 'ada' }))
}, 60_000)

afterAll(async () => {
  await backend?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('projects:openBundle', () => {
  it('makes a project from a work package with images and brings its masks along', async () => {
    await backend.call('projects:create', { name: 'Lead', imageRoot: join(dir, 'images') })
    const lead = backend.currentProject!
    await Promise.all(lead.jobs.list().map((job) => lead.jobs.wait(job.id)))
    const masks = new MaskRepository(lead.db)
    const square = new Uint8Array(200 * 150)
    for (let y = 20; y < 60; y++) for (let x = 30; x < 90; x++) square[y * 200 + x] = 1
    for (const row of lead.images.all())
      masks.insert({ imageId: row.id, rle: compressRle(encodeMask(square, 150, 200)), source: 'manual', state: 'accepted', actor: 'ada' })
    const bundle = join(dir, 'package.zip')
    await writeBundle(lead.db, bundle, { exporter: { name: 'tessera', version: 'test' }, actor: 'ada', includeImages: true })

    const leadHashes = lead.images
      .all()
      .map((row) => row.content_hash)
      .sort()
    const jobs = new Map<string, { label: string; states: string[]; done: number; total: number }>()
    const unsubscribe = backend.subscribe((event) => {
      if (event.name !== 'jobs:progress') return
      const job = jobs.get(event.payload.id) ?? { label: event.payload.label, states: [], done: 0, total: 0 }
      job.states.push(event.payload.state)
      job.done = event.payload.done
      job.total = event.payload.total
      jobs.set(event.payload.id, job)
    })
    const opened = await backend.call('projects:openBundle', { bundlePath: bundle })
    unsubscribe()
    // Each phase shows as a job that runs and ends done, with its steps counted to the end.
    const phases = [...jobs.values()]
    expect(phases.map((job) => job.label)).toEqual([
      'Checking and unpacking the work package',
      'Importing the work package images',
      'Importing the work package masks',
    ])
    for (const job of phases) {
      expect(job.states.at(-1)).toBe('done')
      expect(job.total).toBeGreaterThan(0)
      expect(job.done).toBe(job.total)
    }
    expect(opened.name).toBe('Lead (work package)')
    expect(opened.imageCount).toBe(2)
    const session = backend.currentProject!
    const hashes = session.images
      .all()
      .map((row) => row.content_hash)
      .sort()
    expect(hashes).toEqual(leadHashes)
    const received = session.db.prepare("SELECT count(*) AS n FROM masks WHERE state = 'accepted' AND actor = 'ada'").get() as { n: number }
    expect(received.n).toBe(2)
  })

  it('refuses a bundle without images, with a message that says what to do', async () => {
    await backend.call('projects:create', { name: 'No images', imageRoot: join(dir, 'images') })
    const session = backend.currentProject!
    await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
    const bundle = join(dir, 'no-images.zip')
    await writeBundle(session.db, bundle, { exporter: { name: 'tessera', version: 'test' }, actor: 'ada' })
    await expect(backend.call('projects:openBundle', { bundlePath: bundle })).rejects.toThrow(/carries no image files/)
  })
})
