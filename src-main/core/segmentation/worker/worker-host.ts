/**
 * The worker side of the protocol: validates requests, runs them on the engine one at a time, and posts
 * exactly one response per request (result or error payload with a code), transferring result buffers.
 */
import { toSegmentationErrorPayload } from '../errors'
import { isWorkerRequest } from './protocol'
import type { WorkerRequest, WorkerResponse } from './protocol'
import { transferablesOf } from './segmentation-engine'
import type { SegmentationEngine } from './segmentation-engine'

export type PostResponse = (response: WorkerResponse, transfer: ArrayBuffer[]) => void

export function createWorkerHost(engine: SegmentationEngine, post: PostResponse): (message: unknown) => void {
  // Requests run strictly in arrival order, even if a caller does not wait for responses.
  let chain: Promise<void> = Promise.resolve()
  return (message) => {
    if (!isWorkerRequest(message)) {
      const seq = typeof (message as { seq?: unknown } | null)?.seq === 'number' ? (message as { seq: number }).seq : -1
      post({ seq, kind: 'unload', ok: false, error: { code: 'internal', message: 'the worker received a malformed request' } }, [])
      return
    }
    chain = chain.then(() => handle(engine, message, post))
  }
}

async function handle(engine: SegmentationEngine, request: WorkerRequest, post: PostResponse): Promise<void> {
  const { seq } = request
  try {
    switch (request.kind) {
      case 'load':
        post({ seq, kind: 'load', ok: true, result: await engine.load(request.params) }, [])
        return
      case 'encode': {
        const flag = new Int32Array(request.params.cancelFlag)
        const result = await engine.encode(request.params, () => Atomics.load(flag, 0) !== 0)
        post({ seq, kind: 'encode', ok: true, result }, [])
        return
      }
      case 'predict': {
        const result = await engine.predict(request.params)
        post({ seq, kind: 'predict', ok: true, result }, transferablesOf(result))
        return
      }
      case 'unload':
        await engine.unload()
        post({ seq, kind: 'unload', ok: true, result: null }, [])
        return
    }
  } catch (error) {
    post({ seq, kind: request.kind, ok: false, error: toSegmentationErrorPayload(error) }, [])
  }
}
