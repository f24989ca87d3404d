// Dev and test only: a worker entry in plain JavaScript that registers tsx's ESM loader for this thread,
// then imports the TypeScript worker module named in workerData.entry. tsx is a devDependency; the built
// app never loads this file (it uses worker-entry.ts).
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)
