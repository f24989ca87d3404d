/**
 * The production worker factory. electron-vite resolves the `?modulePath` import at build time: it bundles
 * segmentation-worker.ts as a separate file next to the main bundle and replaces the import with that file's
 * path (join(import.meta.dirname, …)), so nothing needs adding to electron.vite.config.ts and the path is right
 * whichever chunk this code lands in. It serves both the Electron main process and the web shell (same build).
 *
 * Only the built app may import this module: under vitest or tsx the suffix means nothing (the import would
 * load the worker module itself and yield no path). Tests and dev scripts use dev-worker.ts instead.
 */
import { Worker } from 'node:worker_threads'
import segmentationWorkerPath from './segmentation-worker?modulePath'
import type { WorkerFactory } from './segmentation-service'

export const productionWorkerFactory: WorkerFactory = () => {
  if (typeof segmentationWorkerPath !== 'string') {
    throw new Error('the segmentation worker path was not resolved by the electron-vite build; use dev-worker.ts outside the built app')
  }
  return new Worker(segmentationWorkerPath, { name: 'tessera-segmentation' })
}
