/**
 * Importing SA-1B per-image JSON files and COCO instances JSON (RLE or polygon segmentations) as
 * masks of project images: source 'imported', state per option ('proposed' for proposals, 'accepted'
 * for gold), the importing person as actor.
 *
 * Matching a file's image to a project image, first that holds:
 * 1. the stated file name is a project image's relative path;
 * 2. the annotation file's folder (relative to `root`) joined with the file name is one;
 * 3. exactly one project image has that base name (several: reported as ambiguous).
 * Sizes: see annotation-convert.ts (resampled to the annotation size when the file's frame differs
 * with the same aspect ratio; reported when the aspect ratio differs).
 *
 * Every file is read, validated and staged first; nothing reaches the project unless all files are
 * valid, and then in one transaction (import-stage.ts). Re-importing the same file adds nothing: a
 * mask with the same pixels among the image's imported masks is skipped.
 * Memory: an SA-1B file is one image; a COCO file is parsed whole (as pycocotools does), up to
 * `maxFileBytes`.
 */
import { readFile, stat } from 'node:fs/promises'
import { dirname, relative, sep } from 'node:path'
import { z } from 'zod'
import type { ProjectDb } from '../project/database'
import type { ImageRow } from '../project/image-repository'
import { MASK_STATES, type MaskState } from '../project/mask-repository'
import { Sa1bAnnotationSchema, Sa1bDocumentSchema, type Sa1bAnnotationInput } from './bundle-format'
import { annotationFrame, frameMismatch, frameOnlyImage, sameFrame, stageAnnotations, type Frame } from './annotation-convert'
import { ExchangeError, throwIfAborted } from './exchange-error'
import { ImportStage, commitStage, type ImportCounts, type PreparedImport } from './import-stage'
import { detectFormat } from './inspect'

export interface AnnotationImportOptions {
  /** Who imports: the masks' actor. */
  actor: string
  /** 'proposals' stores state 'proposed', 'gold' stores 'accepted'; `state` overrides both. */
  as: 'proposals' | 'gold'
  state?: MaskState
  /** Folder the annotation files' own locations are taken relative to (matching rule 2). */
  root?: string
  /** Largest annotation file read; default 512 MiB (V8's string limit is near there). */
  maxFileBytes?: number
  signal?: AbortSignal
  /** Files read so far and in all (+1 for the commit). */
  onProgress?: (done: number, total: number) => void
}

export interface AnnotationIssue {
  file: string
  fileName: string
  reason: string
}

export interface AnnotationImportResult extends ImportCounts {
  files: number
  /** Images whose masks were resampled to the annotation size. */
  resampledImages: number
  /** Crowd (iscrowd = 1) regions left out: they are not object masks. */
  crowdSkipped: number
  unmatched: { count: number; examples: AnnotationIssue[] }
}

const MAX_EXAMPLES = 100
const DEFAULT_MAX_FILE_BYTES = 512 * 1024 ** 2

const IMAGE_COLUMNS =
  'id, content_hash, rel_path, file_size, file_mtime_ms, width, height, orientation, annotation_width, annotation_height, status, missing'

const CocoDocumentSchema = z.object({
  images: z.array(
    z.object({
      id: z.union([z.number(), z.string()]),
      file_name: z.string(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    }),
  ),
  annotations: z.array(
    Sa1bAnnotationSchema.omit({ tessera: true }).extend({
      image_id: z.union([z.number(), z.string()]),
      iscrowd: z.union([z.literal(0), z.literal(1)]).optional(),
    }),
  ),
})

/** Finds the project image an annotation file's `file_name` refers to (rules in the module comment). */
export class ImageMatcher {
  private readonly byPath
  private readonly byBaseName

  constructor(db: ProjectDb) {
    this.byPath = db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path = ?`)
    this.byBaseName = db.prepare(
      `SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path = @base OR substr(rel_path, -length(@base) - 1) = '/' || @base LIMIT 2`,
    )
  }

  match(fileName: string, fileFolder: string): { image: ImageRow } | { reason: string } {
    const name = fileName.replace(/\\/g, '/').replace(/^(\.\/)+/, '')
    const direct = this.byPath.get(name) as ImageRow | undefined
    if (direct) return { image: direct }
    if (fileFolder) {
      const inFolder = this.byPath.get(`${fileFolder}/${name}`) as ImageRow | undefined
      if (inFolder) return { image: inFolder }
    }
    const base = name.slice(name.lastIndexOf('/') + 1)
    const candidates = this.byBaseName.all({ base }) as ImageRow[]
    if (candidates.length === 1) return { image: candidates[0] as ImageRow }
    if (candidates.length > 1) return { reason: `several project images are named ${base}` }
    return { reason: 'no project image has this name' }
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new ExchangeError('malformed_json', `${file} is not valid JSON (${(error as Error).message}).`)
  }
}

function schemaError(file: string, error: z.ZodError): ExchangeError {
  const issue = error.issues[0]
  return new ExchangeError(
    'bad_annotation',
    `${file} does not have the expected shape: ${issue?.message ?? ''} at ${issue?.path.join('.') ?? ''}.`,
  )
}

/**
 * Imports annotation files (SA-1B per-image JSON or COCO instances JSON). All or nothing: a file that
 * is not JSON, not one of the two formats, or holds a mask that does not decode refuses the import
 * with a specific ExchangeError; images that cannot be matched are reported, not fatal.
 */
export async function importAnnotationFiles(
  db: ProjectDb,
  files: readonly string[],
  options: AnnotationImportOptions,
): Promise<AnnotationImportResult> {
  const prepared = await prepareAnnotationImport(db, files, options)
  try {
    return prepared.commit()
  } finally {
    await prepared.dispose()
  }
}

/** Everything of `importAnnotationFiles` but the commit (see PreparedImport). */
export async function prepareAnnotationImport(
  db: ProjectDb,
  files: readonly string[],
  options: AnnotationImportOptions,
): Promise<PreparedImport<AnnotationImportResult>> {
  const state = options.state ?? (options.as === 'gold' ? 'accepted' : 'proposed')
  if (!MASK_STATES.includes(state)) throw new ExchangeError('bad_annotation', `Unknown mask state ${state}.`)
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  const matcher = new ImageMatcher(db)
  const now = new Date().toISOString()
  const mode = { kind: 'plain', state, actor: options.actor, now } as const
  const unmatched: AnnotationImportResult['unmatched'] = { count: 0, examples: [] }
  const report = (issue: AnnotationIssue) => {
    unmatched.count++
    if (unmatched.examples.length < MAX_EXAMPLES) unmatched.examples.push(issue)
  }
  let resampledImages = 0
  let crowdSkipped = 0
  const stage = ImportStage.create(db)
  try {
    const total = files.length + 1
    options.onProgress?.(0, total)
    let done = 0
    for (const file of files) {
      throwIfAborted(options.signal, 'The annotation import')
      const { size } = await stat(file)
      if (size > maxFileBytes) throw new ExchangeError('entry_too_large', `${file} is ${size} bytes; at most ${maxFileBytes} are read.`)
      const document = parseJson(await readFile(file, 'utf8'), file)
      const folder = options.root ? relative(options.root, dirname(file)).split(sep).join('/') : ''
      const fileFolder = folder.startsWith('..') ? '' : folder
      let format
      try {
        format = detectFormat(document)
      } catch (error) {
        throw new ExchangeError('bad_annotation', `${file}: ${(error as Error).message}.`)
      }
      const stageImage = (fileName: string, fileFrame: Frame, annotations: readonly Sa1bAnnotationInput[]) => {
        const matched = matcher.match(fileName, fileFolder)
        const target = 'image' in matched ? matched.image : null
        const mismatch = target ? frameMismatch(fileFrame, annotationFrame(target)) : null
        if (!target || mismatch) {
          report({ file, fileName, reason: mismatch ?? ('reason' in matched ? matched.reason : '') })
          // Validated anyway: a mask that does not decode refuses the import wherever it belongs.
          stageAnnotations(annotations, fileFrame, frameOnlyImage(fileFrame), mode, file)
          return
        }
        if (!sameFrame(fileFrame, annotationFrame(target))) resampledImages++
        stage.addImage(
          { targetImageId: target.id, sourceImageId: null, label: `${file} (${fileName})`, status: null },
          stageAnnotations(annotations, fileFrame, target, mode, file),
        )
      }
      if (format === 'sa1b') {
        const parsed = Sa1bDocumentSchema.safeParse(document)
        if (!parsed.success) throw schemaError(file, parsed.error)
        stageImage(
          parsed.data.image.file_name,
          { width: parsed.data.image.width, height: parsed.data.image.height },
          parsed.data.annotations,
        )
      } else if (format === 'coco') {
        const parsed = CocoDocumentSchema.safeParse(document)
        if (!parsed.success) throw schemaError(file, parsed.error)
        const byImage = new Map<unknown, Sa1bAnnotationInput[]>()
        for (const image of parsed.data.images) byImage.set(image.id, [])
        for (const annotation of parsed.data.annotations) {
          const list = byImage.get(annotation.image_id)
          if (!list)
            throw new ExchangeError(
              'bad_annotation',
              `${file}: annotation ${annotation.id ?? '?'} names image ${annotation.image_id}, which the file does not list.`,
            )
          if (annotation.iscrowd === 1) crowdSkipped++
          else list.push(annotation)
        }
        for (const image of parsed.data.images) {
          throwIfAborted(options.signal, 'The annotation import')
          stageImage(image.file_name, { width: image.width, height: image.height }, byImage.get(image.id) ?? [])
        }
      } else {
        throw new ExchangeError(
          'bad_annotation',
          `${file} is a SAM amg.py record list, which names no image; convert it to SA-1B per-image JSON first.`,
        )
      }
      options.onProgress?.(++done, total)
    }
    throwIfAborted(options.signal, 'The annotation import')
    return {
      commit: () => {
        const counts = commitStage(db, stage, {
          actor: options.actor,
          dedup: 'pixels',
          summary: { kind: 'annotations:imported', after: { files: files.length, state, unmatchedImages: unmatched.count, crowdSkipped } },
        })
        options.onProgress?.(total, total)
        return { ...counts, files: files.length, resampledImages, crowdSkipped, unmatched }
      },
      dispose: () => stage.dispose(),
    }
  } catch (error) {
    await stage.dispose()
    throw error
  }
}
