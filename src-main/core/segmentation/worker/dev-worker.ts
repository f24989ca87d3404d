/**
 * Worker factories for tests, benchmarks and scripts that run from TypeScript source.
 *
 * - `tsxWorkerFactory()`: a real worker thread. Its entry is tsx-bootstrap.mjs (plain JavaScript), which
 *   registers tsx's loader inside the new thread and imports segmentation-worker.ts. Vitest 4 transforms
 *   test files in its own process but not in worker threads they start, so a .ts entry cannot be given to
 *   `new Worker` directly; this works under vitest (pool forks), tsx and plain node.
 * - `inThreadWorkerFactory()`: the same protocol and engine on the calling thread, for places where a thread
 *   is not wanted. Messages are structured-cloned like a real worker's, but onnxruntime then runs on the
 *   caller's thread and blocks it: never use it where responsiveness matters.
 */
import { EventEmitter } from 'node:events'
import { Worker } from 'node:worker_threads'
import type { WorkerFactory, WorkerLike } from './segmentation-service'

export const TSX_BOOTSTRAP_URL = new URL('./tsx-bootstrap.mjs', import.meta.url)
export const WORKER_SOURCE_URL = new URL('./segmentation-worker.ts', import.meta.url)

export function tsxWorkerFactory(): WorkerFactory {
  return () => new Worker(TSX_BOOTSTRAP_URL, { workerData: { entry: WORKER_SOURCE_URL.href }, name: 'tessera-segmentation-dev' })
}

class InThreadWorker extends EventEmitter implements WorkerLike {
  private handler: Promise<(message: unknown) => void> | null = null
  private terminated = false

  postMessage(value: unknown, transferList: readonly ArrayBuffer[] = []): void {
    const copy = structuredClone(value, { transfer: [...transferList] })
    this.handler ??= this.start()
    void this.handler.then((handle) => setImmediate(() => this.terminated || handle(copy)))
  }

  private async start(): Promise<(message: unknown) => void> {
    const [{ SegmentationEngine }, { createWorkerHost }] = await Promise.all([import('./segmentation-engine'), import('./worker-host')])
    return createWorkerHost(new SegmentationEngine(), (response, transfer) => {
      const copy = structuredClone(response, { transfer })
      setImmediate(() => this.terminated || this.emit('message', copy))
    })
  }

  terminate(): Promise<number> {
    this.terminated = true
    setImmediate(() => this.emit('exit', 0))
    return Promise.resolve(0)
  }
}

export function inThreadWorkerFactory(): WorkerFactory {
  return () => new InThreadWorker()
}
