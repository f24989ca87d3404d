/**
 * The main-thread side of the worker protocol against a scripted fake worker: one dispatcher, sequence
 * numbers, priorities, cancellation of queued and running requests, worker death, disposal. Fast and
 * deterministic; the real worker thread is exercised in segmentation-worker.test.ts.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { SegmentationError, isSegmentationError } from '../../../src-main/core/segmentation/errors'
import { SegmentationService } from '../../../src-main/core/segmentation/worker/segmentation-service'
import type { WorkerLike } from '../../../src-main/core/segmentation/worker/segmentation-service'
import type { WorkerRequest, WorkerResponse } from '../../../src-main/core/segmentation/worker/protocol'

class FakeWorker extends EventEmitter implements WorkerLike {
  readonly received: WorkerRequest[] = []
  terminated = false
  postMessage(value: unknown): void {
    this.received.push(value as WorkerRequest)
  }
  terminate(): Promise<number> {
    this.terminated = true
    return Promise.resolve(0)
  }
  respond(response: WorkerResponse): void {
    this.emit('message', response)
  }
  /** Answers the last request with a generic success. */
  succeed(result: unknown = null): void {
    const last = this.received[this.received.length - 1] as WorkerRequest
    this.respond({ seq: last.seq, kind: last.kind, ok: true, result } as WorkerResponse)
  }
}

function rig(): { service: SegmentationService; workers: FakeWorker[] } {
  const workers: FakeWorker[] = []
  const service = new SegmentationService({
    createWorker: () => {
      const w = new FakeWorker()
      workers.push(w)
      return w
    },
  })
  return { service, workers }
}

const image = { data: new Uint8Array(12), width: 2, height: 2 }
const handle = { imageHash: 'image0001', modelHash: 'model0001' }
const prompt = { points: [{ x: 1, y: 1, label: 'foreground' as const }] }
const encodeResult = { handle: { ...handle, variant: 'sam-official', imageSize: { width: 2, height: 2 }, byteSize: 4, source: 'computed' } }
const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

async function settledError(p: Promise<unknown>): Promise<SegmentationError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SegmentationError)
  return error as SegmentationError
}

describe('SegmentationService protocol', () => {
  it('sends one request at a time with increasing sequence numbers, through a single message listener', async () => {
    const { service, workers } = rig()
    const a = service.encode(image)
    const b = service.encode(image)
    const w = workers[0] as FakeWorker
    expect(w.received.map((r) => r.kind)).toEqual(['encode'])
    expect(w.listenerCount('message')).toBe(1)
    w.succeed(encodeResult)
    await expect(a).resolves.toMatchObject({ imageHash: 'image0001', source: 'computed' })
    expect(w.received.map((r) => r.seq)).toEqual([1, 2])
    w.succeed(encodeResult)
    await b
    for (let i = 0; i < 5; i++) {
      const p = service.predict(handle, prompt)
      w.succeed({ candidates: [], timings: { feedsMs: 0, decoderMs: 0, postprocessMs: 0 } })
      await p
    }
    expect(w.listenerCount('message')).toBe(1)
    expect(workers).toHaveLength(1)
  })

  it('puts load and predict ahead of queued encodes', async () => {
    const { service, workers } = rig()
    const first = service.encode(image)
    const queuedEncode = service.encode(image)
    const predict = service.predict(handle, prompt)
    const load = service.loadModel('/e.onnx', '/d.onnx')
    const w = workers[0] as FakeWorker
    w.succeed(encodeResult)
    await first
    w.succeed({})
    await load
    w.succeed({ candidates: [], timings: {} })
    await predict
    w.succeed(encodeResult)
    await queuedEncode
    expect(w.received.map((r) => r.kind)).toEqual(['encode', 'load', 'predict', 'encode'])
  })

  it('delivers worker errors with their code, and ignores responses for unknown sequence numbers', async () => {
    const { service, workers } = rig()
    const p = service.predict(handle, prompt)
    const w = workers[0] as FakeWorker
    w.respond({ seq: 999, kind: 'predict', ok: true, result: { candidates: [], timings: {} } } as unknown as WorkerResponse)
    w.emit('message', { nonsense: true })
    w.respond({ seq: 1, kind: 'predict', ok: false, error: { code: 'embedding_not_found', message: 'gone' } })
    const error = await settledError(p)
    expect(error.code).toBe('embedding_not_found')
    expect(error.message).toBe('gone')
  })

  it('cancels a queued encode without sending it', async () => {
    const { service, workers } = rig()
    const running = service.encode(image)
    const controller = new AbortController()
    const queued = service.encode(image, { signal: controller.signal })
    controller.abort()
    expect((await settledError(queued)).code).toBe('cancelled')
    const w = workers[0] as FakeWorker
    w.succeed(encodeResult)
    await running
    await tick()
    expect(w.received.map((r) => r.kind)).toEqual(['encode'])
    expect(service.pendingCount).toBe(0)
  })

  it('cancels a running encode at once, flags it for the worker, and ignores its late result', async () => {
    const { service, workers } = rig()
    const controller = new AbortController()
    const running = service.encode(image, { signal: controller.signal })
    const next = service.predict(handle, prompt)
    const w = workers[0] as FakeWorker
    const request = w.received[0] as Extract<WorkerRequest, { kind: 'encode' }>
    const flag = new Int32Array(request.params.cancelFlag)
    expect(Atomics.load(flag, 0)).toBe(0)
    controller.abort()
    expect((await settledError(running)).code).toBe('cancelled')
    expect(Atomics.load(flag, 0)).toBe(1)
    // The worker is still busy with it: the predict waits for the worker's (ignored) answer.
    expect(w.received).toHaveLength(1)
    w.respond({ seq: request.seq, kind: 'encode', ok: false, error: { code: 'cancelled', message: 'the encode was cancelled' } })
    expect(w.received.map((r) => r.kind)).toEqual(['encode', 'predict'])
    w.succeed({ candidates: [], timings: {} })
    await next
  })

  it('rejects at once when the signal is already aborted', async () => {
    const { service, workers } = rig()
    const controller = new AbortController()
    controller.abort()
    expect((await settledError(service.encode(image, { signal: controller.signal }))).code).toBe('cancelled')
    expect(workers).toHaveLength(0)
  })

  it('fails the running request with worker_failed when the worker dies, and starts a fresh worker for the next', async () => {
    const { service, workers } = rig()
    const running = service.encode(image)
    const queued = service.loadModel('/e.onnx', '/d.onnx')
    const first = workers[0] as FakeWorker
    first.emit('error', new Error('segfault in a kernel'))
    first.emit('exit', 1)
    const error = await settledError(running)
    expect(error.code).toBe('worker_failed')
    expect(error.message).toMatch(/segfault/)
    const second = workers[1] as FakeWorker
    expect(second.received.map((r) => r.kind)).toEqual(['load'])
    second.succeed({})
    await queued
  })

  it('dispose rejects everything pending with disposed and terminates the worker', async () => {
    const { service, workers } = rig()
    const a = service.encode(image)
    const b = service.predict(handle, prompt)
    await service.dispose()
    expect((await settledError(a)).code).toBe('disposed')
    expect((await settledError(b)).code).toBe('disposed')
    expect(workers[0]?.terminated).toBe(true)
    expect(isSegmentationError(await settledError(service.encode(image)), 'disposed')).toBe(true)
  })

  it('sends a compact copy of a pixel view, or transfers the buffer when asked', async () => {
    const { service, workers } = rig()
    const big = new Uint8Array(100)
    const view = big.subarray(10, 22)
    void service.encode({ data: view, width: 2, height: 2 })
    const w = workers[0] as FakeWorker
    const sent = (w.received[0] as Extract<WorkerRequest, { kind: 'encode' }>).params.image.data
    expect(sent.byteLength).toBe(12)
    expect(sent.buffer.byteLength).toBe(12)
    expect(view.byteLength).toBe(12)
  })

  it('the production worker entry can be imported outside the electron-vite build and refuses clearly', async () => {
    const { productionWorkerFactory } = await import('../../../src-main/core/segmentation/worker/worker-entry')
    expect(() => productionWorkerFactory()).toThrow(/electron-vite build/)
  })
})
