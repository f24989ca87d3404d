/**
 * Runs the real backend core and web shell in this process on a temporary data folder, serving
 * the built renderer (npm run build must have run: test:e2e does it first).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Backend } from '../../../src-main/core/app/backend'
import { startWebShell, type WebShell } from '../../../src-main/web-shell/server'
import { testBackendOptions } from '../../support/test-backend'

export interface AppHarness {
  backend: Backend
  shell: WebShell
  dataDir: string
  close(): Promise<void>
}

export const RENDERER_DIR = resolve('out', 'renderer')

/** Creates a project from `imageRoot` in the running app and waits until its import finished. */
export async function createProject(app: AppHarness, name: string, imageRoot: string): Promise<void> {
  await app.backend.call('projects:create', { name, imageRoot })
  const session = app.backend.currentProject!
  await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
}

export async function startApp(): Promise<AppHarness> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('out/renderer is missing: run `npm run build` first.')
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-'))
  const backend = new Backend(testBackendOptions({ dataDir, transport: 'web-shell', version: 'e2e', actor: 'e2e-annotator' }))
  const shell = await startWebShell({ backend, rendererDir: RENDERER_DIR })
  return {
    backend,
    shell,
    dataDir,
    close: async () => {
      await shell.close()
      await backend.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
