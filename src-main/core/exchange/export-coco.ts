/**
 * COCO instances JSON of a project, written as a stream (the text is never held whole):
 * - `segmentation` is compressed RLE, `bbox` the COCO (pycocotools toBbox) box of the exported
 *   pixels, `area` their count, `iscrowd` 0, one class-agnostic category (id 1, "object");
 * - SAM's extra fields stay under their own keys (`predicted_iou`, `stability_score`, `crop_box`,
 *   `point_coords`), null where unknown; with `provenance`, a `tessera` block per annotation;
 * - `info.tessera.frame` states the frame (annotation size by default, or original size with
 *   nearest-neighbour resampling, see export-sa1b.ts); each image lists both sizes.
 * - with `imageFiles`, the image files at the masks' frame go into `images/` beside the JSON (as
 *   COCO ships train2017/ beside its annotations), each image's `file_name` is its path there.
 * Two passes over the selected images (images and their files, then annotations), one image in
 * memory at a time.
 */
import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'
import type { Writable } from 'node:stream'
import type { ProjectDb } from '../project/database'
import type { ImageRow } from '../project/image-repository'
import { ExchangeError, throwIfAborted } from './exchange-error'
import { ExportSelection } from './export-filter'
import { ExportImageWriter } from './export-image-files'
import {
  ProvenanceLookup,
  cocoBboxOf,
  exportStem,
  sa1bAnnotation,
  type ExportFrame,
  type ExportResult,
  type Sa1bAnnotation,
  type Sa1bExportOptions,
} from './export-sa1b'
import { TextSink, partialPath, pathExists, writeViaPartial } from './text-sink'

/** The one category of class-agnostic SAM masks. */
export const COCO_CATEGORY = { id: 1, name: 'object', supercategory: 'object' } as const

export interface CocoExportOptions extends Sa1bExportOptions {
  /** Written into `info` (exporting app, version, project). */
  info?: { description?: string; version?: string; contributor?: string }
  /** Time written into `info.date_created`; default now. */
  now?: Date
}

export interface CocoWriteResult {
  images: number
  masks: number
  sha256: string
  bytes: number
}

/** Folder of an export's image files, beside its JSON. */
export const COCO_IMAGES_FOLDER = 'images'

function cocoImage(image: ImageRow, frame: ExportFrame, fileName: string): Record<string, unknown> {
  const size = frame === 'annotation' ? { width: image.annotation_width, height: image.annotation_height } : image
  return {
    id: image.id,
    file_name: fileName,
    width: size.width,
    height: size.height,
    annotation_width: image.annotation_width,
    annotation_height: image.annotation_height,
    original_width: image.width,
    original_height: image.height,
    content_hash: image.content_hash,
    status: image.status,
  }
}

/**
 * One COCO annotation of an image, from the mask's SA-1B annotation (same frame, same pixels).
 * `cocoAnnotationTextOf` (export-sa1b.ts) writes the same text from shared parts.
 */
export function cocoAnnotationText(sa1b: Sa1bAnnotation, imageId: number): string {
  return JSON.stringify({
    id: sa1b.id,
    image_id: imageId,
    category_id: COCO_CATEGORY.id,
    segmentation: sa1b.segmentation,
    area: sa1b.area,
    bbox: cocoBboxOf(sa1b),
    iscrowd: 0,
    predicted_iou: sa1b.predicted_iou,
    stability_score: sa1b.stability_score,
    crop_box: sa1b.crop_box,
    point_coords: sa1b.point_coords,
    ...(sa1b.tessera ? { tessera: sa1b.tessera } : {}),
  })
}

/** Writes annotations in the `annotations` array's layout: the first after a newline, the others after ",\n". */
export class CocoAnnotationWriter {
  count = 0

  constructor(private readonly sink: TextSink) {}

  async write(sa1b: Sa1bAnnotation, imageId: number): Promise<void> {
    await this.writeTexts([cocoAnnotationText(sa1b, imageId)])
  }

  /** Annotations whose texts are made already (cocoAnnotationTextOf), in one write. */
  async writeTexts(texts: readonly string[]): Promise<void> {
    if (texts.length === 0) return
    await this.sink.write(`${this.count === 0 ? '\n' : ',\n'}${texts.join(',\n')}`)
    this.count += texts.length
  }
}

export interface CocoWriteOptions extends CocoExportOptions {
  /**
   * Writes the body of the `annotations` array and returns how many it wrote (the bundle writer
   * copies what it wrote during its single pass); default: the selection's masks, image by image.
   */
  annotations?: (sink: TextSink) => Promise<number>
  /** With `imageFiles`: the folder the image files are written into (exportCoco: `images/`'s partial folder). */
  imageFolder?: string
}

/**
 * Writes the COCO document of the selection to `stream` (and ends it); returns counts and the
 * SHA-256 of the bytes written. Two passes: the images (no masks read), then the annotations.
 */
export async function writeCoco(db: ProjectDb, stream: Writable, options: CocoWriteOptions = {}): Promise<CocoWriteResult> {
  const frame = options.frame ?? 'annotation'
  const selection = new ExportSelection(db, options.filter)
  selection.validate()
  const lookup = new ProvenanceLookup(db)
  const project = db.prepare('SELECT id, name FROM project').get() as { id: string; name: string } | undefined
  if (!project) throw new ExchangeError('no_project', 'The database has no project record.')
  const total = selection.count()
  if (options.imageFiles && options.imageFolder === undefined) throw new Error('writeCoco: imageFiles needs an imageFolder')
  const imageWriter = options.imageFiles ? new ExportImageWriter(db, options.imageFiles, frame) : null
  // Progress: one step per image file written (first pass), one per image's annotations (second).
  const steps = total * (imageWriter ? 2 : 1)
  const sink = new TextSink(stream)
  const info = {
    description: options.info?.description ?? project.name,
    version: options.info?.version ?? '',
    year: (options.now ?? new Date()).getUTCFullYear(),
    contributor: options.info?.contributor ?? '',
    date_created: (options.now ?? new Date()).toISOString(),
    tessera: { frame, project_id: project.id, states: selection.states, filter: options.filter ?? {} },
  }
  await sink.write(`{"info":${JSON.stringify(info)},"licenses":[],"categories":[${JSON.stringify(COCO_CATEGORY)}],\n"images":[`)
  let images = 0
  const taken = new Set<string>()
  if (imageWriter) options.onProgress?.(0, steps)
  for (const id of selection.imageIds()) {
    throwIfAborted(options.signal, 'The COCO export')
    const image = selection.image(id)
    let fileName = image.rel_path
    if (imageWriter) {
      fileName = `${exportStem(image, taken)}${imageWriter.extension(image)}`
      const file = join(options.imageFolder as string, ...fileName.split(posix.sep))
      await mkdir(dirname(file), { recursive: true })
      await imageWriter.write(image, file)
    }
    await sink.write(`${images === 0 ? '\n' : ',\n'}${JSON.stringify(cocoImage(image, frame, fileName))}`)
    images++
    if (imageWriter) options.onProgress?.(images, steps)
  }
  await sink.write('\n],\n"annotations":[')
  let masks: number
  if (options.annotations) masks = await options.annotations(sink)
  else {
    const writer = new CocoAnnotationWriter(sink)
    let done = steps - total
    options.onProgress?.(done, steps)
    for (const { image, masks: imageMasks } of selection.images()) {
      throwIfAborted(options.signal, 'The COCO export')
      for (const mask of imageMasks)
        await writer.write(sa1bAnnotation(mask, image, { frame, provenance: options.provenance, lookup }), image.id)
      options.onProgress?.(++done, steps)
    }
    masks = writer.count
  }
  await sink.write('\n]}\n')
  const sha256 = await sink.end()
  return { images, masks, sha256, bytes: sink.bytes }
}

/**
 * Writes COCO JSON to `target` through `<target>.partial` (nothing at `target` unless complete).
 * With `imageFiles`, the image files go to `images/` beside it (which must not exist: folders are
 * never merged into), through `images.partial/`, renamed after the JSON: a run cut short between
 * the two renames is run again from the start (the JSON is overwritten, the folder written anew).
 * Failure or abort removes both partials.
 */
export async function exportCoco(db: ProjectDb, target: string, options: CocoExportOptions = {}): Promise<ExportResult> {
  if (!options.imageFiles) {
    const result = await writeViaPartial(target, (stream) => writeCoco(db, stream, options), options.signal)
    return { target, images: result.images, masks: result.masks }
  }
  const folder = join(dirname(target), COCO_IMAGES_FOLDER)
  if (await pathExists(folder))
    throw new ExchangeError('target_exists', `${folder} exists already; export the COCO JSON with its images into a new folder.`)
  const partialFolder = partialPath(folder)
  await rm(partialFolder, { recursive: true, force: true })
  await mkdir(partialFolder, { recursive: true })
  try {
    const result = await writeViaPartial(
      target,
      (stream) => writeCoco(db, stream, { ...options, imageFolder: partialFolder }),
      options.signal,
    )
    try {
      await rename(partialFolder, folder)
    } catch (error) {
      await rm(target, { force: true })
      throw error
    }
    return { target, images: result.images, masks: result.masks }
  } catch (error) {
    await rm(partialFolder, { recursive: true, force: true })
    throw error
  }
}
