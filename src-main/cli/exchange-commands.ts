/**
 * `tessera export` and `tessera import`: a project's masks as SA-1B per-image JSON, COCO instances
 * JSON or a Tessera bundle, and bundles / SA-1B / COCO files back into a project.
 *
 * Progress goes to stderr, one JSON summary line to stdout. A failed export or import exits 1 with
 * the ExchangeError's reason and message on stderr (nothing is written or imported then: the core
 * writes through `.partial` files and stages imports before one commit).
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ExchangeError } from '../core/exchange/exchange-error'
import { exportCoco } from '../core/exchange/export-coco'
import type { ExportFilter, ImageSelection } from '../core/exchange/export-filter'
import { exportSa1b, type ExportFrame } from '../core/exchange/export-sa1b'
import { writeBundle } from '../core/exchange/bundle'
import { importFiles } from '../core/exchange/import-files'
import type { ImportCounts } from '../core/exchange/import-stage'
import { MASK_STATES, type MaskState } from '../core/project/mask-repository'
import { ProjectSession } from '../core/project/project-session'
import { cliActor } from './cli-actor'
import { ProgressBar } from './progress-bar'

export const EXCHANGE_USAGE = `  export <project> --format sa1b|coco|bundle --out PATH [--states S,S…] [--min-iou X] [--min-stability X]
         [--min-area N] [--max-area N] [--max-relative-area X] [--images done|all|ID,ID…] [--audit ID]
         [--frame annotation|original] [--with-images]
                                   Export masks: sa1b writes one JSON per image into the folder PATH, coco one
                                   instances JSON, bundle a .zip (SA-1B + COCO + event log + manifest). States
                                   default to accepted,auto_accepted (bundles: every state); areas are in
                                   annotation pixels, --max-relative-area a fraction of the image (0–1]; --images
                                   takes done, all or image ids, --audit an audit's sample; --frame original
                                   resamples masks to the original image size (not for bundles). --with-images
                                   writes the image files too: sa1b beside each JSON (same stem), coco into
                                   images/ beside the JSON, both at --frame (annotation: the annotation-size
                                   JPEG; original: the original file, EXIF orientation applied); bundles carry
                                   the originals. PATH (and coco's images/) must not exist.
  import <project> <FILE…> [--as proposals|gold]
                                   Import bundles (.zip, matched by content hash, merged with their decisions) and
                                   SA-1B / COCO JSON files (matched by file name; stored as proposals by default,
                                   or as accepted masks with --as gold). All or nothing: every file is checked
                                   first, then all are imported in one transaction; a bad file imports nothing and
                                   is named in the error. Running it again adds nothing twice.`

const FORMATS = ['sa1b', 'coco', 'bundle'] as const
type Format = (typeof FORMATS)[number]

function appVersion(): string {
  try {
    const file = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json')
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

/** A number option, or an error naming the option. */
function numberOption(name: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed) || (integer && !Number.isInteger(parsed)))
    throw new UsageError(`--${name} expects ${integer ? 'an integer' : 'a number'}, got "${value}"`)
  return parsed
}

class UsageError extends Error {}

/** Reports an ExchangeError (reason + message) on stderr and gives the exit code; rethrows anything else. */
function reportFailure(command: string, error: unknown): number {
  if (error instanceof ExchangeError) {
    process.stderr.write(`tessera ${command}: ${error.reason}: ${error.message}\n`)
    return 1
  }
  if (error instanceof UsageError) {
    process.stderr.write(`tessera ${command}: ${error.message}\n\nUsage:\n${EXCHANGE_USAGE}\n`)
    return 2
  }
  throw error
}

function exportFilter(values: {
  states?: string
  'min-iou'?: string
  'min-stability'?: string
  'min-area'?: string
  'max-area'?: string
  'max-relative-area'?: string
  images?: string
  audit?: string
}): ExportFilter {
  const filter: ExportFilter = {}
  if (values.states !== undefined) {
    const states = values.states
      .split(',')
      .map((state) => state.trim())
      .filter(Boolean)
    for (const state of states)
      if (!(MASK_STATES as readonly string[]).includes(state))
        throw new UsageError(`unknown mask state "${state}" (${MASK_STATES.join(', ')})`)
    if (states.length === 0) throw new UsageError('--states lists no state')
    filter.states = states as MaskState[]
  }
  const minIou = numberOption('min-iou', values['min-iou'])
  const minStability = numberOption('min-stability', values['min-stability'])
  const minArea = numberOption('min-area', values['min-area'], true)
  const maxArea = numberOption('max-area', values['max-area'], true)
  if (minIou !== undefined) filter.minPredictedIou = minIou
  if (minStability !== undefined) filter.minStabilityScore = minStability
  if (minArea !== undefined) filter.minArea = minArea
  if (maxArea !== undefined) filter.maxArea = maxArea
  if (minArea !== undefined && maxArea !== undefined && minArea > maxArea)
    throw new UsageError(`--min-area ${minArea} is above --max-area ${maxArea}`)
  const maxRelativeArea = numberOption('max-relative-area', values['max-relative-area'])
  if (maxRelativeArea !== undefined) {
    if (!(maxRelativeArea > 0 && maxRelativeArea <= 1))
      throw new UsageError(`--max-relative-area expects a fraction in (0, 1], got "${values['max-relative-area']}"`)
    filter.maxRelativeArea = maxRelativeArea
  }
  filter.images = imageSelection(values.images, values.audit)
  return filter
}

/** `--images done|all|ID,ID…` or `--audit ID` (not both); unknown ids and audits are the export's own errors. */
function imageSelection(images: string | undefined, audit: string | undefined): ImageSelection {
  if (audit !== undefined) {
    if (images !== undefined) throw new UsageError('--images and --audit choose the images both; give one')
    const auditId = numberOption('audit', audit, true) as number
    if (auditId < 1) throw new UsageError(`--audit expects an audit id, got "${audit}"`)
    return { kind: 'audit', auditId }
  }
  if (images === undefined || images === 'all') return { kind: 'all' }
  if (images === 'done') return { kind: 'status', status: 'done' }
  const ids = images.split(',').map((id) => id.trim())
  if (!ids.every((id) => /^[1-9]\d*$/.test(id))) throw new UsageError(`--images expects done, all or image ids (3,7,9), got "${images}"`)
  return { kind: 'ids', ids: ids.map(Number) }
}

export async function exportCommand(argv: string[]): Promise<number> {
  let session: ProjectSession | undefined
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        out: { type: 'string' },
        states: { type: 'string' },
        'min-iou': { type: 'string' },
        'min-stability': { type: 'string' },
        'min-area': { type: 'string' },
        'max-area': { type: 'string' },
        'max-relative-area': { type: 'string' },
        images: { type: 'string' },
        audit: { type: 'string' },
        frame: { type: 'string' },
        'with-images': { type: 'boolean', default: false },
      },
    })
    const projectDir = positionals[0]
    if (!projectDir || positionals.length > 1 || !values.format || !values.out)
      throw new UsageError('a project, --format and --out are needed')
    if (!(FORMATS as readonly string[]).includes(values.format))
      throw new UsageError(`unknown format "${values.format}" (${FORMATS.join(', ')})`)
    const format = values.format as Format
    const frame = (values.frame ?? 'annotation') as ExportFrame
    if (frame !== 'annotation' && frame !== 'original')
      throw new UsageError(`--frame expects annotation or original, got "${values.frame}"`)
    if (format === 'bundle' && frame !== 'annotation') throw new UsageError('bundles are always in the annotation frame')
    const filter = exportFilter(values)
    const out = resolve(values.out)

    session = ProjectSession.open(resolve(projectDir), () => undefined)
    const bar = new ProgressBar(`exporting ${format}`)
    const onProgress = (done: number, total: number) => bar.update(done, total)
    const started = performance.now()
    let summary: Record<string, unknown>
    if (format === 'bundle') {
      const result = await writeBundle(session.db, out, {
        exporter: { name: 'tessera-cli', version: appVersion() },
        actor: cliActor(),
        filter,
        includeImages: values['with-images'],
        onProgress,
      })
      const { counts, skippedImageFiles } = result.manifest
      summary = { ...counts, skippedImageFiles: skippedImageFiles.length }
    } else {
      const options = { filter, frame, onProgress, ...(values['with-images'] ? { imageFiles: session.paths } : {}) }
      const result = format === 'sa1b' ? await exportSa1b(session.db, out, options) : await exportCoco(session.db, out, options)
      summary = { images: result.images, masks: result.masks }
    }
    bar.done()
    const seconds = (performance.now() - started) / 1000
    process.stdout.write(`${JSON.stringify({ format, out, ...summary, seconds: Math.round(seconds * 1000) / 1000 })}\n`)
    return 0
  } catch (error) {
    return reportFailure('export', error)
  } finally {
    await session?.close()
  }
}

export async function importCommand(argv: string[]): Promise<number> {
  let session: ProjectSession | undefined
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { as: { type: 'string', default: 'proposals' } },
    })
    const [projectDir, ...files] = positionals
    if (!projectDir || files.length === 0) throw new UsageError('a project and at least one file are needed')
    if (values.as !== 'proposals' && values.as !== 'gold') throw new UsageError(`--as expects proposals or gold, got "${values.as}"`)
    const as = values.as
    session = ProjectSession.open(resolve(projectDir), () => undefined)
    const totals = {
      bundles: 0,
      files: 0,
      images: 0,
      masksAdded: 0,
      duplicatesSkipped: 0,
      statesMerged: 0,
      stateConflictsKept: 0,
      statusesChanged: 0,
      eventsAdded: 0,
      modelsAdded: 0,
      resampledImages: 0,
      crowdSkipped: 0,
      unmatchedImages: 0,
    }
    const unmatched: { file: string; name: string; reason: string }[] = []
    const started = performance.now()
    // All or nothing across every file (import-files.ts): one bad file and nothing is imported.
    let bar: ProgressBar | null = null
    let barPart = -1
    const result = await importFiles(
      session.db,
      files.map((file) => resolve(file)),
      {
        actor: cliActor(),
        as,
        onProgress: (part, done, total) => {
          if (part.index !== barPart) {
            bar?.done()
            bar = new ProgressBar(`checking ${part.label}`)
            barPart = part.index
          }
          bar?.update(done, total)
        },
      },
    )
    ;(bar as ProgressBar | null)?.done()
    const add = (counts: ImportCounts & { resampledImages: number; unmatched: { count: number } }) => {
      totals.images += counts.images
      totals.masksAdded += counts.masksAdded
      totals.duplicatesSkipped += counts.duplicatesSkipped
      totals.statesMerged += counts.statesMerged
      totals.stateConflictsKept += counts.stateConflictsKept
      totals.statusesChanged += counts.statusesChanged
      totals.eventsAdded += counts.eventsAdded
      totals.modelsAdded += counts.modelsAdded
      totals.resampledImages += counts.resampledImages
      totals.unmatchedImages += counts.unmatched.count
    }
    for (const { path, result: bundle } of result.bundles) {
      totals.bundles++
      add(bundle)
      for (const example of bundle.unmatched.examples) unmatched.push({ file: path, name: example.relPath, reason: example.reason })
    }
    if (result.annotations) {
      totals.files += result.annotations.files
      totals.crowdSkipped += result.annotations.crowdSkipped
      add(result.annotations)
      for (const example of result.annotations.unmatched.examples)
        unmatched.push({ file: example.file, name: example.fileName, reason: example.reason })
    }
    for (const item of unmatched.slice(0, 20)) process.stderr.write(`not matched: ${item.file}: ${item.name}: ${item.reason}\n`)
    if (totals.unmatchedImages > 20) process.stderr.write(`… ${totals.unmatchedImages - 20} more images not matched\n`)
    const seconds = (performance.now() - started) / 1000
    process.stdout.write(`${JSON.stringify({ ...totals, seconds: Math.round(seconds * 1000) / 1000 })}\n`)
    return 0
  } catch (error) {
    return reportFailure('import', error)
  } finally {
    await session?.close()
  }
}
