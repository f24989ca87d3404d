/**
 * Turning SA-1B / COCO annotations into masks of a project image, in the image's annotation frame.
 *
 * Size rule: an annotation file states the size its masks were made at (SA-1B `image.width/height`,
 * COCO `images[].width/height`, and each RLE its own `size`). When that differs from the project
 * image's annotation size, the file's frame must have the same aspect ratio within 1 % (otherwise the
 * image is reported, not imported: it is most likely another picture or a rotated one), and then
 * - RLE masks are resampled nearest-neighbour (mask-resample.ts: pixel centres, exact integers);
 * - polygons are scaled as geometry and rasterised at the annotation size (pycocotools rules), which
 *   is more faithful than rasterising first and resampling after;
 * - point_coords, crop_box and prompts scale with the same factors.
 * Masks are stored canonical (re-encoded), so area and box always come from the pixels.
 */
import type { ImageRow } from '../project/image-repository'
import type { MaskPrompt, MaskState, PointXy } from '../project/mask-repository'
import { RleFormatError, compressRle, decompressRle, rleArea, rleToSa1bBbox, validateRle, type BboxXywh, type Rle } from '../masks'
import { measureCompressedRle, sa1bBboxFromCocoBbox } from '../masks/coco-rle'
import { rleFromPolygons } from '../masks/polygon'
import type { Sa1bAnnotationInput, Sa1bDocumentInput, Segmentation } from './bundle-format'
import { ExchangeError } from './exchange-error'
import { modelKey, type StagedMask } from './import-stage'
import { resampleRleNearest, scaleBox, scalePoints } from './mask-resample'

export interface Frame {
  width: number
  height: number
}

/** Largest relative difference of aspect ratios accepted between an annotation file and an image. */
export const ASPECT_TOLERANCE = 0.01

export function annotationFrame(image: Pick<ImageRow, 'annotation_width' | 'annotation_height'>): Frame {
  return { width: image.annotation_width, height: image.annotation_height }
}

export function sameFrame(a: Frame, b: Frame): boolean {
  return a.width === b.width && a.height === b.height
}

/** Why masks made at `file` cannot be mapped onto `target`, or null when they can. */
export function frameMismatch(file: Frame, target: Frame): string | null {
  if (sameFrame(file, target)) return null
  const fileAspect = file.width / file.height
  const targetAspect = target.width / target.height
  if (Math.abs(fileAspect / targetAspect - 1) <= ASPECT_TOLERANCE) return null
  return `the annotations are ${file.width}×${file.height} but the image is ${target.width}×${target.height} at annotation size (another aspect ratio)`
}

/**
 * The mask of `segmentation` at `target` size. `fileFrame` is the image size the file states (used
 * for polygons). Throws ExchangeError('bad_annotation') for masks that do not decode.
 */
export function segmentationToRle(segmentation: Segmentation, fileFrame: Frame, target: Frame, what: string): Rle {
  try {
    if (Array.isArray(segmentation)) {
      const sx = target.width / fileFrame.width
      const sy = target.height / fileFrame.height
      const scaled = sameFrame(fileFrame, target)
        ? segmentation
        : segmentation.map((polygon) => polygon.map((value, index) => value * (index % 2 === 0 ? sx : sy)))
      return rleFromPolygons(scaled, target.height, target.width)
    }
    const size: [number, number] = [segmentation.size[0], segmentation.size[1]]
    let rle: Rle
    if (typeof segmentation.counts === 'string') rle = decompressRle({ size, counts: segmentation.counts })
    else {
      validateRle({ size, counts: segmentation.counts })
      rle = { size, counts: Uint32Array.from(segmentation.counts) }
    }
    const rleFrame = { width: size[1], height: size[0] }
    if (sameFrame(rleFrame, target)) return rle
    const mismatch = frameMismatch(rleFrame, target)
    if (mismatch) throw new RleFormatError(`its RLE is ${size[0]}×${size[1]}: ${mismatch}`)
    return resampleRleNearest(rle, target.height, target.width)
  } catch (error) {
    if (error instanceof RleFormatError) throw new ExchangeError('bad_annotation', `${what}: the mask does not decode (${error.message}).`)
    throw error
  }
}

export function scalePrompt(prompt: MaskPrompt | null, from: Frame, to: Frame): MaskPrompt | null {
  if (prompt === null || sameFrame(from, to)) return prompt
  const sx = to.width / from.width
  const sy = to.height / from.height
  return {
    ...prompt,
    ...(prompt.points ? { points: prompt.points.map((point) => ({ ...point, x: point.x * sx, y: point.y * sy })) } : {}),
    ...(Array.isArray(prompt.box)
      ? { box: [prompt.box[0] * sx, prompt.box[1] * sy, prompt.box[2] * sx, prompt.box[3] * sy] as [number, number, number, number] }
      : prompt.box
        ? { box: { x0: prompt.box.x0 * sx, y0: prompt.box.y0 * sy, x1: prompt.box.x1 * sx, y1: prompt.box.y1 * sy } }
        : {}),
  }
}

/**
 * Canonical counts, area and SA-1B box of a segmentation at `target` size. A compressed RLE already
 * at the target size (every mask of a bundle) is measured from its string alone; when the string is
 * canonical (what this app writes) it is stored as it is, otherwise re-encoded. Same result as
 * decoding with `segmentationToRle` and measuring, which every other segmentation still takes.
 */
export function measuredSegmentation(
  segmentation: Segmentation,
  fileFrame: Frame,
  target: Frame,
  what: string | (() => string),
): { rleCounts: string; area: number; bbox: BboxXywh } {
  const name = () => (typeof what === 'string' ? what : what())
  if (
    !Array.isArray(segmentation) &&
    typeof segmentation.counts === 'string' &&
    segmentation.size[0] === target.height &&
    segmentation.size[1] === target.width
  ) {
    const compressed = { size: [segmentation.size[0], segmentation.size[1]] as [number, number], counts: segmentation.counts }
    let measured
    try {
      measured = measureCompressedRle(compressed)
    } catch (error) {
      if (error instanceof RleFormatError)
        throw new ExchangeError('bad_annotation', `${what}: the mask does not decode (${error.message}).`)
      throw error
    }
    return {
      rleCounts: measured.canonical ? compressed.counts : compressRle(decompressRle(compressed)).counts,
      area: measured.area,
      bbox: sa1bBboxFromCocoBbox(measured.bbox),
    }
  }
  const rle = segmentationToRle(segmentation, fileFrame, target, name())
  return { rleCounts: compressRle(rle).counts, area: rleArea(rle), bbox: rleToSa1bBbox(rle) }
}

/** How annotations without (or ignoring) Tessera provenance are stored. */
export interface PlainImport {
  kind: 'plain'
  state: MaskState
  actor: string
  now: string
}

/** Masks of one SA-1B-shaped annotation list for `target`; `label` names the file or entry in messages. */
export function stageAnnotations(
  annotations: readonly Sa1bAnnotationInput[],
  fileFrame: Frame,
  target: ImageRow,
  mode: { kind: 'bundle' } | PlainImport,
  label: string,
): StagedMask[] {
  const to = annotationFrame(target)
  // Object literals, not spreads of a common part: this runs once per mask of every import.
  return annotations.map((annotation, index) => {
    const what = () => `${label}, annotation ${annotation.id ?? index}`
    const { rleCounts, area, bbox } = measuredSegmentation(annotation.segmentation, fileFrame, to, what)
    const pointCoords = annotation.point_coords ? (scalePoints(annotation.point_coords, fileFrame, to) as PointXy[]) : null
    const cropBox = annotation.crop_box ? scaleBox(annotation.crop_box as BboxXywh, fileFrame, to) : null
    if (mode.kind === 'plain') {
      return {
        rleCounts,
        area,
        bbox,
        predictedIou: annotation.predicted_iou ?? null,
        stabilityScore: annotation.stability_score ?? null,
        pointCoords,
        cropBox,
        sourceMaskId: null,
        source: 'imported',
        state: mode.state,
        prompt: null,
        modelKey: null,
        actor: mode.actor,
        secondsSpent: null,
        clicks: null,
        originSourceMaskId: null,
        originIou: null,
        createdAt: mode.now,
        updatedAt: mode.now,
        origin: { file: label, annotationId: annotation.id ?? null },
      } satisfies StagedMask
    }
    const provenance = annotation.tessera
    if (!provenance) throw new ExchangeError('bad_annotation', `${what()} has no Tessera provenance block, which bundles always carry.`)
    return {
      rleCounts,
      area,
      bbox,
      predictedIou: annotation.predicted_iou ?? null,
      stabilityScore: annotation.stability_score ?? null,
      pointCoords,
      cropBox,
      sourceMaskId: provenance.mask_id,
      source: provenance.source,
      state: provenance.state,
      // Provenance is in the exporting project's annotation pixels, which are the file's frame in a bundle.
      prompt: scalePrompt(provenance.prompt as MaskPrompt | null, fileFrame, to),
      modelKey: provenance.model ? modelKey(provenance.model.encoder_sha256, provenance.model.decoder_sha256) : null,
      actor: provenance.actor,
      secondsSpent: provenance.seconds_spent,
      clicks: provenance.clicks ?? null,
      originSourceMaskId: provenance.origin_mask_id ?? null,
      originIou: provenance.origin_iou ?? null,
      createdAt: provenance.created_at,
      updatedAt: provenance.updated_at,
      origin: { entry: label, maskId: provenance.mask_id },
    } satisfies StagedMask
  })
}

/**
 * An image row standing for a frame with no project image behind it: masks of unmatched images are
 * still decoded and checked against it, so a bad mask refuses an import wherever it belongs.
 */
export function frameOnlyImage(frame: Frame): ImageRow {
  return {
    id: 0,
    content_hash: '',
    rel_path: '',
    file_size: 0,
    file_mtime_ms: 0,
    width: frame.width,
    height: frame.height,
    orientation: 1,
    annotation_width: frame.width,
    annotation_height: frame.height,
    status: 'todo',
    missing: 0,
  }
}

/** The frame an SA-1B document's masks were made at. */
export function documentFrame(document: Sa1bDocumentInput): Frame {
  return { width: document.image.width, height: document.image.height }
}
