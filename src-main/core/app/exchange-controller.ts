/**
 * Export and import from the app: previews of what an export would write, and exports and imports as
 * jobs with progress and cancel. The work itself is the exchange core's (the CLI uses it too).
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ExchangeSummary, ExportFilterInput, ExportImagesInput, JobInfo } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import {
  ExportSelection,
  exportCoco,
  exportSa1b,
  importFiles,
  writeBundle,
  type ExportFilter,
  type ExportFrame,
  type ImageSelection,
} from '../exchange'
import { actorName, type Actor } from '../project/actor'
import type { ProjectSession } from '../project/project-session'

export function toExportFilter(input: ExportFilterInput): ExportFilter {
  return {
    ...(input.states ? { states: input.states } : {}),
    ...(input.minPredictedIou !== undefined ? { minPredictedIou: input.minPredictedIou } : {}),
    ...(input.minStabilityScore !== undefined ? { minStabilityScore: input.minStabilityScore } : {}),
    ...(input.minArea !== undefined ? { minArea: input.minArea } : {}),
    ...(input.maxArea !== undefined ? { maxArea: input.maxArea } : {}),
    ...(input.maxRelativeArea !== undefined ? { maxRelativeArea: input.maxRelativeArea } : {}),
    images: toImageSelection(input.images ?? 'all'),
  }
}

function toImageSelection(input: ExportImagesInput): ImageSelection {
  if (input === 'done') return { kind: 'status', status: 'done' }
  if (input === 'all') return { kind: 'all' }
  if ('ids' in input) return { kind: 'ids', ids: input.ids }
  return { kind: 'audit', auditId: input.auditId }
}

/**
 * Progress of work that runs before a project (and so a job runner) exists, such as checking and
 * unpacking a work package: reported as job events of their own, so the app shows them like a job.
 */
export function phaseProgress(
  label: string,
  emit: (info: JobInfo) => void,
): { progress(done: number, total: number): void; finish(error?: unknown): void } {
  const info: JobInfo = {
    id: randomUUID(),
    kind: 'exchange-import',
    label,
    state: 'running',
    done: 0,
    total: 0,
    etaSeconds: null,
    error: null,
    result: null,
  }
  const started = Date.now()
  let last = 0
  emit({ ...info })
  return {
    progress(done, total) {
      info.done = done
      info.total = total
      const now = Date.now()
      // At most ten events a second (as the job runner).
      if (now - last < 100) return
      last = now
      const rate = done / Math.max(1, (now - started) / 1000)
      info.etaSeconds = done > 0 && total > done ? (total - done) / rate : null
      emit({ ...info })
    },
    finish(error) {
      info.state = error === undefined ? 'done' : 'failed'
      info.error = error === undefined ? null : error instanceof Error ? error.message : String(error)
      info.etaSeconds = null
      emit({ ...info })
    },
  }
}

export class ExchangeController {
  constructor(
    private readonly session: ProjectSession,
    private readonly actor: Actor,
    private readonly version: string,
    private readonly onImagesChanged: () => void,
  ) {}

  /** Unknown image ids or audit: the same specific error the export would give (`unknown_image`, `unknown_audit`). */
  preview(input: ExportFilterInput): { images: number; masks: number; imagesWithMasks: number } {
    const selection = new ExportSelection(this.session.db, toExportFilter(input))
    selection.validate()
    return selection.counts()
  }

  startExport(
    format: 'sa1b' | 'coco' | 'bundle',
    target: string,
    input: ExportFilterInput,
    includeImages = false,
    frame: ExportFrame = 'annotation',
    label = `Exporting ${format === 'sa1b' ? 'SA-1B' : format === 'coco' ? 'COCO' : 'a bundle'}`,
  ): JobInfo {
    if (format === 'bundle' && frame !== 'annotation')
      throw new AppError('invalid_request', 'Bundles are always written at annotation size; choose SA-1B or COCO for the original size.')
    const filter = toExportFilter(input)
    return this.session.jobs.start({
      kind: 'export',
      label,
      // Everything needed to run it again after a restart (see resumers).
      params: { format, target, filter: input, includeImages, frame },
      run: async ({ signal, progress }): Promise<ExchangeSummary> => {
        // The default target sits in the project's exports/ folder, made on first use.
        await mkdir(dirname(target), { recursive: true })
        const common = { filter, signal, onProgress: progress }
        const dataset = { ...common, frame, ...(includeImages ? { imageFiles: this.session.paths } : {}) }
        const result =
          format === 'sa1b'
            ? await exportSa1b(this.session.db, target, dataset)
            : format === 'coco'
              ? await exportCoco(this.session.db, target, dataset)
              : await writeBundle(this.session.db, target, {
                  ...common,
                  exporter: { name: 'tessera', version: this.version },
                  actor: actorName(this.actor),
                  includeImages,
                })
        const counts =
          'manifest' in result
            ? { images: result.manifest.counts.images, masks: result.manifest.counts.masks }
            : { images: result.images, masks: result.masks }
        return { direction: 'export', ...counts, target, unmatched: 0 }
      },
    })
  }

  /**
   * Imports bundles and annotation files as one job, all or nothing (core/exchange/import-files.ts).
   * Progress: each file is one share of the bar (its verification), then the commit.
   */
  startImport(paths: readonly string[], as: 'proposals' | 'gold' = 'proposals', label = 'Importing annotations'): JobInfo {
    return this.session.jobs.start({
      kind: 'exchange-import',
      label,
      params: { paths, as },
      run: async ({ signal, progress }): Promise<ExchangeSummary> => {
        const SHARE = 1000
        const result = await importFiles(this.session.db, paths, {
          actor: actorName(this.actor),
          as,
          signal,
          onProgress: (part, done, total) =>
            progress(part.index * SHARE + Math.round((SHARE * done) / Math.max(1, total)), part.parts * SHARE),
        })
        const summary: ExchangeSummary = { direction: 'import', images: 0, masks: 0, target: null, unmatched: 0 }
        for (const counts of [...result.bundles.map((bundle) => bundle.result), ...(result.annotations ? [result.annotations] : [])]) {
          summary.images += counts.images
          summary.masks += counts.masksAdded
          summary.unmatched += counts.unmatched.count
        }
        this.onImagesChanged()
        return summary
      },
    })
  }

  /**
   * How interrupted export and import jobs run again when the project is opened after a crash or
   * quit (ProjectSession.resumeInterrupted). Both start over from their parameters: an export
   * rewrites its `.partial` files from the beginning (what an older run left there is overwritten,
   * and the project may have changed since), and an import's commit was all or nothing, so running
   * it again either imports everything or, when the commit had landed, adds nothing twice.
   */
  resumers(): Record<'export' | 'exchange-import', (label: string, params: Record<string, unknown>) => JobInfo> {
    return {
      export: (label, params) => {
        const { format, target, filter, includeImages, frame } = params as {
          format: 'sa1b' | 'coco' | 'bundle'
          target: string
          filter?: ExportFilterInput
          includeImages?: boolean
          frame?: ExportFrame
        }
        return this.startExport(format, target, filter ?? {}, includeImages ?? false, frame ?? 'annotation', label)
      },
      'exchange-import': (label, params) => {
        const { paths, as } = params as { paths: string[]; as?: 'proposals' | 'gold' }
        return this.startImport(paths, as ?? 'proposals', label)
      },
    }
  }
}
