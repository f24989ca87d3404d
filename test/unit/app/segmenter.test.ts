/**
 * Interactive segmentation through the backend, on the real worker thread and onnxruntime-node with
 * the bundled demo segmenter: model registration, embeddings, a click → candidates as COCO RLE,
 * refinement, and specific errors for broken model files.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Backend } from '../../../src-main/core/app/backend'
import { generateScene } from '../../../src-main/core/demo/synthetic-scene'
import { decodeMask, decompressRle } from '../../../src-main/core/masks'
import { buildDemoModel } from '../../../src-main/core/segmentation/demo-model/build-demo-model'
import { withExternalData } from '../../../src-main/core/segmentation/onnx-graph'
import { maskCentroid, maskIou } from '../../support/mask-geometry'
import { testBackendOptions } from '../../support/test-backend'

let dir: string
let backend: Backend
let imageId: number
let truth: { mask: Uint8Array; cx: number; cy: number }
const WIDTH = 600
const HEIGHT = 400

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-segmenter-'))
  const images = join(dir, 'images')
  await mkdir(images)
  const scene = generateScene(4242, WIDTH, HEIGHT, 5)
  // The target: the largest convex object without parts (its centroid is inside it).
  const target = scene.objects
    .filter(
      (object) =>
        ['disk', 'ellipse', 'rectangle'].includes(object.kind) &&
        object.parentId === null &&
        !scene.objects.some((other) => other.parentId === object.id),
    )
    .sort((a, b) => b.area - a.area)[0]!
  const centroid = maskCentroid(target.mask, WIDTH)!
  truth = { mask: target.mask, cx: Math.round(centroid.x), cy: Math.round(centroid.y) }
  await writeFile(
    join(images, 'scene.png'),
    await sharp(scene.rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .png()
      .toBuffer(),
  )
  backend = new Backend(testBackendOptions({ dataDir: join(dir, 'data'), transport: 'web-shell', version: 'test', actor: 'tester' }))
  await backend.call('projects:create', { name: 'Segmenter', imageRoot: images })
  const session = backend.currentProject!
  await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
  imageId = (await backend.call('images:list', { offset: 0, limit: 1 })).items[0]!.id
}, 60_000)

afterAll(async () => {
  await backend?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the segmenter', () => {
  it('registers the bundled demo segmenter as the active model', async () => {
    const models = await backend.call('models:list', {})
    expect(models).toHaveLength(1)
    expect(models[0]).toMatchObject({ bundled: true, active: true, variant: 'sam-official' })
    expect(models[0]!.name).toMatch(/demo/i)
    expect(models[0]!.encoderSha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('encodes on demand and reports the embedding ready in the image list', async () => {
    expect((await backend.call('images:get', { imageId })).embeddingReady).toBe(false)
    const first = await backend.call('embeddings:prepare', { imageId })
    expect(['encoding', 'ready']).toContain(first.state)
    await expect.poll(async () => (await backend.call('embeddings:prepare', { imageId })).state, { timeout: 30_000 }).toBe('ready')
    expect((await backend.call('images:get', { imageId })).embeddingReady).toBe(true)
    const status = await backend.call('segmenter:status', {})
    expect(status).toMatchObject({ state: 'ready', provider: 'cpu' })
    expect(status.providersTried.some((attempt) => attempt.provider === 'cpu' && attempt.used)).toBe(true)
  })

  it('turns a click on an object into candidates whose best mask covers that object', async () => {
    const result = await backend.call('segment:predict', { imageId, points: [{ x: truth.cx + 0.5, y: truth.cy + 0.5, label: 'positive' }] })
    expect(result.candidates).toHaveLength(3)
    const best = result.candidates[result.best]!
    expect(best.rle.size).toEqual([HEIGHT, WIDTH])
    const mask = decodeMask(decompressRle(best.rle))
    expect(mask[truth.cy * WIDTH + truth.cx]).toBe(1)
    expect(maskIou(mask, truth.mask)).toBeGreaterThan(0.8)
    expect(best.area).toBe(mask.reduce((sum, value) => sum + value, 0))
    expect(best.stabilityScore).toBeGreaterThan(0)
    expect(best.stabilityScore).toBeLessThanOrEqual(1)
    for (const candidate of result.candidates) expect(candidate.predictedIou).toBeGreaterThanOrEqual(0)
  })

  it('refines from a candidate and forgets unknown handles with a clear error', async () => {
    const first = await backend.call('segment:predict', { imageId, points: [{ x: truth.cx, y: truth.cy, label: 'positive' }] })
    const refined = await backend.call('segment:predict', {
      imageId,
      points: [{ x: truth.cx, y: truth.cy, label: 'positive' }],
      refineFrom: first.candidates[first.best]!.handle,
    })
    expect(refined.candidates.length).toBeGreaterThan(0)
    await expect(
      backend.call('segment:predict', { imageId, points: [{ x: 1, y: 1, label: 'positive' }], refineFrom: '999.9' }),
    ).rejects.toMatchObject({ code: 'not_found' })
    await expect(backend.call('segment:predict', { imageId, points: [] })).rejects.toMatchObject({ code: 'invalid_request' })
  })

  it('refuses a corrupt model file with a specific error and keeps the active model working', async () => {
    const encoder = join(dir, 'broken-encoder.onnx')
    await writeFile(encoder, Buffer.from('this is not an onnx graph'))
    const decoder = resolve('resources/models/demo-segmenter/decoder.onnx')
    await expect(backend.call('models:add', { encoderPath: encoder, decoderPath: decoder })).rejects.toMatchObject({
      code: 'model_invalid',
    })
    await expect(backend.call('models:add', { encoderPath: join(dir, 'nope.onnx'), decoderPath: decoder })).rejects.toMatchObject({
      code: 'model_missing',
    })
    expect(await backend.call('models:list', {})).toHaveLength(1)
    const result = await backend.call('segment:predict', { imageId, points: [{ x: truth.cx, y: truth.cy, label: 'positive' }] })
    expect(result.candidates.length).toBe(3)
  })

  it('adds a model whose weights are external data: hashed with its data file, same masks, specific errors', async () => {
    const demo = buildDemoModel()
    const folder = join(dir, 'external-model')
    await mkdir(folder)
    const external = withExternalData(demo.decoder, 'decoder.weights')
    expect(external.data.length).toBeGreaterThan(0)
    const encoder = join(folder, 'encoder.onnx')
    const decoder = join(folder, 'decoder.onnx')
    await writeFile(encoder, demo.encoder)
    await writeFile(decoder, external.graph)

    // The weights file is missing: say which file, where.
    await expect(backend.call('models:add', { encoderPath: encoder, decoderPath: decoder })).rejects.toMatchObject({
      code: 'model_missing',
      message: expect.stringMatching(/keeps its weights in “decoder\.weights”, which is missing from .*external-model/),
    })
    await writeFile(join(folder, 'decoder.weights'), external.data)
    const added = await backend.call('models:add', { encoderPath: encoder, decoderPath: decoder, name: 'external' })
    const models = await backend.call('models:list', {})
    const bundled = models.find((model) => model.bundled)!
    // Same graph and weights as the bundled decoder, stored otherwise: a hash of its own, covering both files.
    expect(added.decoderSha256).not.toBe(bundled.decoderSha256)
    expect(added.decoderBytes).toBe(external.graph.length + external.data.length)
    const prompt = { imageId, points: [{ x: truth.cx + 0.5, y: truth.cy + 0.5, label: 'positive' as const }] }
    const inline = await backend.call('segment:predict', prompt)
    await backend.call('models:activate', { modelId: added.id })
    const fromExternal = await backend.call('segment:predict', prompt)
    expect(fromExternal.candidates.map((c) => [c.rle, c.predictedIou])).toEqual(inline.candidates.map((c) => [c.rle, c.predictedIou]))
    await backend.call('models:activate', { modelId: bundled.id })

    // Other weights under the same graph file make another model.
    const altered = Buffer.from(external.data)
    altered.writeFloatLE(altered.readFloatLE(0) + 1, 0)
    await writeFile(join(folder, 'decoder.weights'), altered)
    await expect(backend.call('models:add', { encoderPath: encoder, decoderPath: decoder })).resolves.toMatchObject({
      decoderSha256: expect.not.stringMatching(added.decoderSha256),
    })

    // A location outside the model's folder is refused before onnxruntime reads anything.
    const escaping = withExternalData(demo.decoder, '../outside.weights')
    await writeFile(join(dir, 'outside.weights'), escaping.data)
    const escapingDecoder = join(folder, 'escaping-decoder.onnx')
    await writeFile(escapingDecoder, escaping.graph)
    await expect(backend.call('models:add', { encoderPath: encoder, decoderPath: escapingDecoder })).rejects.toMatchObject({
      code: 'model_invalid',
      message: expect.stringMatching(/names external data at “\.\.\/outside\.weights”, outside its folder/),
    })
  })

  it('encodes the whole project as a job that skips what is cached', async () => {
    const job = await backend.call('embeddings:encodeProject', {})
    const finished = await backend.currentProject!.jobs.wait(job.id)
    expect(finished.state).toBe('done')
    expect(finished.result).toEqual({ encoded: 0, cached: 1, failed: 0 })
  })
})
