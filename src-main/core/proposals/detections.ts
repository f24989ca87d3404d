/**
 * Box detections as proposal sources (SAM's own Stage 2 drew its confident masks from a box
 * detector): COCO-style JSON ({ images, annotations } with XYWH boxes in image pixels) or YOLO label
 * files (`class cx cy w h [confidence]`, normalised to [0, 1], one .txt per image, named after it).
 * Boxes come out per project image, XYXY in annotation pixels.
 */
import { readFile, readdir, stat } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { AppError } from '../../../src-preload/contract/errors'

export interface ProjectImageRef {
  id: number
  relPath: string
  /** Original (oriented) size, the frame detectors usually report in. */
  width: number
  height: number
  annotationWidth: number
  annotationHeight: number
}

export interface DetectionBox {
  /** XYXY in annotation pixels, clipped to the image. */
  box: [number, number, number, number]
  score: number | null
}

export interface DetectionSet {
  byImage: Map<number, DetectionBox[]>
  /** Boxes whose image is not in the project, by the name the file used. */
  unmatched: string[]
  /** Boxes below the score threshold or degenerate after clipping. */
  skipped: number
}

function stem(path: string): string {
  const name = basename(path.replace(/\\/g, '/'))
  return name.slice(0, name.length - extname(name).length)
}

/** Finds the project image a detection file names: exact relative path, then a unique base name. */
export function imageMatcher(images: readonly ProjectImageRef[]): (name: string) => ProjectImageRef | null {
  const byPath = new Map(images.map((image) => [image.relPath, image]))
  const byStem = new Map<string, ProjectImageRef | null>()
  for (const image of images) {
    const key = stem(image.relPath)
    byStem.set(key, byStem.has(key) ? null : image) // null: ambiguous
  }
  return (name) => byPath.get(name.replace(/\\/g, '/')) ?? byStem.get(stem(name)) ?? null
}

function clipBox(box: [number, number, number, number], width: number, height: number): [number, number, number, number] | null {
  const x0 = Math.max(0, Math.min(width, Math.min(box[0], box[2])))
  const x1 = Math.max(0, Math.min(width, Math.max(box[0], box[2])))
  const y0 = Math.max(0, Math.min(height, Math.min(box[1], box[3])))
  const y1 = Math.max(0, Math.min(height, Math.max(box[1], box[3])))
  return x1 - x0 >= 1 && y1 - y0 >= 1 ? [x0, y0, x1, y1] : null
}

function add(
  set: DetectionSet,
  image: ProjectImageRef,
  box: [number, number, number, number],
  score: number | null,
  minScore: number,
): void {
  if (score !== null && score < minScore) {
    set.skipped++
    return
  }
  const clipped = clipBox(box, image.annotationWidth, image.annotationHeight)
  if (!clipped) {
    set.skipped++
    return
  }
  const list = set.byImage.get(image.id)
  if (list) list.push({ box: clipped, score })
  else set.byImage.set(image.id, [{ box: clipped, score }])
}

/** COCO-style detections. Boxes are in the `images` entry's pixel frame (else the image's original size). */
export function parseCocoDetections(document: unknown, images: readonly ProjectImageRef[], minScore = 0): DetectionSet {
  const record = document as { images?: unknown; annotations?: unknown }
  if (!record || typeof record !== 'object' || !Array.isArray(record.images) || !Array.isArray(record.annotations)) {
    throw new AppError(
      'invalid_request',
      'Detections must be COCO JSON with "images" (id, file_name) and "annotations" (image_id, bbox [x, y, w, h], optional score). A bare results list has no file names to match.',
    )
  }
  const match = imageMatcher(images)
  const files = new Map<unknown, { image: ProjectImageRef | null; name: string; width?: number; height?: number }>()
  for (const entry of record.images as { id?: unknown; file_name?: unknown; width?: unknown; height?: unknown }[]) {
    const name = typeof entry.file_name === 'string' ? entry.file_name : ''
    files.set(entry.id, {
      image: match(name),
      name,
      ...(typeof entry.width === 'number' ? { width: entry.width } : {}),
      ...(typeof entry.height === 'number' ? { height: entry.height } : {}),
    })
  }
  const set: DetectionSet = { byImage: new Map(), unmatched: [], skipped: 0 }
  for (const annotation of record.annotations as { image_id?: unknown; bbox?: unknown; score?: unknown }[]) {
    const file = files.get(annotation.image_id)
    const bbox = annotation.bbox
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((value) => typeof value === 'number' && Number.isFinite(value))) {
      throw new AppError('invalid_request', `A detection of image ${String(annotation.image_id)} has no valid bbox [x, y, w, h].`)
    }
    if (!file?.image) {
      set.unmatched.push(file?.name ?? `image_id ${String(annotation.image_id)}`)
      continue
    }
    const image = file.image
    const sx = image.annotationWidth / (file.width ?? image.width)
    const sy = image.annotationHeight / (file.height ?? image.height)
    const [x, y, w, h] = bbox as [number, number, number, number]
    add(set, image, [x * sx, y * sy, (x + w) * sx, (y + h) * sy], typeof annotation.score === 'number' ? annotation.score : null, minScore)
  }
  return set
}

/** YOLO label text of one image: `class cx cy w h [confidence]` per line, normalised to [0, 1]. */
export function parseYoloLabels(text: string, image: ProjectImageRef, set: DetectionSet, minScore = 0, source = 'labels'): void {
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const fields = line.split(/\s+/).map(Number)
    if (fields.length < 5 || fields.length > 6 || fields.some((value) => !Number.isFinite(value))) {
      throw new AppError(
        'invalid_request',
        `${source} line ${index + 1}: expected "class cx cy w h [confidence]", got "${line.slice(0, 80)}".`,
      )
    }
    const [, cx, cy, w, h, confidence] = fields as [number, number, number, number, number, number | undefined]
    const W = image.annotationWidth
    const H = image.annotationHeight
    add(set, image, [(cx - w / 2) * W, (cy - h / 2) * H, (cx + w / 2) * W, (cy + h / 2) * H], confidence ?? null, minScore)
  }
}

/** Reads a COCO JSON file, or a folder (or single .txt) of YOLO labels. */
export async function readDetections(path: string, images: readonly ProjectImageRef[], minScore = 0): Promise<DetectionSet> {
  let info
  try {
    info = await stat(path)
  } catch {
    throw new AppError('not_found', `There is no detections file or folder at ${path}.`)
  }
  const yoloFiles = info.isDirectory()
    ? (await readdir(path)).filter((name) => name.toLowerCase().endsWith('.txt')).map((name) => join(path, name))
    : path.toLowerCase().endsWith('.txt')
      ? [path]
      : null
  if (!yoloFiles) {
    let document: unknown
    try {
      document = JSON.parse(await readFile(path, 'utf8'))
    } catch (error) {
      throw new AppError('invalid_request', `${basename(path)} is not readable JSON: ${(error as Error).message}`)
    }
    return parseCocoDetections(document, images, minScore)
  }
  if (yoloFiles.length === 0) throw new AppError('invalid_request', `${path} holds no YOLO label files (.txt).`)
  const match = imageMatcher(images)
  const set: DetectionSet = { byImage: new Map(), unmatched: [], skipped: 0 }
  for (const file of yoloFiles) {
    const image = match(basename(file))
    if (!image) {
      set.unmatched.push(basename(file))
      continue
    }
    parseYoloLabels(await readFile(file, 'utf8'), image, set, minScore, basename(file))
  }
  return set
}
