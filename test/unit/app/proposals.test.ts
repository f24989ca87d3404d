/**
 * Proposals through the backend on the real worker with the demo segmenter: a propose job over a
 * small project, triaged masks listed per image, counts in the image list, a re-run that resumes
 * (skips finished images), and re-triage without running the model.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Backend } from '../../../src-main/core/app/backend'
import { generateScene } from '../../../src-main/core/demo/synthetic-scene'
import { decodeMask, decompressRle, encodeMask, rleToBbox } from '../../../src-main/core/masks'
import { presetSettings } from '../../../src-main/core/proposals/triage'
import { maskIou } from '../../support/mask-geometry'
import { testBackendOptions } from '../../support/test-backend'

let dir: string
let backend: Backend
const WIDTH = 320
const HEIGHT = 240
const scenes = [generateScene(11, WIDTH, HEIGHT, 4), generateScene(12, WIDTH, HEIGHT, 4)]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-proposals-'))
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
  backend = new Backend(testBackendOptions({ dataDir: join(dir, 'data'), transport: 'web-shell', version: 'test', actor: 'tester' }))
  await backend.call('projects:create', { name: 'Proposals', imageRoot: images })
  const session = backend.currentProject!
  await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
}, 60_000)

afterAll(async () => {
  await backend?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('proposals', () => {
  it('turns box detections (COCO JSON and YOLO labels) into triaged box-prompt proposals', async () => {
    const scene = scenes[1]!
    const target = [...scene.objects].filter((object) => object.parentId === null).sort((a, b) => b.area - a.area)[0]!
    const bbox = rleToBbox(encodeMask(target.mask, HEIGHT, WIDTH)) // COCO [x, y, w, h]
    const cocoFile = join(dir, 'detections.json')
    await writeFile(
      cocoFile,
      JSON.stringify({
        images: [{ id: 5, file_name: 'scene-1.png', width: WIDTH, height: HEIGHT }],
        annotations: [
          { image_id: 5, bbox, score: 0.9 },
          { image_id: 5, bbox: [0, 0, 3, 3], score: 0.05 },
        ],
      }),
    )
    const job = await backend.call('proposals:runBoxes', { path: cocoFile, minScore: 0.5 })
    const finished = await backend.currentProject!.jobs.wait(job.id)
    expect(finished.state).toBe('done')
    expect(finished.result).toMatchObject({ images: 1, proposals: 1, failed: 0 })
    const imageId = (await backend.call('images:list', { offset: 0, limit: 10 })).items.find((image) => image.relPath === 'scene-1.png')!.id
    const masks = await backend.call('masks:list', { imageId })
    expect(masks).toHaveLength(1)
    expect(maskIou(decodeMask(decompressRle(masks[0]!.rle)), target.mask)).toBeGreaterThan(0.8)
    const session = backend.currentProject!
    const prompt = JSON.parse(
      (session.db.prepare('SELECT prompt FROM masks WHERE id = ?').get(masks[0]!.id) as { prompt: string }).prompt,
    ) as { box: number[] }
    expect(prompt.box).toEqual([bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]])

    const yolo = join(dir, 'yolo')
    await mkdir(yolo)
    const [x, y, w, h] = bbox
    await writeFile(join(yolo, 'scene-0.txt'), `0 ${(x + w / 2) / WIDTH} ${(y + h / 2) / HEIGHT} ${w / WIDTH} ${h / HEIGHT} 0.8\n`)
    const yoloJob = await backend.call('proposals:runBoxes', { path: yolo })
    expect((await session.jobs.wait(yoloJob.id)).result).toMatchObject({ images: 1, proposals: 1 })
    await expect(backend.call('proposals:runBoxes', { path: join(dir, 'nothing-here.json') })).resolves.toBeDefined()
    const failedJob = (await backend.call('jobs:list', {})).at(-1)!
    const failed = await session.jobs.wait(failedJob.id)
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/no detections file/)
    // Box proposals are removed again so the grid-proposal tests below start from a clean state.
    session.db.prepare("DELETE FROM masks WHERE run_id IN (SELECT id FROM proposal_runs WHERE source = 'boxes')").run()
  })

  it('runs the generator over the project and stores triaged proposals', async () => {
    const job = await backend.call('proposals:run', { pointsPerSide: 8 })
    const finished = await backend.currentProject!.jobs.wait(job.id)
    expect(finished.state).toBe('done')
    const result = finished.result as {
      images: number
      proposals: number
      auto: number
      review: number
      discarded: number
      failed: number
      skipped: number
    }
    expect(result).toMatchObject({ images: 2, failed: 0, skipped: 0 })
    expect(result.proposals).toBeGreaterThan(0)
    expect(result.auto + result.review + result.discarded).toBe(result.proposals)

    const page = await backend.call('images:list', { offset: 0, limit: 10 })
    const first = page.items.find((image) => image.relPath === 'scene-0.png')!
    const masks = await backend.call('masks:list', { imageId: first.id })
    expect(masks.length).toBeGreaterThan(0)
    expect(first.autoCount).toBe(masks.filter((mask) => mask.state === 'auto_accepted').length)
    expect(first.reviewCount).toBe(masks.filter((mask) => mask.state === 'proposed').length)
    for (const mask of masks) {
      expect(mask.source).toBe('auto')
      expect(mask.rle.size).toEqual([HEIGHT, WIDTH])
      expect(mask.pointCoords).toHaveLength(1)
      expect(mask.cropBox).toEqual([0, 0, WIDTH, HEIGHT])
      expect(decodeMask(decompressRle(mask.rle)).reduce((sum, v) => sum + v, 0)).toBe(mask.area)
    }
    // The scene's largest object is among the kept proposals.
    const largest = [...scenes[0]!.objects].sort((a, b) => b.area - a.area)[0]!
    const best = Math.max(
      ...masks.filter((mask) => mask.state !== 'discarded').map((mask) => maskIou(decodeMask(decompressRle(mask.rle)), largest.mask)),
    )
    expect(best).toBeGreaterThan(0.7)
  })

  it('resumes: running again with the same model and parameters skips finished images', async () => {
    const job = await backend.call('proposals:run', { pointsPerSide: 8 })
    const finished = await backend.currentProject!.jobs.wait(job.id)
    expect(finished.result).toMatchObject({ images: 0, skipped: 2 })
  })

  it('re-triages stored proposals when the preset changes, without running the model', async () => {
    const before = await backend.call('proposals:triage', {})
    const total = before.counts.auto + before.counts.review + before.counts.discarded
    const strict = await backend.call('proposals:setTriage', { settings: presetSettings('high-precision') })
    expect(strict.counts.auto + strict.counts.review + strict.counts.discarded).toBe(total)
    expect(strict.counts.auto).toBeLessThanOrEqual(before.counts.auto)
    const loose = await backend.call('proposals:setTriage', { settings: presetSettings('maximum-coverage') })
    expect(loose.counts.auto).toBeGreaterThanOrEqual(before.counts.auto)
    expect(loose.settings.preset).toBe('maximum-coverage')
    await expect(
      backend.call('proposals:setTriage', { settings: { ...presetSettings('general'), maxAreaFraction: 0 } }),
    ).rejects.toMatchObject({ code: 'invalid_request' })
  })
})
