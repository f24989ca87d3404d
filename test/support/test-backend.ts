/** Backend options for tests: the real segmentation worker run from TypeScript source, the repo's resources. */
import { resolve } from 'node:path'
import type { BackendOptions } from '../../src-main/core/app/backend'
import { tsxWorkerFactory } from '../../src-main/core/segmentation/worker/dev-worker'

export function testBackendOptions(
  options: Pick<BackendOptions, 'dataDir' | 'transport' | 'version'> & Partial<BackendOptions>,
): BackendOptions {
  return { createSegmentationWorker: tsxWorkerFactory(), resourcesDir: resolve('resources'), ...options }
}
