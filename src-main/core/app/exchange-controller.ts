/**
 * Export and import from the app: previews of what an export would write, and exports and imports as
 * jobs with progress and cancel. The work itself is the exchange core's (the CLI uses it too).
 */
import type { ExchangeSummary, ExportFilterInput, JobInfo } from '../../../src-preload/contract/dto'
import { ExportSelection, exportCoco, exportSa1b, importAnnotationFiles, importBundle, writeBundle, type ExportFilter } from '../exchange'
import type { ProjectSession } from '../project/project-session'

export function toExportFilter(input: ExportFilterInput): ExportFilter {
  return {
    ...(input.states ? { states: input.states } : {}),
    ...(input.minPredictedIou !== undefined ? { minPredictedIou: input.minPredictedIou } : {}),
    ...(input.minStabilityScore !== undefined ? { minStabilityScore: input.minStabilityScore } : {}),
    ...(input.minArea !== undefined ? { minArea: input.minArea } : {}),
    ...(input.maxArea !== undefined ? { maxArea: input.maxArea } : {}),
    ...(input.maxRelativeArea !== undefined ? { maxRelativeArea: input.maxRelativeArea } : {}),
    images: input.images === 'done' ? { kind: 'status', status: 'done' } : { kind: 'all' },
  }
}

export class ExchangeController {
  constructor(
    private readonly session: ProjectSession,
    private readonly actor: string,
    private readonly version: string,
    private readonly onImagesChanged: () => void,
  ) {}

  preview(input: ExportFilterInput): { images: number; masks: number } {
    const selection = new ExportSelection(this.session.db, toExportFilter(input))
    let images = 0
    let masks = 0
    for (const { masks: selected } of selection.images()) {
      if (selected.length === 0) continue
      images++
      masks += selected.length
    }
    return { images, masks }
  }

  startExport(format: 'sa1b' | 'coco' | 'bundle', target: string, input: ExportFilterInput, includeImages = false): JobInfo {
    const filter = toExportFilter(input)
    return this.session.jobs.start({
      kind: 'export',
      label: `Exporting ${format === 'sa1b' ? 'SA-1B' : format === 'coco' ? 'COCO' : 'a bundle'}`,
      params: { format, target },
      run: async ({ signal, progress }): Promise<ExchangeSummary> => {
        const common = { filter, signal, onProgress: progress }
        const result =
          format === 'sa1b'
            ? await exportSa1b(this.session.db, target, common)
            : format === 'coco'
              ? await exportCoco(this.session.db, target, common)
              : await writeBundle(this.session.db, target, {
                  ...common,
                  exporter: { name: 'tessera', version: this.version },
                  actor: this.actor,
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

  startImport(paths: readonly string[], as: 'proposals' | 'gold' = 'proposals'): JobInfo {
    return this.session.jobs.start({
      kind: 'exchange-import',
      label: 'Importing annotations',
      params: { paths, as },
      run: async ({ signal, progress }): Promise<ExchangeSummary> => {
        const summary: ExchangeSummary = { direction: 'import', images: 0, masks: 0, target: null, unmatched: 0 }
        const bundles = paths.filter((path) => path.toLowerCase().endsWith('.zip'))
        const files = paths.filter((path) => !path.toLowerCase().endsWith('.zip'))
        for (const bundle of bundles) {
          const result = await importBundle(this.session.db, bundle, { actor: this.actor, signal, onProgress: progress })
          summary.images += result.images
          summary.masks += result.masksAdded
          summary.unmatched += result.unmatched.count
        }
        if (files.length > 0) {
          const result = await importAnnotationFiles(this.session.db, files, { actor: this.actor, as, signal, onProgress: progress })
          summary.images += result.images
          summary.masks += result.masksAdded
          summary.unmatched += result.unmatched.count
        }
        this.onImagesChanged()
        return summary
      },
    })
  }
}
