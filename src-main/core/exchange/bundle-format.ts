/**
 * The Tessera bundle (.zip), format version 1:
 *
 *   manifest.json        format, version, project id, exporter, time, models (with hashes), counts,
 *                        and the SHA-256 and size of every other entry
 *   sa1b/<image id>.json SA-1B per-image JSON at annotation size, with Tessera provenance blocks
 *   coco.json            the same masks as COCO instances JSON
 *   events.jsonl         the event-log slice that explains the exported masks and images, one event a line
 *   images/<sha256>.<ext> optional: the original image files, named by content hash
 *
 * Readers refuse entry names outside this list, so a bundle can never smuggle a path.
 */
import { z } from 'zod'
import { MASK_SOURCES, MASK_STATES } from '../project/mask-repository'

export const BUNDLE_FORMAT = 'tessera-bundle'
export const BUNDLE_FORMAT_VERSION = 1
export const MANIFEST_ENTRY = 'manifest.json'
export const COCO_ENTRY = 'coco.json'
export const EVENTS_ENTRY = 'events.jsonl'

export const SA1B_ENTRY_PATTERN = /^sa1b\/([1-9][0-9]{0,15})\.json$/
export const IMAGE_ENTRY_PATTERN = /^images\/([0-9a-f]{64})(\.[a-z0-9]{1,10})?$/

export function sa1bEntryName(imageId: number): string {
  return `sa1b/${imageId}.json`
}

/** `images/<content hash><lower-case extension of the original file, when it is plain>`. */
export function imageEntryName(contentHash: string, relPath: string): string {
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(relPath)?.[1]?.toLowerCase()
  return `images/${contentHash}${extension ? `.${extension}` : ''}`
}

export type EntryKind = 'manifest' | 'sa1b' | 'coco' | 'events' | 'image'

export function entryKind(name: string): EntryKind | null {
  if (name === MANIFEST_ENTRY) return 'manifest'
  if (name === COCO_ENTRY) return 'coco'
  if (name === EVENTS_ENTRY) return 'events'
  if (SA1B_ENTRY_PATTERN.test(name)) return 'sa1b'
  if (IMAGE_ENTRY_PATTERN.test(name)) return 'image'
  return null
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/)
const count = z.number().int().nonnegative()

export const BundleModel = z.object({
  id: z.number().int(),
  name: z.string(),
  variant: z.string(),
  encoderSha256: z.string(),
  decoderSha256: z.string(),
  encoderBytes: count,
  decoderBytes: count,
})
export type BundleModel = z.infer<typeof BundleModel>

export const BundleManifest = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  projectId: z.string().min(1),
  projectName: z.string(),
  exporter: z.object({ name: z.string(), version: z.string(), actor: z.string() }),
  createdAt: z.string(),
  /** Masks in sa1b/ and coco.json are at each image's annotation size. */
  frame: z.literal('annotation'),
  models: z.array(BundleModel),
  counts: z.object({ images: count, masks: count, events: count, imageFiles: count }),
  /** The selection that was exported (states and thresholds), for the record. */
  filter: z.record(z.string(), z.unknown()),
  /** Original image files that could not be included (missing, or changed since they were imported). */
  skippedImageFiles: z.array(z.object({ relPath: z.string(), reason: z.string() })),
  entries: z.array(z.object({ name: z.string(), sha256: sha256Hex, bytes: count })),
})
export type BundleManifest = z.infer<typeof BundleManifest>

const finite = z.number().finite()
const box = z.tuple([finite, finite, finite, finite])
const point = z.tuple([finite, finite])

/** Compressed, uncompressed or polygon segmentation (as pycocotools reads them). */
export const Segmentation = z.union([
  z.object({ size: z.tuple([count, count]), counts: z.union([z.string(), z.array(count)]) }),
  z.array(z.array(finite)),
])
export type Segmentation = z.infer<typeof Segmentation>

export const MaskProvenanceSchema = z.object({
  mask_id: z.number().int(),
  state: z.enum(MASK_STATES),
  source: z.enum(MASK_SOURCES),
  actor: z.string(),
  prompt: z.record(z.string(), z.unknown()).nullable(),
  model: z.object({ name: z.string(), variant: z.string(), encoder_sha256: z.string(), decoder_sha256: z.string() }).nullable(),
  seconds_spent: finite.nullable(),
  /** Effort and edit distance (added with format 1 bundles of Tessera 0.1; absent in older files). */
  clicks: z.number().int().min(0).nullable().optional(),
  origin_mask_id: z.number().int().nullable().optional(),
  origin_iou: finite.nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
})

/** An SA-1B annotation as read: the SA-1B fields (nullable where Tessera writes null) plus optional provenance. */
export const Sa1bAnnotationSchema = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  segmentation: Segmentation,
  bbox: box.optional(),
  area: finite.optional(),
  predicted_iou: finite.nullable().optional(),
  stability_score: finite.nullable().optional(),
  crop_box: box.nullable().optional(),
  point_coords: z.array(point).nullable().optional(),
  tessera: MaskProvenanceSchema.optional(),
})
export type Sa1bAnnotationInput = z.infer<typeof Sa1bAnnotationSchema>

export const Sa1bImageProvenanceSchema = z.object({
  format: z.literal('tessera-sa1b'),
  version: z.literal(1),
  frame: z.enum(['annotation', 'original']),
  annotation_width: count,
  annotation_height: count,
  original_width: count,
  original_height: count,
  orientation: z.number().int().min(1).max(8),
  rel_path: z.string(),
  content_hash: z.string(),
  status: z.enum(['todo', 'in_progress', 'done', 'skipped']),
  status_at: z.string().nullable(),
})

export const Sa1bDocumentSchema = z.object({
  image: z.object({
    image_id: z.union([z.number(), z.string()]).optional(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    file_name: z.string(),
  }),
  annotations: z.array(Sa1bAnnotationSchema),
  tessera: Sa1bImageProvenanceSchema.optional(),
})
export type Sa1bDocumentInput = z.infer<typeof Sa1bDocumentSchema>

/** One line of events.jsonl: an event of the exporting project (ids are that project's). */
export const BundleEvent = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  kind: z.string(),
  entity: z.enum(['mask', 'image']),
  entity_id: z.number().int().nullable(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
})
export type BundleEvent = z.infer<typeof BundleEvent>

/** Size limits a reader enforces before and while inflating (zip bombs, absurd bundles). */
export interface BundleLimits {
  maxEntries: number
  /** Largest uncompressed entry, declared or actual. */
  maxEntryBytes: number
  /** Largest JSON entry that is parsed whole (manifest, one image's SA-1B file). */
  maxJsonEntryBytes: number
  /** Longest line of events.jsonl. */
  maxLineBytes: number
  /** Sum of declared uncompressed sizes. */
  maxTotalBytes: number
  /** Largest uncompressed / compressed ratio of an entry … */
  maxCompressionRatio: number
  /** … checked for entries above this uncompressed size (tiny entries compress oddly). */
  ratioCheckMinBytes: number
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxEntries: 1_000_000,
  maxEntryBytes: 4 * 1024 ** 3,
  maxJsonEntryBytes: 256 * 1024 ** 2,
  maxLineBytes: 16 * 1024 ** 2,
  maxTotalBytes: 256 * 1024 ** 3,
  // Deflate tops out near 1032:1; JSON of masks compresses 3–20:1.
  maxCompressionRatio: 200,
  ratioCheckMinBytes: 1024 ** 2,
}
