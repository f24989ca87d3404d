/**
 * A validator for SA-1B and COCO files: decodes every mask and checks it against what the file
 * declares (area, box in the file's convention, size, canonical RLE string, prompt point inside).
 * Used by `tessera inspect`; reads SA-1B per-image JSON, SAM's amg.py record lists and COCO
 * instances JSON, with compressed RLE, uncompressed RLE or polygon segmentations.
 */
import { readFile } from 'node:fs/promises'
import {
  RleFormatError,
  compressRle,
  decompressRle,
  rleArea,
  rleToBbox,
  rleToSa1bBbox,
  validateRle,
  type BboxXywh,
  type Rle,
} from '../masks'
import { rleFromPolygons } from '../masks/polygon'

export type FileFormat = 'sa1b' | 'sam-amg-list' | 'coco'
export type Severity = 'error' | 'note'

export interface InspectLine {
  file: string
  id: number | string | null
  area_decoded: number | null
  coco_bbox: BboxXywh | null
  sa1b_bbox: BboxXywh | null
  /** The stored string re-encodes identically (null where the file had no compressed string). */
  reencode_identical: boolean | null
  /** point_coords[0] lies inside the decoded mask (null where there is no point). */
  point_inside: boolean | null
  problems: string[]
}

export interface Inconsistency {
  file: string
  id: number | string | null
  severity: Severity
  problem: string
}

export interface InspectSummary {
  files: number
  annotations: number
  errors: number
  notes: number
  /** Problem text → how often it occurred. */
  byProblem: Record<string, number>
  inconsistencies: Inconsistency[]
}

interface RawAnnotation {
  id?: unknown
  image_id?: unknown
  segmentation?: unknown
  area?: unknown
  bbox?: unknown
  point_coords?: unknown
}

type Segmentation = { size: [number, number]; counts: string | number[] } | number[][]

interface Located {
  annotation: RawAnnotation
  image: { height: number; width: number } | null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function detectFormat(document: unknown): FileFormat {
  if (Array.isArray(document)) return 'sam-amg-list'
  if (isRecord(document) && Array.isArray(document.annotations)) {
    if (isRecord(document.image)) return 'sa1b'
    if (Array.isArray(document.images)) return 'coco'
  }
  throw new Error('not an SA-1B file ({ image, annotations }), a SAM amg.py list, or COCO instances JSON ({ images, annotations })')
}

function locate(document: unknown, format: FileFormat): Located[] {
  if (format === 'sam-amg-list') return (document as RawAnnotation[]).map((annotation) => ({ annotation, image: null }))
  const record = document as Record<string, unknown>
  if (format === 'sa1b') {
    const image = record.image as Record<string, unknown>
    const size = typeof image.height === 'number' && typeof image.width === 'number' ? { height: image.height, width: image.width } : null
    return (record.annotations as RawAnnotation[]).map((annotation) => ({ annotation, image: size }))
  }
  const sizes = new Map<unknown, { height: number; width: number }>()
  for (const image of record.images as Record<string, unknown>[]) {
    if (typeof image.height === 'number' && typeof image.width === 'number')
      sizes.set(image.id, { height: image.height, width: image.width })
  }
  return (record.annotations as RawAnnotation[]).map((annotation) => ({ annotation, image: sizes.get(annotation.image_id) ?? null }))
}

function toRle(segmentation: unknown, image: { height: number; width: number } | null): { rle: Rle; storedString: string | null } {
  if (Array.isArray(segmentation)) {
    if (!image) throw new RleFormatError('polygon segmentation without an image size to rasterise it at')
    return { rle: rleFromPolygons(segmentation as number[][], image.height, image.width), storedString: null }
  }
  if (!isRecord(segmentation) || !Array.isArray(segmentation.size) || segmentation.size.length !== 2) {
    throw new RleFormatError('segmentation is neither an RLE { size, counts } nor a list of polygons')
  }
  const size = segmentation.size as [number, number]
  if (typeof segmentation.counts === 'string')
    return { rle: decompressRle({ size, counts: segmentation.counts }), storedString: segmentation.counts }
  if (Array.isArray(segmentation.counts)) {
    const rle: Rle = { size, counts: segmentation.counts as number[] }
    validateRle(rle)
    return { rle, storedString: null }
  }
  throw new RleFormatError('segmentation.counts is neither a string nor a list of run lengths')
}

function sameBox(a: readonly number[], b: readonly number[]): boolean {
  return a.length === 4 && a.every((value, index) => Math.abs(value - (b[index] as number)) < 1e-6)
}

/** Decodes one annotation and lists what disagrees with the file. */
function inspectAnnotation(file: string, format: FileFormat, located: Located): InspectLine {
  const { annotation, image } = located
  const id = typeof annotation.id === 'number' || typeof annotation.id === 'string' ? annotation.id : null
  const line: InspectLine = {
    file,
    id,
    area_decoded: null,
    coco_bbox: null,
    sa1b_bbox: null,
    reencode_identical: null,
    point_inside: null,
    problems: [],
  }
  let decoded
  try {
    decoded = toRle(annotation.segmentation as Segmentation, image)
  } catch (error) {
    line.problems.push(`cannot decode segmentation: ${(error as Error).message}`)
    return line
  }
  const { rle, storedString } = decoded
  const [height, width] = rle.size
  line.area_decoded = rleArea(rle)
  line.coco_bbox = rleToBbox(rle)
  line.sa1b_bbox = rleToSa1bBbox(rle)
  if (storedString !== null) line.reencode_identical = compressRle(rle).counts === storedString
  if (line.reencode_identical === false) line.problems.push('counts string is not canonical (re-encoding gives a different string)')
  if (image && (image.height !== height || image.width !== width))
    line.problems.push(`mask size ${height}×${width} differs from the image's ${image.height}×${image.width}`)
  if (annotation.area !== undefined && annotation.area !== line.area_decoded) {
    // COCO polygon areas are the polygon's geometric area, not the pixel count: a note, not an error.
    const problem = Array.isArray(annotation.segmentation)
      ? 'area differs from the rasterised polygon (COCO stores geometric area)'
      : 'area differs from the decoded pixel count'
    line.problems.push(problem)
  }
  if (Array.isArray(annotation.bbox)) {
    const declared = (annotation.bbox as unknown[]).map(Number)
    const expected = format === 'coco' ? line.coco_bbox : line.sa1b_bbox
    const other = format === 'coco' ? line.sa1b_bbox : line.coco_bbox
    if (!sameBox(declared, expected)) {
      line.problems.push(
        sameBox(declared, other)
          ? `bbox follows the ${format === 'coco' ? 'SA-1B (inclusive, one pixel short)' : 'COCO'} convention, not this file's`
          : 'bbox does not match the mask',
      )
    }
  }
  const point = Array.isArray(annotation.point_coords) ? (annotation.point_coords[0] as unknown) : undefined
  if (Array.isArray(point) && point.length === 2 && rleArea(rle) > 0) {
    const x = Math.floor(Number(point[0]))
    const y = Math.floor(Number(point[1]))
    line.point_inside = x >= 0 && y >= 0 && x < width && y < height && pixelSet(rle, x, y)
    if (!line.point_inside) line.problems.push('point_coords lie outside the mask')
  } else if (Array.isArray(point) && rleArea(rle) === 0) {
    line.point_inside = false
  }
  return line
}

/** Whether pixel (x, y) is set, walking the column-major runs without decoding the mask. */
function pixelSet(rle: Rle, x: number, y: number): boolean {
  const target = x * rle.size[0] + y
  let position = 0
  for (let index = 0; index < rle.counts.length; index++) {
    position += rle.counts[index] as number
    if (target < position) return index % 2 === 1
  }
  return false
}

/** Problems that are facts of real data rather than errors (SA-1B's points are not always inside). */
const NOTE_PROBLEMS = [/^point_coords lie outside/, /geometric area/]

/** A line for a problem with the whole file (no annotation could be read). */
function fileProblem(file: string, problem: string): InspectLine {
  return {
    file,
    id: null,
    area_decoded: null,
    coco_bbox: null,
    sa1b_bbox: null,
    reencode_identical: null,
    point_inside: null,
    problems: [problem],
  }
}

export async function inspectFile(file: string): Promise<InspectLine[]> {
  let document: unknown
  try {
    document = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    return [fileProblem(file, `cannot read the file as JSON: ${(error as Error).message}`)]
  }
  let format: FileFormat
  try {
    format = detectFormat(document)
  } catch (error) {
    return [fileProblem(file, (error as Error).message)]
  }
  const lines = locate(document, format).map((located) => inspectAnnotation(file, format, located))
  const seen = new Set<unknown>()
  for (const line of lines) {
    if (line.id !== null && seen.has(line.id)) line.problems.push('duplicate annotation id')
    seen.add(line.id)
  }
  return lines
}

export function summarise(lines: readonly InspectLine[], files: number): InspectSummary {
  const summary: InspectSummary = { files, annotations: 0, errors: 0, notes: 0, byProblem: {}, inconsistencies: [] }
  for (const line of lines) {
    if (line.area_decoded !== null || line.problems.length === 0) summary.annotations++
    for (const problem of line.problems) {
      const severity: Severity = NOTE_PROBLEMS.some((pattern) => pattern.test(problem)) ? 'note' : 'error'
      summary[severity === 'error' ? 'errors' : 'notes']++
      summary.byProblem[problem] = (summary.byProblem[problem] ?? 0) + 1
      summary.inconsistencies.push({ file: line.file, id: line.id, severity, problem })
    }
  }
  return summary
}
