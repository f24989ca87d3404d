/**
 * The SegmentationService with a real worker thread running onnxruntime-node, started from TypeScript source
 * through tsx (dev-worker.ts): the bundled demo model end to end, execution-provider fallback, responsiveness
 * during a long encode, cancellation, the disk cache across restarts, and the errors callers see.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compressRle, encodeMask, rleArea, rleToSa1bBbox } from '../../../src-main/core/masks'
import { SegmentationError } from '../../../src-main/core/segmentation/errors'
import { stabilityCounts } from '../../../src-main/core/segmentation/sam-official/postprocess'
import { buildProbeModel, buildSlowEncoder } from '../../../src-main/core/segmentation/probe-models/build-probe-models'
import { inThreadWorkerFactory, tsxWorkerFactory } from '../../../src-main/core/segmentation/worker/dev-worker'
import { SegmentationService } from '../../../src-main/core/segmentation/worker/segmentation-service'
import { RETAINED_LOW_RES } from '../../../src-main/core/segmentation/worker/protocol'
import type { EmbeddingHandle } from '../../../src-main/core/segmentation/worker/protocol'
import { greyImage } from './probe-harness'
import { makeScene, maskIou } from './synthetic-scene'

const DEMO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources', 'models', 'demo-segmenter')
/** ≈3.2 GFLOP per MatMul: long enough to observe the main thread while it runs on any machine. */
const SLOW_MATMULS = 30

let dir: string
const file = (name: string): string => join(dir, name)

async function settledError(p: Promise<unknown>): Promise<SegmentationError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SegmentationError)
  return error as SegmentationError
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-segmentation-'))
  const probe = buildProbeModel('sam-official')
  await writeFile(file('probe-encoder.onnx'), probe.encoder)
  await writeFile(file('probe-decoder.onnx'), probe.decoder)
  await writeFile(file('slow-encoder.onnx'), buildSlowEncoder(SLOW_MATMULS))
  await writeFile(file('truncated-decoder.onnx'), probe.decoder.subarray(0, Math.floor(probe.decoder.length / 2)))
  await writeFile(file('not-onnx.onnx'), 'this is a text file, not a model')
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('SegmentationService with a worker thread', () => {
  const service = new SegmentationService({ createWorker: tsxWorkerFactory() })
  afterAll(() => service.dispose())
  const scene = makeScene()

  it('loads the bundled demo model: variant, providers tried with reasons, provider in use, threads', async () => {
    const result = await service.loadModel(join(DEMO, 'encoder.onnx'), join(DEMO, 'decoder.onnx'), { threads: 1, preferredProvider: 'cpu' })
    expect(result.variant).toBe('sam-official')
    expect(result.providerInUse).toBe('cpu')
    expect(result.decoderProvider).toBe('cpu')
    expect(result.threads).toBe(1)
    expect(result.providersTried.at(-1)).toEqual({ provider: 'cpu', used: true, reason: 'selected' })
    if (process.platform === 'linux')
      expect(result.providersTried[0]).toMatchObject({ provider: 'cuda', used: false, reason: expect.stringMatching(/not requested/) })
    expect(result.modelHash).toMatch(/^[0-9a-f]{64}$/)
    expect(result.capabilities).toEqual({ maskInput: true, maxPromptRows: null, multimaskCandidates: 3 })
  })

  it('encodes and predicts through the worker: the demo model segments the disk of a synthetic scene', async () => {
    const handle = await service.encode(scene.image)
    expect(handle).toMatchObject({
      variant: 'sam-official',
      imageSize: { width: 1500, height: 1000 },
      byteSize: 4 * 1024 * 1024,
      source: 'computed',
    })
    expect(handle.timings?.encoderMs).toBeGreaterThan(0)
    const { candidates, timings } = await service.predict(handle, { points: [{ x: 450, y: 500, label: 'foreground' }] })
    expect(candidates.map((c) => c.token)).toEqual([1, 2, 3])
    for (const c of candidates) {
      expect(c.logits).toBeInstanceOf(Float32Array)
      expect(c.logits.length).toBe(1500 * 1000)
      expect(c.lowResLogits?.length).toBe(256 * 256)
      expect(maskIou(c.mask, scene.diskMask)).toBeGreaterThanOrEqual(0.9)
    }
    expect(timings.decoderMs).toBeGreaterThan(0)
    // Refinement with the previous low-res logits crosses the boundary as a copy.
    const refined = await service.predict(
      handle,
      { points: [{ x: 450, y: 500, label: 'foreground' }], maskInput: candidates[1]?.lowResLogits ?? undefined },
      { multimask: false },
    )
    expect(refined.candidates.map((c) => c.token)).toEqual([0])
    expect(candidates[1]?.lowResLogits?.length).toBe(256 * 256)
    // The same image again comes from memory.
    expect((await service.encode(scene.image)).source).toBe('memory')
  })

  it('keeps refinement logits in the worker by name: refining by name equals refining with the logits sent over', async () => {
    const handle = await service.encode(scene.image)
    const click = { points: [{ x: 450, y: 500, label: 'foreground' as const }] }
    const first = await service.predict(handle, click, { output: 'rle', keepLowResAs: ['p1.0', 'p1.1', 'p1.2'] })
    expect(first.encoded?.map((c) => c.lowResLogits)).toEqual([null, null, null])
    const full = await service.predict(handle, click)
    const second = { points: [...click.points, { x: 600, y: 500, label: 'background' as const }] }
    const byName = await service.predict(handle, second, { output: 'rle', refineFrom: 'p1.1' })
    const sent = await service.predict(handle, { ...second, maskInput: full.candidates[1]!.lowResLogits! }, { output: 'rle' })
    expect(byName.encoded?.map((c) => c.rle)).toEqual(sent.encoded?.map((c) => c.rle))
    // Refining changes the answer (the logits were used), and an unknown name is a specific error.
    const plain = await service.predict(handle, second, { output: 'rle' })
    expect(byName.encoded?.map((c) => c.rle)).not.toEqual(plain.encoded?.map((c) => c.rle))
    expect((await settledError(service.predict(handle, second, { output: 'rle', refineFrom: 'never-kept' }))).code).toBe(
      'refinement_not_found',
    )
    // The oldest names are dropped past RETAINED_LOW_RES.
    for (let k = 0; k < RETAINED_LOW_RES / 3; k++) {
      await service.predict(handle, click, { output: 'rle', keepLowResAs: [`q${k}.0`, `q${k}.1`, `q${k}.2`] })
    }
    expect((await settledError(service.predict(handle, second, { output: 'rle', refineFrom: 'p1.1' }))).code).toBe('refinement_not_found')
    await expect(service.predict(handle, second, { output: 'rle', refineFrom: 'q0.0' })).resolves.toBeDefined()
  })

  it('encodes answers in the worker (SIMD upscale from the low-res logits) exactly as the graph’s full-resolution masks encode on this side', async () => {
    const handle = await service.encode(scene.image)
    const prompts = [
      { points: [{ x: 450, y: 500, label: 'foreground' as const }] },
      {
        points: [
          { x: 1100, y: 300, label: 'foreground' as const },
          { x: 1150, y: 330, label: 'background' as const },
        ],
      },
    ]
    for (const frame of [undefined, { width: 750, height: 500 }]) {
      for (const prompt of prompts) {
        for (const stabilityOffset of [1, 0.5]) {
          const options = { multimask: true, stabilityOffset, ...(frame ? { frame } : {}) }
          const full = await service.predict(handle, prompt, options)
          const encoded = await service.predict(handle, prompt, { ...options, output: 'rle' })
          const expected = full.candidates.map((c) => {
            const rle = encodeMask(c.mask, c.height, c.width)
            return {
              token: c.token,
              rle: compressRle(rle),
              area: rleArea(rle),
              bbox: rleToSa1bBbox(rle),
              counts: stabilityCounts(c.logits, Math.fround(stabilityOffset)),
            }
          })
          expect(
            encoded.encoded?.map((c) => ({
              token: c.token,
              rle: compressRle(c.rle),
              area: c.area,
              bbox: c.bbox,
              counts: c.stabilityCounts,
            })),
          ).toEqual(expected)
          expect(expected.some((c) => c.area > 1000)).toBe(true)
        }
      }
    }
  })

  it('falls back to CPU when the platform’s GPU provider cannot start, and says why', async () => {
    const result = await service.loadModel(join(DEMO, 'encoder.onnx'), join(DEMO, 'decoder.onnx'), {
      threads: 1,
      preferredProvider: 'auto',
    })
    const used = result.providersTried.filter((a) => a.used)
    expect(used).toHaveLength(1)
    expect(used[0]?.provider).toBe(result.providerInUse)
    if (result.providerInUse === 'cpu' && result.providersTried.length > 1) {
      const gpu = result.providersTried[0]
      expect(gpu?.used).toBe(false)
      expect(gpu?.reason.length).toBeGreaterThan(10)
      expect(result.providersTried.at(-1)?.reason).toMatch(/^fallback: /)
    }
  })

  let slowHandle: EmbeddingHandle | null = null

  it('keeps the main thread answering during a long encode', async () => {
    await service.loadModel(file('slow-encoder.onnx'), file('probe-decoder.onnx'), { threads: 1, preferredProvider: 'cpu' })
    const events: string[] = []
    let ticks = 0
    const interval = setInterval(() => ticks++, 2)
    const encoding = service.encode(greyImage(64, 64)).then((handle) => {
      slowHandle = handle
      events.push(`encode done after ${ticks} ticks`)
    })
    await new Promise((r) => setTimeout(r, 20))
    events.push('timer fired')
    await encoding
    clearInterval(interval)
    expect(events[0]).toBe('timer fired')
    expect(ticks).toBeGreaterThanOrEqual(5)
  })

  it('cancels a running encode before its encoder runs: rejected at once, nothing cached', async () => {
    const image = greyImage(64, 64, 10)
    const controller = new AbortController()
    const encoding = service.encode(image, { signal: controller.signal, imageHash: 'cancelled-before-run' })
    controller.abort()
    expect((await settledError(encoding)).code).toBe('cancelled')
    expect((await service.encode(image, { imageHash: 'cancelled-before-run' })).source).toBe('computed')
  })

  it('cancels a running encode mid-run at once, and a queued one without running it', async () => {
    const controller = new AbortController()
    const queuedController = new AbortController()
    const order: string[] = []
    const running = service.encode(greyImage(64, 64, 20), { signal: controller.signal })
    const queued = service.encode(greyImage(64, 64, 30), { signal: queuedController.signal, imageHash: 'queued-and-cancelled' })
    // Queued behind the running encode: it can only finish after the worker is done with it.
    if (!slowHandle) throw new Error('needs the embedding of the previous test')
    const after = service
      .predict(slowHandle, { points: [{ x: 10, y: 10, label: 'foreground' }] })
      .then(() => order.push('next request done'))
    await new Promise((r) => setTimeout(r, 50))
    controller.abort()
    queuedController.abort()
    const runningError = await settledError(running)
    order.push('cancelled')
    expect(runningError.code).toBe('cancelled')
    expect((await settledError(queued)).code).toBe('cancelled')
    await after
    expect(order).toEqual(['cancelled', 'next request done'])
    // The queued one never reached the worker.
    expect((await service.encode(greyImage(64, 64, 30), { imageHash: 'queued-and-cancelled' })).source).toBe('computed')
  })

  it('reports corrupt, truncated, missing and unrecognised model files with specific codes', async () => {
    const cpu = { preferredProvider: 'cpu' } as const
    const truncated = await settledError(service.loadModel(file('probe-encoder.onnx'), file('truncated-decoder.onnx'), cpu))
    expect(truncated.code).toBe('model_corrupt')
    expect(truncated.message).toContain('truncated-decoder.onnx')
    expect(truncated.message).toMatch(/decoder/)
    expect((await settledError(service.loadModel(file('not-onnx.onnx'), file('probe-decoder.onnx'), cpu))).code).toBe('model_corrupt')
    const missing = await settledError(service.loadModel(file('nope.onnx'), file('probe-decoder.onnx'), cpu))
    expect(missing.code).toBe('model_not_found')
    expect(missing.message).toContain('nope.onnx')
    expect((await settledError(service.loadModel(dir, file('probe-decoder.onnx'), cpu))).code).toBe('model_unreadable')
    const unknown = await settledError(service.loadModel(file('probe-encoder.onnx'), file('slow-encoder.onnx'), cpu))
    expect(unknown.code).toBe('unknown_model_signature')
    expect(unknown.message).toContain('input_image [1,3,1024,1024] float32')
    // A failed load leaves no model loaded.
    expect((await settledError(service.encode(greyImage(8, 8)))).code).toBe('no_model_loaded')
  })

  it('keeps working when a loaded model file is deleted, and says so on the next load', async () => {
    await copyFile(file('probe-encoder.onnx'), file('doomed-encoder.onnx'))
    await copyFile(file('probe-decoder.onnx'), file('doomed-decoder.onnx'))
    await service.loadModel(file('doomed-encoder.onnx'), file('doomed-decoder.onnx'), { preferredProvider: 'cpu' })
    const handle = await service.encode(greyImage(300, 200))
    await rm(file('doomed-encoder.onnx'))
    const { candidates } = await service.predict(handle, { points: [{ x: 100, y: 80, label: 'foreground' }] })
    expect(candidates).toHaveLength(3)
    const error = await settledError(
      service.loadModel(file('doomed-encoder.onnx'), file('doomed-decoder.onnx'), { preferredProvider: 'cpu' }),
    )
    expect(error.code).toBe('model_not_found')
    expect(error.message).toMatch(/deleted or moved after it was loaded/)
  })

  it('passes prompt and embedding errors through with their codes', async () => {
    await service.loadModel(file('probe-encoder.onnx'), file('probe-decoder.onnx'), { preferredProvider: 'cpu' })
    const handle = await service.encode(greyImage(300, 200))
    expect((await settledError(service.predict(handle, { points: [] }))).code).toBe('invalid_prompt')
    expect(
      (await settledError(service.predict({ ...handle, modelHash: 'another-model' }, { points: [{ x: 1, y: 1, label: 'foreground' }] })))
        .code,
    ).toBe('embedding_not_found')
    expect(
      (
        await settledError(
          service.predict(handle, { points: [{ x: 1, y: 1, label: 'foreground' }] }, { frame: { width: 300, height: 300 } }),
        )
      ).code,
    ).toBe('size_mismatch')
    expect((await settledError(service.encode({ data: new Uint8Array(5), width: 2, height: 2 }))).code).toBe('invalid_image')
    await service.unloadModel()
    expect((await settledError(service.predict(handle, { points: [{ x: 1, y: 1, label: 'foreground' }] }))).code).toBe('no_model_loaded')
  })
})

describe('embeddings on disk survive a restart', () => {
  it('a new worker finds the embedding in the cache folder', async () => {
    const cacheDir = join(dir, 'cache')
    const options = { preferredProvider: 'cpu' as const, cacheDir }
    const first = new SegmentationService({ createWorker: tsxWorkerFactory() })
    await first.loadModel(file('probe-encoder.onnx'), file('probe-decoder.onnx'), options)
    const image = greyImage(300, 200, 77)
    expect((await first.encode(image, { imageHash: 'content-hash-1' })).source).toBe('computed')
    await first.dispose()
    const second = new SegmentationService({ createWorker: tsxWorkerFactory() })
    try {
      await second.loadModel(file('probe-encoder.onnx'), file('probe-decoder.onnx'), options)
      const handle = await second.encode(image, { imageHash: 'content-hash-1' })
      expect(handle.source).toBe('disk')
      expect((await second.predict(handle, { points: [{ x: 100, y: 80, label: 'foreground' }] })).candidates).toHaveLength(3)
    } finally {
      await second.dispose()
    }
  })
})

describe('in-thread fallback', () => {
  it('runs the same protocol and engine without a thread', async () => {
    const service = new SegmentationService({ createWorker: inThreadWorkerFactory() })
    try {
      const loaded = await service.loadModel(file('probe-encoder.onnx'), file('probe-decoder.onnx'), { preferredProvider: 'cpu' })
      expect(loaded.variant).toBe('sam-official')
      const handle = await service.encode(greyImage(300, 200))
      const { candidates } = await service.predict(handle, { points: [{ x: 100, y: 80, label: 'foreground' }] })
      expect(candidates.map((c) => c.token)).toEqual([1, 2, 3])
      expect((await settledError(service.predict(handle, { points: [] }))).code).toBe('invalid_prompt')
    } finally {
      await service.dispose()
    }
  })
})
