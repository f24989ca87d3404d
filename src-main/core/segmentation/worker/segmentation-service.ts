/**
 * The main-thread face of segmentation: one worker thread holding the onnxruntime sessions, reached through
 * the typed, sequence-numbered protocol of protocol.ts.
 *
 * - One `on('message')` dispatcher per worker, installed when the worker starts; responses are matched to
 *   requests by sequence number, never by reassigning handlers.
 * - One request at a time in the worker (onnxruntime runs synchronously there); the queue lives here, so a
 *   queued request can be cancelled without the worker and interactive work goes first: load/unload, then
 *   predict, then encode, FIFO within each.
 * - Encodes take an AbortSignal. A queued encode is dropped; a running one is flagged through a
 *   SharedArrayBuffer the worker checks between stages (it stops before running the encoder when it can),
 *   and its promise rejects at once with code 'cancelled'.
 * - Errors reach the caller as SegmentationError with the worker's code. If the worker dies, pending
 *   requests fail with 'worker_failed' and the next call starts a fresh worker (the model must be loaded again).
 *
 * This file imports no onnxruntime: the native binding only ever loads in the worker.
 */
import { SegmentationError } from '../errors'
import type { SegmentationErrorCode } from '../errors'
import { isWorkerResponse } from './protocol'
import type {
  EmbeddingHandle,
  EncodeTimings,
  LoadModelOptions,
  LoadModelResult,
  PredictOptions,
  PredictResult,
  WorkerCallKind,
  WorkerCalls,
  WorkerRequest,
  WorkerResponse,
} from './protocol'
import type { RgbImage, SegmentationPrompt } from '../variants/types'

/** What the service needs of a worker: node:worker_threads' Worker, or the in-thread stand-in for tests. */
export interface WorkerLike {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void
  on(event: 'message', listener: (value: unknown) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  terminate(): Promise<number> | void
  ref?(): void
  unref?(): void
}

/** Starts a worker running segmentation-worker.ts (see worker-entry.ts and dev-worker.ts). */
export type WorkerFactory = () => WorkerLike

export interface SegmentationServiceOptions {
  readonly createWorker: WorkerFactory
}

export interface EncodeOptions {
  /** The image's content hash (the project's), the cache key; computed from the pixels when absent. */
  readonly imageHash?: string
  readonly signal?: AbortSignal
  /** Move the pixel buffer to the worker instead of copying it (the caller's array becomes unusable). */
  readonly transfer?: boolean
}

export type EncodedEmbedding = EmbeddingHandle & { readonly timings?: EncodeTimings }

const PRIORITY: Record<WorkerCallKind, number> = { load: 0, unload: 0, predict: 1, encode: 2 }

interface Job<K extends WorkerCallKind = WorkerCallKind> {
  readonly seq: number
  readonly kind: K
  readonly params: WorkerCalls[K]['params']
  readonly transfer: ArrayBuffer[]
  readonly resolve: (result: WorkerCalls[K]['result']) => void
  readonly reject: (error: SegmentationError) => void
  readonly cancelFlag?: Int32Array
  /** Set when the caller gave up; the worker's eventual response is then ignored. */
  settled: boolean
  detach?: () => void
}

export class SegmentationService {
  private worker: WorkerLike | null = null
  private readonly queue: Job[] = []
  private inFlight: Job | null = null
  private seq = 0
  private disposed = false

  constructor(private readonly options: SegmentationServiceOptions) {}

  /** Requests waiting or running. */
  get pendingCount(): number {
    return this.queue.length + (this.inFlight && !this.inFlight.settled ? 1 : 0)
  }

  loadModel(encoderPath: string, decoderPath: string, options: LoadModelOptions = {}): Promise<LoadModelResult> {
    return this.call('load', { encoderPath, decoderPath, options })
  }

  unloadModel(): Promise<null> {
    return this.call('unload', {})
  }

  async encode(image: RgbImage, options: EncodeOptions = {}): Promise<EncodedEmbedding> {
    // A view into a larger buffer would drag the whole buffer along: send a compact copy then.
    const compact = image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength
    const data = compact ? image.data : image.data.slice()
    const transfer = options.transfer && data.buffer instanceof ArrayBuffer ? [data.buffer] : []
    const cancelFlag = new SharedArrayBuffer(4)
    const params = {
      image: { data, width: image.width, height: image.height },
      cancelFlag,
      ...(options.imageHash !== undefined ? { imageHash: options.imageHash } : {}),
    }
    const { handle, timings } = await this.call('encode', params, transfer, options.signal, new Int32Array(cancelFlag))
    return timings ? { ...handle, timings } : handle
  }

  predict(
    handle: Pick<EmbeddingHandle, 'imageHash' | 'modelHash'>,
    prompt: SegmentationPrompt,
    options: PredictOptions = {},
  ): Promise<PredictResult> {
    // mask_input is copied (the caller usually keeps showing that candidate).
    return this.call('predict', { imageHash: handle.imageHash, modelHash: handle.modelHash, prompt, options })
  }

  /** Stops the worker; pending requests fail with 'disposed'. */
  async dispose(): Promise<void> {
    this.disposed = true
    this.failAll('disposed', 'the segmentation service was disposed')
    const worker = this.worker
    this.worker = null
    if (worker) await worker.terminate()
  }

  private call<K extends WorkerCallKind>(
    kind: K,
    params: WorkerCalls[K]['params'],
    transfer: ArrayBuffer[] = [],
    signal?: AbortSignal,
    cancelFlag?: Int32Array,
  ): Promise<WorkerCalls[K]['result']> {
    if (this.disposed) return Promise.reject(new SegmentationError('disposed', 'the segmentation service was disposed'))
    if (signal?.aborted) return Promise.reject(cancelledError())
    return new Promise((resolve, reject) => {
      const job: Job<K> = {
        seq: ++this.seq,
        kind,
        params,
        transfer,
        resolve,
        reject,
        settled: false,
        ...(cancelFlag ? { cancelFlag } : {}),
      }
      if (signal) {
        const onAbort = (): void => this.cancel(job as unknown as Job)
        signal.addEventListener('abort', onAbort, { once: true })
        job.detach = () => signal.removeEventListener('abort', onAbort)
      }
      // Stable insertion by priority: after every job of the same or higher priority.
      const at = this.queue.findIndex((j) => PRIORITY[j.kind] > PRIORITY[kind])
      if (at < 0) this.queue.push(job as unknown as Job)
      else this.queue.splice(at, 0, job as unknown as Job)
      this.pump()
    })
  }

  private cancel(job: Job): void {
    if (job.settled) return
    const queued = this.queue.indexOf(job)
    if (queued >= 0) this.queue.splice(queued, 1)
    else if (job.cancelFlag) Atomics.store(job.cancelFlag, 0, 1)
    this.settle(job, () => job.reject(cancelledError()))
    this.pump()
  }

  private settle(job: Job, action: () => void): void {
    if (job.settled) return
    job.settled = true
    job.detach?.()
    action()
  }

  private pump(): void {
    if (this.inFlight || this.disposed) return
    const job = this.queue.shift()
    if (!job) {
      this.worker?.unref?.()
      return
    }
    let worker: WorkerLike
    try {
      worker = this.ensureWorker()
    } catch (error) {
      this.settle(job, () =>
        job.reject(new SegmentationError('worker_failed', `the segmentation worker could not start: ${messageOf(error)}`)),
      )
      this.pump()
      return
    }
    this.inFlight = job
    worker.ref?.()
    const request = { seq: job.seq, kind: job.kind, params: job.params } as WorkerRequest
    try {
      worker.postMessage(request, job.transfer)
    } catch (error) {
      this.inFlight = null
      this.settle(job, () => job.reject(new SegmentationError('internal', `could not send the request to the worker: ${messageOf(error)}`)))
      this.pump()
    }
  }

  private ensureWorker(): WorkerLike {
    if (this.worker) return this.worker
    const worker = this.options.createWorker()
    // The one dispatcher for this worker's lifetime.
    worker.on('message', (message) => this.onMessage(worker, message))
    worker.on('error', (error) => this.onWorkerDeath(worker, `the segmentation worker failed: ${error.message}`))
    worker.on('exit', (code) => this.onWorkerDeath(worker, `the segmentation worker exited (code ${code})`))
    this.worker = worker
    return worker
  }

  private onMessage(worker: WorkerLike, message: unknown): void {
    if (worker !== this.worker || !isWorkerResponse(message)) return
    const job = this.inFlight
    if (!job || job.seq !== message.seq) return
    this.inFlight = null
    const response = message as WorkerResponse
    this.settle(job, () => {
      if (response.ok) job.resolve(response.result as never)
      else job.reject(new SegmentationError(response.error.code as SegmentationErrorCode, response.error.message))
    })
    this.pump()
  }

  private onWorkerDeath(worker: WorkerLike, message: string): void {
    if (worker !== this.worker) return
    this.worker = null
    const job = this.inFlight
    this.inFlight = null
    if (job) this.settle(job, () => job.reject(new SegmentationError('worker_failed', message)))
    // Queued requests go to a fresh worker; a load among them restores the model.
    this.pump()
  }

  private failAll(code: SegmentationErrorCode, message: string): void {
    const jobs = [...(this.inFlight ? [this.inFlight] : []), ...this.queue]
    this.queue.length = 0
    this.inFlight = null
    for (const job of jobs) this.settle(job, () => job.reject(new SegmentationError(code, message)))
  }
}

function cancelledError(): SegmentationError {
  return new SegmentationError('cancelled', 'the request was cancelled')
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
