/**
 * Entry of the segmentation worker thread. Built as its own file by electron-vite (see worker-entry.ts)
 * and loaded from TypeScript source through tsx in tests and dev (dev-worker.ts).
 */
import { isMainThread, parentPort } from 'node:worker_threads'
import { SegmentationEngine } from './segmentation-engine'
import { createWorkerHost } from './worker-host'

if (!isMainThread && parentPort) {
  const port = parentPort
  const host = createWorkerHost(new SegmentationEngine(), (response, transfer) => port.postMessage(response, transfer))
  port.on('message', host)
}
