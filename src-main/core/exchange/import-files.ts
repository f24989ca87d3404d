/**
 * Importing several files at once, of mixed kinds (bundles and SA-1B / COCO annotation files), all
 * or nothing: every file is verified and staged first; only when all are good are they committed,
 * together in ONE transaction. A bad file refuses the whole import with an error that names it, and
 * the project is left exactly as it was. Used by `tessera import` and the app's import job.
 */
import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import type { ProjectDb } from '../project/database'
import { ExchangeError, throwIfAborted } from './exchange-error'
import { prepareAnnotationImport, type AnnotationImportResult } from './import-annotations'
import { prepareBundleImport, type BundleImportResult } from './import-bundle'
import type { PreparedImport } from './import-stage'

export interface FilesImportOptions {
  actor: string
  /** How annotation files are stored (bundles keep their own states). */
  as?: 'proposals' | 'gold'
  signal?: AbortSignal
  /** Progress of one part (a bundle, or all annotation files together), by its label. */
  onProgress?: (part: { label: string; index: number; parts: number }, done: number, total: number) => void
}

export interface FilesImportResult {
  bundles: { path: string; result: BundleImportResult }[]
  annotations: AnnotationImportResult | null
}

export function isBundlePath(path: string): boolean {
  return extname(path).toLowerCase() === '.zip'
}

/** The error of one file, with the file named (unless the message names it already). */
function naming(error: unknown, file: string): unknown {
  if (!(error instanceof ExchangeError) || error.message.includes(file)) return error
  return new ExchangeError(error.reason, `${file}: ${error.message}`)
}

export async function importFiles(db: ProjectDb, paths: readonly string[], options: FilesImportOptions): Promise<FilesImportResult> {
  const bundles = paths.filter(isBundlePath)
  const files = paths.filter((path) => !isBundlePath(path))
  const parts = bundles.length + (files.length > 0 ? 1 : 0)
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new ExchangeError('unreadable_file', `${path} cannot be read (${error.code ?? error.message}); nothing was imported.`)
    })
    if (!info.isFile()) throw new ExchangeError('unreadable_file', `${path} is not a file; nothing was imported.`)
  }
  const prepared: PreparedImport<unknown>[] = []
  try {
    const bundleParts: { path: string; prepared: PreparedImport<BundleImportResult> }[] = []
    for (const [index, path] of bundles.entries()) {
      const part = { label: path, index, parts }
      const bundle = await prepareBundleImport(db, path, {
        actor: options.actor,
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.(part, done, total),
      }).catch((error: unknown) => {
        throw naming(error, path)
      })
      prepared.push(bundle)
      bundleParts.push({ path, prepared: bundle })
    }
    let annotations: PreparedImport<AnnotationImportResult> | null = null
    if (files.length > 0) {
      const part = { label: files.length === 1 ? (files[0] as string) : `${files.length} annotation files`, index: bundles.length, parts }
      // Messages of the annotation importer name their file already.
      annotations = await prepareAnnotationImport(db, files, {
        actor: options.actor,
        as: options.as ?? 'proposals',
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.(part, done, total),
      })
      prepared.push(annotations)
    }
    throwIfAborted(options.signal, 'The import')
    return db.transaction(() => ({
      bundles: bundleParts.map(({ path, prepared: bundle }) => ({ path, result: bundle.commit() })),
      annotations: annotations?.commit() ?? null,
    }))()
  } finally {
    for (const part of prepared) await part.dispose()
  }
}
