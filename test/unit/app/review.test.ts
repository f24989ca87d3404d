/**
 * Review through the backend on the real worker with the demo segmenter: masks:list provenance,
 * decisions / undo / redo with the events the renderer relies on, next unfinished image, the coverage
 * gate, prefetching the next image's embedding and proposals, and re-seeding inside gaps.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AnyTesseraEvent, EventMap, EventName } from '../../../src-preload/contract/events'
import { AppError } from '../../../src-preload/contract/errors'
import type { ImageSummary, JobInfo } from '../../../src-preload/contract/dto'
import { Backend } from '../../../src-main/core/app/backend'
import { generateScene } from '../../../src-main/core/demo/synthetic-scene'
import { CoverageMap, bitmapFromFull, compressRle, decodeMask, decompressRle, encodeMask } from '../../../src-main/core/masks'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { maskIou } from '../../support/mask-geometry'
import { testBackendOptions } from '../../support/test-backend'

let dir: string
let backend: Backend
let events: AnyTesseraEvent[] = []
const WIDTH = 320
const HEIGHT = 240
const scenes = [generateScene(21, WIDTH, HEIGHT, 4), generateScene(22, WIDTH, HEIGHT, 4), generateScene(23, WIDTH, HEIGHT, 5)]
/** Image ids of scene-0, scene-1, scene-2 (grid order). */
let ids: [number, number, number]

async function settleJob(job: JobInfo): Promise<JobInfo> {
  const finished = await backend.currentProject!.jobs.wait(job.id)
  expect(finished.state, finished.error ?? '').toBe('done')
  return finished
}

async function codeOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the request to fail')
}

function named<N extends EventName>(name: N): EventMap[N][] {
  return events.filter((event) => event.name === name).map((event) => event.payload as EventMap[N])
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-review-'))
  const images = join(dir, 'images')
  await mkdir(images)
  for (const [index, scene] of scenes.entries()) {
    await writeFile(
      join(images, `scene-${index}.png`),
      await sharp(scene.rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
        .png()
        .toBuffer(),
    )
  }
  backend = new Backend(testBackendOptions({ dataDir: join(dir, 'data'), transport: 'web-shell', version: 'test', actor: 'ada' }))
  backend.subscribe((event) => events.push(event))
  await backend.call('projects:create', { name: 'Review', imageRoot: images })
  const session = backend.currentProject!
  await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
  ids = (await backend.call('images:list', { offset: 0, limit: 10 })).items.map((image) => image.id) as [number, number, number]
}, 60_000)

afterAll(async () => {
  await backend?.close()
  await rm(dir, { recursive: true, force: true })
})

beforeEach(() => {
  events = []
})

describe('review through the backend', () => {
  it('lists masks with prompt, actor and updatedAt; decisions answer with a ReviewChange and refresh the grid, not the view', async () => {
    await settleJob(await backend.call('proposals:run', { imageIds: [ids[0]], pointsPerSide: 8 }))
    expect(named('masks:changed')).toEqual([{ imageIds: [ids[0]] }])

    const masks = await backend.call('masks:list', { imageId: ids[0] })
    expect(masks.length).toBeGreaterThan(1)
    for (const mask of masks) {
      const [[x, y]] = mask.pointCoords as [[number, number]]
      expect(mask.prompt).toEqual({ points: [{ x, y, label: 'positive' }], box: null })
      expect(mask.actor).toBe('tessera')
      expect(Date.parse(mask.updatedAt)).not.toBeNaN()
    }
    const [first, second] = masks.filter((mask) => mask.state !== 'discarded') as [(typeof masks)[0], (typeof masks)[0]]
    expect(second).toBeDefined()

    events = []
    const change = await backend.call('masks:decide', {
      imageId: ids[0],
      decisions: [
        { maskId: first.id, state: 'accepted' },
        { maskId: second.id, state: 'accepted' },
      ],
    })
    expect(change.masks.map((mask) => [mask.id, mask.state])).toEqual([
      [first.id, 'accepted'],
      [second.id, 'accepted'],
    ])
    expect(change.masks[0]!.updatedAt >= first.updatedAt).toBe(true)
    expect(change.history).toEqual({ canUndo: true, canRedo: false, undoLabel: 'Accept 2 masks', redoLabel: null })
    expect(change.image).toMatchObject({ id: ids[0], status: 'in_progress', acceptedCount: 2 })
    expect(named('images:updated')).toEqual([change.image])
    expect(named('masks:changed')).toEqual([])
    const listed = (await backend.call('images:list', { offset: 0, limit: 10 })).items.find((image) => image.id === ids[0])!
    expect(listed.acceptedCount).toBe(2)

    const undone = await backend.call('history:undo', { imageId: ids[0] })
    expect(undone.image.acceptedCount).toBe(0)
    expect(undone.masks.map((mask) => mask.state)).toEqual([first.state, second.state])
    expect(await backend.call('history:state', { imageId: ids[0] })).toEqual({
      canUndo: false,
      canRedo: true,
      undoLabel: null,
      redoLabel: 'Accept 2 masks',
    })
    const redone = await backend.call('history:redo', { imageId: ids[0] })
    expect(redone.image.acceptedCount).toBe(2)
    expect(named('masks:changed')).toEqual([])
    expect((await codeOf(backend.call('history:redo', { imageId: ids[0] }))).code).toBe('conflict')
    expect(Array.isArray(await backend.call('overlaps:list', { imageId: ids[0] }))).toBe(true)

    // Re-triage changes masks behind the view's back: it hears of it.
    events = []
    await backend.call('proposals:setTriage', { settings: (await backend.call('proposals:triage', {})).settings })
    expect(named('masks:changed')).toEqual([{ imageIds: 'all' }])
  })

  it('prefetches the next unfinished image: its embedding and, once, a proposal job for it alone', async () => {
    const session = backend.currentProject!
    const jobsBefore = session.jobs.list().length
    expect(await backend.call('images:prefetchNext', { imageId: ids[0] })).toBeNull()
    expect(await backend.call('images:prefetchNext', { imageId: ids[0] })).toBeNull() // no duplicate while queued or running
    const started = session.jobs.list().slice(jobsBefore)
    expect(started).toHaveLength(1)
    expect(started[0]).toMatchObject({ kind: 'propose', label: 'Proposing masks for scene-1.png' })
    expect((await settleJob(started[0]!)).result).toMatchObject({ images: 1, failed: 0 })
    expect(named('masks:changed')).toContainEqual({ imageIds: [ids[1]] })

    // The same run as the project's grid proposals (same model and parameters), and only that image.
    const runs = session.db.prepare('SELECT image_id AS imageId, run_id AS runId FROM run_images ORDER BY image_id').all() as {
      imageId: number
      runId: number
    }[]
    expect(runs.map((row) => row.imageId)).toEqual([ids[0], ids[1]].sort((a, b) => a - b))
    expect(runs[1]!.runId).toBe(runs[0]!.runId)
    expect((await backend.call('masks:list', { imageId: ids[2] })).length).toBe(0)

    // Done once: no second job.
    await backend.call('images:prefetchNext', { imageId: ids[0] })
    expect(session.jobs.list().length).toBe(jobsBefore + 1)
    let image: ImageSummary = await backend.call('images:get', { imageId: ids[1] })
    for (let attempt = 0; attempt < 100 && !image.embeddingReady; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      image = await backend.call('images:get', { imageId: ids[1] })
    }
    expect(image.embeddingReady).toBe(true)
  })

  it('cancels the proposals queued ahead for an image the person has moved past, not those for the open or next image', async () => {
    const session = backend.currentProject!
    // Hold the masks' lane so that every job started ahead stays queued.
    let release!: () => void
    const blocker = session.jobs.start({
      kind: 'export',
      label: 'blocker',
      params: {},
      run: () => new Promise((resolve) => (release = () => resolve(null))),
    })
    const aheadFor = (imageId: number) =>
      session.jobs
        .list()
        .find((job) => job.kind === 'propose' && job.state === 'queued' && job.label.endsWith(`scene-${ids.indexOf(imageId)}.png`))
    const stateOf = (jobId: string) => session.jobs.list().find((job) => job.id === jobId)?.state
    try {
      // Opening scene-1 prepares scene-2 (scene-1 had its proposals in the test above).
      await backend.call('images:prefetchNext', { imageId: ids[1] })
      const stale = aheadFor(ids[2])!
      expect(stale).toBeDefined()
      // Back on scene-0 (next: scene-1): scene-2 is neither open nor next, its queued job goes.
      await backend.call('images:prefetchNext', { imageId: ids[0] })
      expect(stateOf(stale.id)).toBe('cancelled')
      // Ahead for scene-2 again, then scene-2 is opened: its job is the open image's now and stays.
      await backend.call('images:prefetchNext', { imageId: ids[1] })
      const kept = aheadFor(ids[2])!
      expect(kept).toBeDefined()
      await backend.call('images:prefetchNext', { imageId: ids[2] })
      expect(stateOf(kept.id)).toBe('queued')
      // Leave the project as it was for the tests below: no proposals for scene-2.
      session.jobs.cancel(kept.id)
      expect(stateOf(kept.id)).toBe('cancelled')
    } finally {
      release()
    }
    expect((await session.jobs.wait(blocker.id)).state).toBe('done')
    expect((await backend.call('masks:list', { imageId: ids[2] })).length).toBe(0)
  })

  it('gates done on coverage, records the reason, and walks to the next unfinished image, wrapping', async () => {
    const [s0, s1, s2] = ids
    expect((await backend.call('images:nextUnfinished', { imageId: s0 }))?.id).toBe(s1)
    const gate = await codeOf(backend.call('images:setStatus', { imageId: s1, status: 'done' }))
    expect(gate.code).toBe('coverage_gate')
    expect(gate.message).toMatch(/^\d+(\.\d+)?% of this image .* 10%/)
    const coverage = await backend.call('coverage:get', { imageId: s1 })
    const done = await backend.call('images:setStatus', { imageId: s1, status: 'done', reason: 'background only' })
    expect(done.status).toBe('done')
    const event = backend
      .currentProject!.db.prepare("SELECT after FROM events WHERE kind = 'image:status' AND entity_id = ? ORDER BY id DESC")
      .pluck()
      .get(s1) as string
    expect(JSON.parse(event)).toEqual({
      status: 'done',
      reason: 'background only',
      uncoveredFraction: coverage.uncoveredFraction,
      maxUncoveredFraction: 0.1,
    })

    expect((await backend.call('images:nextUnfinished', { imageId: s0 }))?.id).toBe(s2)
    expect((await backend.call('images:nextUnfinished', { imageId: s2 }))?.id).toBe(s0) // wraps round
    expect((await backend.call('images:nextUnfinished', { imageId: s1 }))?.id).toBe(s2)
    await backend.call('review:setSettings', { settings: { maxUncoveredFraction: 1, minGapArea: 200, overlapIou: 0.5 } })
    await backend.call('images:setStatus', { imageId: s0, status: 'done' })
    expect((await backend.call('images:nextUnfinished', { imageId: s2 }))?.id).toBe(s2) // the last one left: round to itself
    expect((await backend.call('images:nextUnfinished', { imageId: s0 }))?.id).toBe(s2)
    await backend.call('images:setStatus', { imageId: s2, status: 'skipped' })
    expect(await backend.call('images:nextUnfinished', { imageId: s2 })).toBeNull()
    await backend.call('images:setStatus', { imageId: s2, status: 'todo' })
    await backend.call('review:setSettings', { settings: { maxUncoveredFraction: 0.1, minGapArea: 200, overlapIou: 0.5 } })
    expect(await backend.call('review:settings', {})).toEqual({
      maxUncoveredFraction: 0.1,
      minGapArea: 200,
      overlapIou: 0.5,
      objectTimeLimitSeconds: 30,
    })
  })

  it('re-seeds only inside the gaps: new proposals start in a gap and are at most half covered', async () => {
    const imageId = ids[2]
    const scene = scenes[2]!
    const session = backend.currentProject!
    // Everything is accepted but one object, a 20 × 20 square of background, and the right third of a
    // second object (a mask accepted a little too small: re-seeding there finds the whole object again,
    // mostly covered already, which must be dropped).
    const topLevel = scene.objects.filter((object) => object.parentId === null).sort((a, b) => b.area - a.area)
    const missed = topLevel[0]!
    const trimmed = topLevel[1]!
    const objectPixels = new Uint8Array(WIDTH * HEIGHT)
    for (const object of scene.objects) object.mask.forEach((value, index) => value && (objectPixels[index] = 1))
    const hole = findBackgroundSquare(objectPixels, missed.mask, 20)
    const cut = trimCut(trimmed.mask)
    const others = new Uint8Array(WIDTH * HEIGHT)
    for (const object of topLevel.slice(1)) object.mask.forEach((value, index) => value && !missed.mask[index] && (others[index] = 1))
    const trimmedGap = trimmed.mask.map((value, index) => (value && !missed.mask[index] && index % WIDTH >= cut ? 1 : 0))
    trimmedGap.forEach((value, index) => value && (others[index] = 0))
    const background = new Uint8Array(WIDTH * HEIGHT)
    for (let index = 0; index < background.length; index++) {
      const x = index % WIDTH
      const y = Math.floor(index / WIDTH)
      const inHole = x >= hole.x && x < hole.x + 20 && y >= hole.y && y < hole.y + 20
      if (!objectPixels[index] && !inHole) background[index] = 1
    }
    new MaskRepository(session.db).insertMany(
      [others, background].map((pixels) => ({
        imageId,
        rle: compressRle(encodeMask(pixels, HEIGHT, WIDTH)),
        source: 'manual' as const,
        state: 'accepted' as const,
        actor: 'ada',
      })),
    )
    const coverage = await backend.call('coverage:get', { imageId })
    const trimmedGapArea = trimmedGap.reduce((sum, value) => sum + value, 0)
    expect(trimmedGapArea).toBeGreaterThanOrEqual(200)
    expect(coverage.gaps.map((gap) => gap.area).sort((a, b) => a - b)).toEqual([400, missed.area, trimmedGapArea].sort((a, b) => a - b))
    const covered = new CoverageMap(WIDTH, HEIGHT)
    covered.add(bitmapFromFull(others, WIDTH, HEIGHT))
    covered.add(bitmapFromFull(background, WIDTH, HEIGHT))

    events = []
    const job = await backend.call('coverage:reseed', { imageId })
    expect(job).toMatchObject({ kind: 'propose', label: 'Re-seeding the gaps of scene-2.png' })
    const result = (await settleJob(job)).result as { images: number; proposals: number }
    expect(result.images).toBe(1)
    expect(named('masks:changed')).toEqual([{ imageIds: [imageId] }])

    const run = session.db.prepare("SELECT id, params FROM proposal_runs WHERE json_extract(params, '$.reseed') = 1").get() as {
      id: number
      params: string
    }
    const params = JSON.parse(run.params) as { pointGrids: { x: number; y: number }[][]; cropNLayers: number; pointsPerSide: null }
    expect(params).toMatchObject({ cropNLayers: 0, pointsPerSide: null })
    expect(params.pointGrids).toHaveLength(1)
    // The 64-point grid restricted to the gaps: a small fraction of 64², every point uncovered.
    expect(params.pointGrids[0]!.length).toBeGreaterThan(1)
    expect(params.pointGrids[0]!.length).toBeLessThan(64 * 64 * 0.2)
    for (const point of params.pointGrids[0]!) expect(covered.isCovered(point.x * WIDTH, point.y * HEIGHT)).toBe(false)

    const reseeded = (await backend.call('masks:list', { imageId })).filter((mask) => mask.source === 'auto')
    expect(reseeded.length).toBe(result.proposals)
    expect(reseeded.length).toBeGreaterThan(0)
    let coveredFractionMax = 0
    for (const mask of reseeded) {
      const pixels = decodeMask(decompressRle(mask.rle))
      let inside = 0
      pixels.forEach((value, index) => {
        if (value && covered.isCovered(index % WIDTH, Math.floor(index / WIDTH))) inside++
      })
      coveredFractionMax = Math.max(coveredFractionMax, inside / mask.area)
      const [point] = mask.prompt.points
      expect(covered.isCovered(point!.x, point!.y)).toBe(false)
    }
    expect(coveredFractionMax).toBeLessThanOrEqual(0.5)
    // The missed object is found again.
    const best = Math.max(...reseeded.map((mask) => maskIou(decodeMask(decompressRle(mask.rle)), missed.mask)))
    expect(best).toBeGreaterThan(0.7)
    expect((await codeOf(backend.call('coverage:reseed', { imageId: 9999 }))).code).toBe('not_found')
  })

  it('resumes an interrupted re-seed as a re-seed, and an interrupted detections job as a detections job', async () => {
    const session = backend.currentProject!
    const projectDir = session.paths.projectDir
    const imageId = ids[2]
    const insert = session.db.prepare(
      "INSERT INTO jobs (id, kind, label, state, params, created_at, updated_at) VALUES (?, 'propose', ?, 'running', ?, 'then', 'then')",
    )
    insert.run('reseed-job', 'Re-seeding the gaps of scene-2.png', JSON.stringify({ reseed: true, imageId, pointsPerSide: 16 }))
    insert.run('boxes-job', 'Proposing masks from detections', JSON.stringify({ boxes: join(dir, 'gone.json'), minScore: 0 }))
    const runsBefore = session.db.prepare('SELECT count(*) FROM proposal_runs').pluck().get() as number
    await backend.call('projects:close', {})
    await backend.call('projects:open', { projectDir })
    const reopened = backend.currentProject!
    const resumed = reopened.jobs.list()
    expect(resumed.map((job) => job.label)).toEqual([
      'Re-seeding the gaps of scene-2.png (resumed)',
      'Proposing masks from detections (resumed)',
    ])
    const [reseed, boxes] = await Promise.all(resumed.map((job) => reopened.jobs.wait(job.id)))
    expect(reseed).toMatchObject({ state: 'done', result: { images: 1, failed: 0 } })
    expect(boxes!.state).toBe('failed') // the detections file is gone: it did not propose over every image instead
    expect(boxes!.error).toMatch(/gone\.json|detections/)
    // A new re-seed run (a 16-point grid), nothing else.
    const runs = reopened.db.prepare('SELECT params FROM proposal_runs ORDER BY id').pluck().all() as string[]
    expect(runs).toHaveLength(runsBefore + 1)
    expect(JSON.parse(runs.at(-1)!)).toMatchObject({ reseed: true })
  })
})

/** The column from which the mask's right quarter of pixels lies (at most a third of it, at least 200 px). */
function trimCut(mask: Uint8Array): number {
  const columns = new Array<number>(WIDTH).fill(0)
  mask.forEach((value, index) => value && columns[index % WIDTH]!++)
  const area = columns.reduce((sum, n) => sum + n, 0)
  let right = 0
  for (let x = WIDTH - 1; x >= 0; x--) {
    right += columns[x]!
    if (right >= area / 4) return x
  }
  return 0
}

/** Top-left of a size × size square of background pixels far from `avoid` (a mask). */
function findBackgroundSquare(objects: Uint8Array, avoid: Uint8Array, size: number): { x: number; y: number } {
  const margin = 6
  for (let y = margin; y + size + margin <= HEIGHT; y += 4) {
    for (let x = margin; x + size + margin <= WIDTH; x += 4) {
      let clear = true
      for (let dy = -margin; dy < size + margin && clear; dy++) {
        for (let dx = -margin; dx < size + margin && clear; dx++) {
          const index = (y + dy) * WIDTH + (x + dx)
          if (objects[index] || avoid[index]) clear = false
        }
      }
      if (clear) return { x, y }
    }
  }
  throw new Error('no clear background square in the scene')
}
