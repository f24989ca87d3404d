/**
 * SA-1B per-image JSON ([SA] README "Dataset"): `{ image: { image_id, width, height, file_name },
 * annotations: [{ id, segmentation, bbox, area, predicted_iou, stability_score, crop_box, point_coords }] }`.
 *
 * - `segmentation` is COCO compressed RLE; `bbox` follows SA-1B ([x, y, w − 1, h − 1] of the COCO
 *   box: inclusive max indices), recomputed from the exported pixels.
 * - Ids are stable: `image_id` is the project's image id and an annotation `id` its mask id.
 * - Frame: masks are stored at annotation size and exported there by default; `frame: 'original'`
 *   resamples each mask nearest-neighbour to the original (oriented) size (mask-resample.ts) and
 *   scales point_coords and crop_box. The top-level `tessera` block states the frame and both sizes.
 * - Fields Tessera does not know for a mask (no predicted IoU for a brushed mask, no crop box, no
 *   point) are written as null, never invented.
 * - With `provenance`, each annotation carries a `tessera` block (state, source, actor, prompt,
 *   model hashes, times) in annotation pixels; bundles always write it, plain exports on request.
 *   SA-1B readers ignore the extra keys.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, posix } from 'node:path'
import type { ImageStatus } from '../../../src-preload/contract/dto'
import { compressRle, decompressRle, rleArea, rleToSa1bBbox, type BboxXywh, type CompressedRle } from '../masks'
import type { ProjectDb } from '../project/database'
import type { ImageRow } from '../project/image-repository'
import type { MaskPrompt, MaskRecord, MaskSource, MaskState, PointXy } from '../project/mask-repository'
import { ExchangeError, throwIfAborted } from './exchange-error'
import { ExportSelection, type ExportFilter } from './export-filter'
import { ExportImageWriter, type ExportImageFiles } from './export-image-files'
import { resampleRleNearest, scaleBox, scalePoints } from './mask-resample'
import { pathExists } from './text-sink'

export type ExportFrame = 'annotation' | 'original'

export const SA1B_PROVENANCE_FORMAT = 'tessera-sa1b'
export const SA1B_PROVENANCE_VERSION = 1

export interface ModelRef {
  name: string
  variant: string
  encoder_sha256: string
  decoder_sha256: string
}

/** Per-annotation provenance (`tessera` key), always in annotation pixels. */
export interface MaskProvenance {
  mask_id: number
  state: MaskState
  source: MaskSource
  actor: string
  prompt: MaskPrompt | null
  model: ModelRef | null
  seconds_spent: number | null
  clicks: number | null
  /** The exporting project's id of the mask this one was made from (resolved on import within the bundle). */
  origin_mask_id: number | null
  origin_iou: number | null
  created_at: string
  updated_at: string
}

export interface Sa1bAnnotation {
  id: number
  segmentation: CompressedRle
  bbox: BboxXywh
  area: number
  predicted_iou: number | null
  stability_score: number | null
  crop_box: BboxXywh | null
  point_coords: PointXy[] | null
  tessera?: MaskProvenance
}

export interface Sa1bImageInfo {
  image_id: number
  width: number
  height: number
  file_name: string
}

/** Top-level `tessera` block: which frame the file is in, and the image's identity in the project. */
export interface Sa1bImageProvenance {
  format: typeof SA1B_PROVENANCE_FORMAT
  version: typeof SA1B_PROVENANCE_VERSION
  frame: ExportFrame
  annotation_width: number
  annotation_height: number
  original_width: number
  original_height: number
  orientation: number
  rel_path: string
  content_hash: string
  status: ImageStatus
  /** When the status was last set (from the event log), null when never set. */
  status_at: string | null
}

export interface Sa1bDocument {
  image: Sa1bImageInfo
  annotations: Sa1bAnnotation[]
  tessera: Sa1bImageProvenance
}

/** Models and status times looked up once per export (a project has few models). */
export class ProvenanceLookup {
  private readonly models = new Map<number, ModelRef | null>()
  private readonly modelById
  private readonly statusAt

  constructor(db: ProjectDb) {
    this.modelById = db.prepare('SELECT name, variant, encoder_sha256, decoder_sha256 FROM models WHERE id = ?')
    this.statusAt = db
      .prepare("SELECT at FROM events WHERE entity = 'image' AND entity_id = ? AND kind = 'image:status' ORDER BY id DESC LIMIT 1")
      .pluck()
  }

  model(id: number | null): ModelRef | null {
    if (id === null) return null
    if (!this.models.has(id)) this.models.set(id, (this.modelById.get(id) as ModelRef | undefined) ?? null)
    return this.models.get(id) ?? null
  }

  imageStatusAt(imageId: number): string | null {
    return (this.statusAt.get(imageId) as string | undefined) ?? null
  }
}

export interface Sa1bDocumentOptions {
  frame?: ExportFrame
  /** Add per-annotation provenance (requires `lookup`). */
  provenance?: boolean
  lookup: ProvenanceLookup
}

function annotationSize(image: ImageRow): { width: number; height: number } {
  return { width: image.annotation_width, height: image.annotation_height }
}

/** One mask as an SA-1B annotation in the chosen frame. */
export function sa1bAnnotation(mask: MaskRecord, image: ImageRow, options: Sa1bDocumentOptions): Sa1bAnnotation {
  const frame = options.frame ?? 'annotation'
  const from = annotationSize(image)
  let annotation: Sa1bAnnotation
  if (frame === 'annotation') {
    annotation = {
      id: mask.id,
      segmentation: { size: [image.annotation_height, image.annotation_width], counts: mask.rleCounts },
      bbox: mask.bbox,
      area: mask.area,
      predicted_iou: mask.predictedIou,
      stability_score: mask.stabilityScore,
      crop_box: mask.cropBox,
      point_coords: mask.pointCoords,
    }
  } else {
    const to = { width: image.width, height: image.height }
    const rle = resampleRleNearest(
      decompressRle({ size: [image.annotation_height, image.annotation_width], counts: mask.rleCounts }),
      to.height,
      to.width,
    )
    annotation = {
      id: mask.id,
      segmentation: compressRle(rle),
      bbox: rleToSa1bBbox(rle),
      area: rleArea(rle),
      predicted_iou: mask.predictedIou,
      stability_score: mask.stabilityScore,
      crop_box: mask.cropBox === null ? null : scaleBox(mask.cropBox, from, to),
      point_coords: mask.pointCoords === null ? null : scalePoints(mask.pointCoords, from, to),
    }
  }
  if (options.provenance) annotation.tessera = maskProvenance(mask, options.lookup)
  return annotation
}

export function maskProvenance(mask: MaskRecord, lookup: ProvenanceLookup): MaskProvenance {
  return {
    mask_id: mask.id,
    state: mask.state,
    source: mask.source,
    actor: mask.actor,
    prompt: mask.prompt,
    model: lookup.model(mask.modelId),
    seconds_spent: mask.secondsSpent,
    clicks: mask.clicks,
    origin_mask_id: mask.originMaskId,
    origin_iou: mask.originIou,
    created_at: mask.createdAt,
    updated_at: mask.updatedAt,
  }
}

export function imageProvenance(image: ImageRow, frame: ExportFrame, lookup: ProvenanceLookup): Sa1bImageProvenance {
  return {
    format: SA1B_PROVENANCE_FORMAT,
    version: SA1B_PROVENANCE_VERSION,
    frame,
    annotation_width: image.annotation_width,
    annotation_height: image.annotation_height,
    original_width: image.width,
    original_height: image.height,
    orientation: image.orientation,
    rel_path: image.rel_path,
    content_hash: image.content_hash,
    status: image.status,
    status_at: lookup.imageStatusAt(image.id),
  }
}

/** The SA-1B document of one image and its (already filtered) masks. */
export function sa1bDocument(image: ImageRow, masks: readonly MaskRecord[], options: Sa1bDocumentOptions): Sa1bDocument {
  const frame = options.frame ?? 'annotation'
  const size = frame === 'annotation' ? annotationSize(image) : { width: image.width, height: image.height }
  return {
    image: { image_id: image.id, width: size.width, height: size.height, file_name: image.rel_path },
    annotations: masks.map((mask) => sa1bAnnotation(mask, image, options)),
    tessera: imageProvenance(image, frame, options.lookup),
  }
}

/**
 * The JSON text of one annotation in parts: its two large values (the segmentation, and the
 * provenance block when there is one) are stringified once and shared by the SA-1B document and
 * the COCO annotation of a bundle. `sa1bAnnotationText` and `cocoAnnotationText` join the parts
 * into exactly JSON.stringify's text of the objects they stand for (keys in the same order, an
 * absent `tessera` omitted).
 */
export interface AnnotationTextParts {
  annotation: Sa1bAnnotation
  segmentation: string
  tessera: string | null
}

export function annotationTextParts(annotation: Sa1bAnnotation): AnnotationTextParts {
  return {
    annotation,
    segmentation: JSON.stringify(annotation.segmentation),
    tessera: annotation.tessera === undefined ? null : JSON.stringify(annotation.tessera),
  }
}

/** The SA-1B fields after `bbox` and `area`, shared by both texts: SAM's scores, crop box and point, then provenance. */
function samFieldsText(parts: AnnotationTextParts): string {
  const a = parts.annotation
  return (
    `"predicted_iou":${JSON.stringify(a.predicted_iou)},"stability_score":${JSON.stringify(a.stability_score)},` +
    `"crop_box":${JSON.stringify(a.crop_box)},"point_coords":${JSON.stringify(a.point_coords)}` +
    (parts.tessera === null ? '' : `,"tessera":${parts.tessera}`)
  )
}

/** JSON.stringify(parts.annotation), from the parts. */
export function sa1bAnnotationText(parts: AnnotationTextParts): string {
  const a = parts.annotation
  return `{"id":${JSON.stringify(a.id)},"segmentation":${parts.segmentation},"bbox":${JSON.stringify(a.bbox)},"area":${JSON.stringify(a.area)},${samFieldsText(parts)}}`
}

/** JSON.stringify(document) of an SA-1B document whose annotations are given as parts. */
export function sa1bDocumentText(document: Omit<Sa1bDocument, 'annotations'>, annotations: readonly AnnotationTextParts[]): string {
  return `{"image":${JSON.stringify(document.image)},"annotations":[${annotations.map(sa1bAnnotationText).join(',')}],"tessera":${JSON.stringify(document.tessera)}}`
}

/**
 * JSON text of the COCO annotation of `parts` on image `imageId` (export-coco.ts's layout, see
 * `cocoAnnotationText` there): COCO keys, then the SAM fields under their own keys.
 */
export function cocoAnnotationTextOf(parts: AnnotationTextParts, imageId: number, categoryId: number): string {
  const a = parts.annotation
  return (
    `{"id":${JSON.stringify(a.id)},"image_id":${JSON.stringify(imageId)},"category_id":${JSON.stringify(categoryId)},` +
    `"segmentation":${parts.segmentation},"area":${JSON.stringify(a.area)},"bbox":${JSON.stringify(cocoBboxOf(a))},"iscrowd":0,` +
    `${samFieldsText(parts)}}`
  )
}

/**
 * COCO (pycocotools toBbox) box of an annotation's pixels, from its SA-1B box and area without
 * decoding: SA-1B's box is the COCO box minus one in width and height for a mask with pixels, and
 * an empty mask is [0, 0, 0, 0] in both (the area tells a one-pixel mask at the origin from an empty one).
 */
export function cocoBboxOf(annotation: Pick<Sa1bAnnotation, 'bbox' | 'area'>): BboxXywh {
  if (annotation.area === 0) return [0, 0, 0, 0]
  const [x, y, width, height] = annotation.bbox
  return [x, y, width + 1, height + 1]
}

export interface ExportProgress {
  signal?: AbortSignal
  /** Images written so far and in all. */
  onProgress?: (done: number, total: number) => void
}

export interface Sa1bExportOptions extends ExportProgress {
  filter?: ExportFilter
  frame?: ExportFrame
  provenance?: boolean
  /**
   * Also write each image's file at the masks' frame (export-image-files.ts), read from here: SA-1B
   * puts it beside its JSON with the same stem (sa_1.jpg + sa_1.json), COCO into `images/` beside
   * the JSON; `file_name` then names the written file.
   */
  imageFiles?: ExportImageFiles
}

export interface ExportResult {
  target: string
  images: number
  masks: number
}

/**
 * Path stem (relative path without extension) of an image's files in a folder export: its SA-1B
 * JSON is `<stem>.json` (as SA-1B pairs sa_1.jpg with sa_1.json) and a written image file
 * `<stem><ext>`. A second image with the same stem, compared case-insensitively (a.jpg and a.png),
 * gets `<stem>.<image id>`.
 */
export function exportStem(image: Pick<ImageRow, 'id' | 'rel_path'>, taken: Set<string>): string {
  let stem = image.rel_path.replace(/\.[^./]*$/, '')
  if (taken.has(stem.toLowerCase())) stem = `${stem}.${image.id}`
  taken.add(stem.toLowerCase())
  return stem
}

/** File name of an image's SA-1B JSON in a folder export: `<exportStem>.json`. */
export function sa1bFileName(image: Pick<ImageRow, 'id' | 'rel_path'>, taken: Set<string>): string {
  return `${exportStem(image, taken)}.json`
}

/**
 * Writes one SA-1B JSON per selected image into `outDir` (which must not exist), with `imageFiles`
 * the image file beside each (its `file_name` is then that file's name, relative to the JSON's
 * folder as in SA-1B): everything goes to `<outDir>.partial` first and is renamed when complete, so
 * an aborted or failed export leaves nothing at `outDir`. Memory: one image's document (and file) at
 * a time, plus the set of written names.
 */
export async function exportSa1b(db: ProjectDb, outDir: string, options: Sa1bExportOptions = {}): Promise<ExportResult> {
  if (await pathExists(outDir)) throw new ExchangeError('target_exists', `${outDir} exists already; choose a new folder for the export.`)
  const selection = new ExportSelection(db, options.filter)
  selection.validate()
  const lookup = new ProvenanceLookup(db)
  const partial = `${outDir}.partial`
  await rm(partial, { recursive: true, force: true })
  await mkdir(partial, { recursive: true })
  const total = selection.count()
  const imageWriter = options.imageFiles ? new ExportImageWriter(db, options.imageFiles, options.frame ?? 'annotation') : null
  const taken = new Set<string>()
  let images = 0
  let masks = 0
  try {
    options.onProgress?.(0, total)
    for (const { image, masks: imageMasks } of selection.images()) {
      throwIfAborted(options.signal, 'The SA-1B export')
      const document = sa1bDocument(image, imageMasks, { frame: options.frame, provenance: options.provenance, lookup })
      const stem = join(partial, ...exportStem(image, taken).split(posix.sep))
      await mkdir(dirname(stem), { recursive: true })
      if (imageWriter) {
        const imageFile = `${stem}${imageWriter.extension(image)}`
        await imageWriter.write(image, imageFile)
        document.image.file_name = basename(imageFile)
      }
      await writeFile(`${stem}.json`, JSON.stringify(document))
      images++
      masks += imageMasks.length
      options.onProgress?.(images, total)
    }
    throwIfAborted(options.signal, 'The SA-1B export')
    await rename(partial, outDir)
  } catch (error) {
    await rm(partial, { recursive: true, force: true })
    throw error
  }
  return { target: outDir, images, masks }
}
