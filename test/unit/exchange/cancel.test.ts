/**
 * Cancel is honoured in every long phase of a bundle export and import, the copies of the scratch
 * files into the zip and the hashing of large entries included: a signal that turns aborted at the
 * k-th check, for every k, always ends in `cancelled` with nothing left behind.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeBundle } from '../../../src-main/core/exchange/bundle'
import { importBundle } from '../../../src-main/core/exchange/import-bundle'
import { ZipCancelled, ZipWriter } from '../../../src-main/core/exchange/zip-writer'
import { MaskRepository, type NewMask } from '../../../src-main/core/project/mask-repository'
import { createProject, disc, rleOf, snapshot } from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cancel-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const EXPORTER = { exporter: { name: 'tessera', version: '0.1.0-test' }, actor: 'alice' }
const IMAGES = [
  { relPath: 'a.jpg', width: 120, height: 80 },
  { relPath: 'b.jpg', width: 120, height: 80 },
]

/**
 * A signal that reads as aborted from the k-th time code asks `aborted` on (and then fires 'abort',
 * as a real one would). `asked()` counts the checks.
 */
function countdownSignal(k: number): { signal: AbortSignal; asked: () => number } {
  const controller = new AbortController()
  let asked = 0
  const signal = {
    get aborted() {
      asked++
      if (asked >= k && !controller.signal.aborted) controller.abort()
      return controller.signal.aborted
    },
    get reason() {
      return controller.signal.reason as unknown
    },
    addEventListener: controller.signal.addEventListener.bind(controller.signal),
    removeEventListener: controller.signal.removeEventListener.bind(controller.signal),
    throwIfAborted: () => controller.signal.throwIfAborted(),
  }
  return { signal: signal as unknown as AbortSignal, asked: () => asked }
}

/** Enough masks that events.jsonl and coco.json are many read chunks (64 KiB) each. */
function project() {
  const { db, ids } = createProject(IMAGES, { name: 'cancel' })
  const masks: NewMask[] = []
  for (let index = 0; index < 1500; index++) {
    masks.push({
      imageId: ids[index % 2] as number,
      rle: rleOf(disc(80, 120, 20 + (index % 80), 20 + (index % 40), 4 + (index % 15)), 80, 120),
      source: 'auto',
      state: index % 3 === 0 ? 'proposed' : 'accepted',
      predictedIou: 0.5 + (index % 50) / 100,
      stabilityScore: 0.9,
      pointCoords: [[index % 120, index % 80]],
      cropBox: [0, 0, 120, 80],
      actor: 'alice',
    })
  }
  new MaskRepository(db).insertMany(masks)
  return db
}

describe('cancel', () => {
  it('stops a streamed zip entry between pieces and reads no further', async () => {
    const controller = new AbortController()
    let pulled = 0
    const source = Readable.from(
      (function* () {
        for (let piece = 0; piece < 100; piece++) {
          pulled++
          if (piece === 2) controller.abort()
          yield Buffer.alloc(64 * 1024, piece)
        }
      })(),
    )
    const zip = await ZipWriter.create(join(dir, 'stream.zip'))
    await expect(zip.addStream('events.jsonl', source, { mtime: new Date(), signal: controller.signal })).rejects.toBeInstanceOf(
      ZipCancelled,
    )
    await zip.abort()
    expect(pulled).toBeLessThan(10)
  })

  it('is honoured at every check of a bundle export, the scratch copies included, and leaves no file', async () => {
    const db = project()
    const target = join(dir, 'export.zip')
    const probe = countdownSignal(Number.POSITIVE_INFINITY)
    await writeBundle(db, target, { ...EXPORTER, signal: probe.signal })
    const checks = probe.asked()
    await rm(target)
    // Two images: the per-image checks alone are a handful; the rest are the copies' chunk checks.
    expect(checks).toBeGreaterThan(20)
    for (let k = 1; k <= checks; k++) {
      const { signal } = countdownSignal(k)
      await expect(writeBundle(db, target, { ...EXPORTER, signal }), `check ${k} of ${checks}`).rejects.toMatchObject({
        reason: 'cancelled',
      })
      expect(existsSync(target)).toBe(false)
      expect((await readdir(dir)).filter((name) => name.startsWith('export.zip'))).toEqual([])
    }
  })

  it('is honoured at every check of a bundle import, the hashing of events.jsonl and coco.json included, and imports nothing', async () => {
    const path = join(dir, 'import.zip')
    await writeBundle(project(), path, EXPORTER)
    const probe = countdownSignal(Number.POSITIVE_INFINITY)
    const fresh = createProject(IMAGES, { name: 'target' })
    await importBundle(fresh.db, path, { actor: 'lead', signal: probe.signal })
    const checks = probe.asked()
    expect(checks).toBeGreaterThan(20)
    for (let k = 1; k <= checks; k++) {
      const { db } = createProject(IMAGES, { name: 'target' })
      const before = snapshot(db)
      const { signal } = countdownSignal(k)
      await expect(importBundle(db, path, { actor: 'lead', signal }), `check ${k} of ${checks}`).rejects.toMatchObject({
        reason: 'cancelled',
      })
      expect(snapshot(db)).toBe(before)
    }
  })
})
