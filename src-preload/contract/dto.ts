/**
 * Data transfer objects: the shapes that cross the boundary between backend core and renderer.
 * Defined once as zod schemas so the TypeScript types and the runtime checks cannot drift apart.
 */
import { z } from 'zod'

/** Per-image workflow state, as the annotator sees it in the grid. */
export const ImageStatus = z.enum(['todo', 'in_progress', 'done', 'skipped'])
export type ImageStatus = z.infer<typeof ImageStatus>

export const ProjectSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** Folder the images are read from; the project never writes into it. */
  imageRoot: z.string(),
  /** The project's own folder (SQLite file + cache). */
  projectDir: z.string(),
  /** Longest side of the annotation-size copy, in pixels (SA-1B uses 1500). */
  annotationMaxSide: z.number().int(),
  imageCount: z.number().int(),
  isDemo: z.boolean(),
  createdAt: z.string(),
})
export type ProjectSummary = z.infer<typeof ProjectSummary>

export const RecentProject = z.object({
  projectDir: z.string(),
  name: z.string(),
  imageRoot: z.string(),
  openedAt: z.string(),
  /** False when the project folder has gone since it was last opened. */
  available: z.boolean(),
})
export type RecentProject = z.infer<typeof RecentProject>

export const ImageSummary = z.object({
  id: z.number().int(),
  relPath: z.string(),
  /** sha256 of the file's bytes, hex; the image's identity across moves and machines. */
  contentHash: z.string(),
  /** Size after EXIF orientation, in pixels. */
  width: z.number().int(),
  height: z.number().int(),
  /** Size of the annotation copy (longest side ≤ project's annotationMaxSide), in pixels. */
  annotationWidth: z.number().int(),
  annotationHeight: z.number().int(),
  /** EXIF orientation tag 1–8 of the original file. */
  orientation: z.number().int(),
  status: ImageStatus,
  /** True while the file is absent from the image root (kept, with its masks, until it returns). */
  missing: z.boolean(),
  /** The active model's embedding of this image is cached, so prompts answer at once. */
  embeddingReady: z.boolean(),
  /** Proposals auto-accepted / waiting for review on this image. */
  autoCount: z.number().int(),
  reviewCount: z.number().int(),
  /** Masks a person accepted or made (accepted state), for per-image progress. */
  acceptedCount: z.number().int(),
})
export type ImageSummary = z.infer<typeof ImageSummary>

export const ImagePage = z.object({
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(ImageSummary),
  counts: z.record(ImageStatus, z.number().int()),
})
export type ImagePage = z.infer<typeof ImagePage>

export const ImportIssue = z.object({
  relPath: z.string(),
  reason: z.string(),
  at: z.string(),
})
export type ImportIssue = z.infer<typeof ImportIssue>

export const ScanSummary = z.object({
  added: z.number().int(),
  moved: z.number().int(),
  changed: z.number().int(),
  missing: z.number().int(),
  restored: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  duplicates: z.number().int(),
})
export type ScanSummary = z.infer<typeof ScanSummary>

export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'])
export type JobState = z.infer<typeof JobState>

export const EncodeSummary = z.object({
  encoded: z.number().int(),
  /** Already cached before the job (skipped). */
  cached: z.number().int(),
  failed: z.number().int(),
})
export type EncodeSummary = z.infer<typeof EncodeSummary>

export const ProposeSummary = z.object({
  images: z.number().int(),
  proposals: z.number().int(),
  auto: z.number().int(),
  review: z.number().int(),
  discarded: z.number().int(),
  failed: z.number().int(),
  /** Images this run had already finished (skipped, so a re-run resumes). */
  skipped: z.number().int(),
})
export type ProposeSummary = z.infer<typeof ProposeSummary>

/** Export or import of masks (SA-1B, COCO, bundles). */
export const ExchangeSummary = z.object({
  direction: z.enum(['export', 'import']),
  images: z.number().int(),
  masks: z.number().int(),
  /** Export: the file or folder written. */
  target: z.string().nullable(),
  /** Import: images of the files that are not in this project. */
  unmatched: z.number().int(),
})
export type ExchangeSummary = z.infer<typeof ExchangeSummary>

export const JobKind = z.enum(['import', 'encode', 'propose', 'export', 'exchange-import'])
export type JobKind = z.infer<typeof JobKind>

export const JobInfo = z.object({
  id: z.string(),
  kind: JobKind,
  label: z.string(),
  state: JobState,
  done: z.number().int(),
  total: z.number().int(),
  /** Seconds left at the current rate, or null before there is a rate to go by. */
  etaSeconds: z.number().nullable(),
  error: z.string().nullable(),
  /** Kind-specific result once done: a ScanSummary for import, an EncodeSummary for encode. */
  result: z.union([ScanSummary, EncodeSummary, ProposeSummary, ExchangeSummary]).nullable(),
})
export type JobInfo = z.infer<typeof JobInfo>

export const DirectoryListing = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  directories: z.array(z.string()),
  /** Images directly inside this folder (not recursive), to help pick the right one. */
  imageCount: z.number().int(),
  /** Files with the requested endings (empty unless asked for). */
  files: z.array(z.string()),
})
export type DirectoryListing = z.infer<typeof DirectoryListing>

export const AppInfo = z.object({
  version: z.string(),
  transport: z.enum(['electron', 'web-shell']),
  dataDir: z.string(),
  /** Platform path separator and home folder, for the folder chooser. */
  homeDir: z.string(),
})
export type AppInfo = z.infer<typeof AppInfo>

// ── Segmentation ────────────────────────────────────────────────────────────────────────────────────

export const ModelVariant = z.enum(['sam-official', 'sam-hq', 'edge-sam', 'efficient-sam', 'sam2'])
export type ModelVariant = z.infer<typeof ModelVariant>

export const ModelInfo = z.object({
  id: z.number().int(),
  name: z.string(),
  variant: ModelVariant,
  /** What the variant detection found, in words (e.g. "SAM ViT-B/L/H or MobileSAM, 4-token decoder"). */
  description: z.string(),
  encoderPath: z.string(),
  decoderPath: z.string(),
  encoderSha256: z.string(),
  decoderSha256: z.string(),
  encoderBytes: z.number().int(),
  decoderBytes: z.number().int(),
  /** Ships with Tessera (the demo segmenter): cannot be removed. */
  bundled: z.boolean(),
  active: z.boolean(),
})
export type ModelInfo = z.infer<typeof ModelInfo>

export const ExecutionProvider = z.enum(['cuda', 'dml', 'coreml', 'cpu'])
export type ExecutionProvider = z.infer<typeof ExecutionProvider>

export const SegmenterStatus = z.object({
  model: ModelInfo.nullable(),
  state: z.enum(['idle', 'loading', 'ready', 'failed']),
  /** The provider the encoder runs on, once loaded. */
  provider: ExecutionProvider.nullable(),
  /** Every provider considered, with why it was or was not used. */
  providersTried: z.array(z.object({ provider: ExecutionProvider, used: z.boolean(), reason: z.string() })),
  preferredProvider: z.enum(['auto', 'cuda', 'dml', 'coreml', 'cpu']),
  threads: z.number().int(),
  error: z.string().nullable(),
})
export type SegmenterStatus = z.infer<typeof SegmenterStatus>

export const EmbeddingStatus = z.object({
  imageId: z.number().int(),
  state: z.enum(['missing', 'encoding', 'ready', 'failed']),
  error: z.string().nullable(),
})
export type EmbeddingStatus = z.infer<typeof EmbeddingStatus>

/** A prompt point in annotation-image pixels. */
export const PromptPoint = z.object({
  x: z.number().finite(),
  y: z.number().finite(),
  label: z.enum(['positive', 'negative']),
})
export type PromptPoint = z.infer<typeof PromptPoint>

export const PromptBox = z.object({ x0: z.number().finite(), y0: z.number().finite(), x1: z.number().finite(), y1: z.number().finite() })
export type PromptBox = z.infer<typeof PromptBox>

export const CompressedRle = z.object({ size: z.tuple([z.number().int(), z.number().int()]), counts: z.string() })
export type CompressedRle = z.infer<typeof CompressedRle>

export const MaskCandidate = z.object({
  /** Pass back as `refineFrom` to refine with this candidate's low-resolution logits. */
  handle: z.string(),
  /** Decoder mask token (0 single-mask output, 1–3 multimask). */
  token: z.number().int(),
  /** COCO RLE at annotation size. */
  rle: CompressedRle,
  area: z.number().int(),
  /** SA-1B convention: [x, y, w, h] from inclusive max indices. */
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  predictedIou: z.number(),
  stabilityScore: z.number(),
})
export type MaskCandidate = z.infer<typeof MaskCandidate>

export const PredictResult = z.object({
  candidates: z.array(MaskCandidate),
  /** Index of the candidate to show first (highest predicted IoU). */
  best: z.number().int(),
  timings: z.object({
    /** Waiting for the image's embedding (0 when cached). */
    embeddingMs: z.number(),
    feedsMs: z.number(),
    decoderMs: z.number(),
    postprocessMs: z.number(),
    /** Backend work after the worker answered (RLE and stability are computed in the worker, in postprocessMs). */
    encodeMs: z.number(),
  }),
})
export type PredictResult = z.infer<typeof PredictResult>

// ── Proposals and masks ─────────────────────────────────────────────────────────────────────────────

export const QualityThresholds = z.object({
  predictedIou: z.number().min(0).max(1.5),
  stability: z.number().min(0).max(1),
  minArea: z.number().int().min(0),
})
export const TriagePresetName = z.enum(['high-precision', 'general', 'exploratory', 'maximum-coverage', 'custom'])
export const TriageSettings = z.object({
  preset: TriagePresetName,
  auto: QualityThresholds,
  review: QualityThresholds,
  maxAreaFraction: z.number().gt(0).max(1),
})
export type TriageSettings = z.infer<typeof TriageSettings>

export const TriageState = z.object({
  settings: TriageSettings,
  /** The built-in presets (SA-1B guidance), ready to apply. */
  presets: z.array(TriageSettings),
  /** Untouched proposals in the project by class. */
  counts: z.object({ auto: z.number().int(), review: z.number().int(), discarded: z.number().int() }),
})
export type TriageState = z.infer<typeof TriageState>

export const MaskState = z.enum(['proposed', 'accepted', 'rejected', 'auto_accepted', 'discarded', 'deleted'])
export type MaskState = z.infer<typeof MaskState>

export const MaskSummary = z.object({
  id: z.number().int(),
  state: MaskState,
  source: z.enum(['auto', 'manual', 'imported']),
  rle: CompressedRle,
  area: z.number().int(),
  /** SA-1B convention [x, y, w, h]. */
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  predictedIou: z.number().nullable(),
  stabilityScore: z.number().nullable(),
  pointCoords: z.array(z.tuple([z.number(), z.number()])).nullable(),
  cropBox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
  modelId: z.number().int().nullable(),
  /** The prompt behind the mask (annotation pixels): grid proposals have one positive point, detections a box. */
  prompt: z.object({ points: z.array(PromptPoint), box: PromptBox.nullable() }),
  /** Who made the mask, and when it last changed (ISO). */
  actor: z.string(),
  updatedAt: z.string(),
  /** What making it by hand cost; null for masks nobody made by hand (proposals, plain imports). */
  effort: z
    .object({
      seconds: z.number().nullable(),
      clicks: z.number().int().nullable(),
      /** Pixels changed with brush or eraser after the model. */
      edited: z.boolean(),
      /** The mask it was made from (a proposal edited or replaced) and the IoU between the two. */
      originMaskId: z.number().int().nullable(),
      originIou: z.number().nullable(),
    })
    .nullable(),
})
export type MaskSummary = z.infer<typeof MaskSummary>

// ── Review: decisions, history, coverage, overlaps ─────────────────────────────────────────────────

/** A person's decision on a mask; 'proposed' puts a mask back in the review queue. */
export const MaskDecision = z.enum(['accepted', 'rejected', 'proposed'])
export type MaskDecision = z.infer<typeof MaskDecision>

/** Project-wide review rules. */
export const ReviewSettings = z.object({
  /** Marking an image done with more of it uncovered than this (0–1) asks for a reason. */
  maxUncoveredFraction: z.number().min(0).max(1),
  /** Uncovered regions smaller than this (annotation pixels) are not gaps. */
  minGapArea: z.number().int().min(1).max(1_000_000),
  /** Two masks overlapping with IoU above this are flagged as possible duplicates. */
  overlapIou: z.number().gt(0).max(1),
  /**
   * The 30-second rule: after this many seconds on one object (first prompt → commit) the tool offers
   * to skip it, leaving a marker for a later stage.
   */
  objectTimeLimitSeconds: z.number().min(1).max(3600).default(30),
})
export type ReviewSettings = z.infer<typeof ReviewSettings>

/** An object left for later under the 30-second rule: where it is, and the prompt and effort so far. */
export const SkippedObject = z.object({
  id: z.number().int(),
  imageId: z.number().int(),
  /** Annotation pixels. */
  x: z.number(),
  y: z.number(),
  prompt: z.object({ points: z.array(PromptPoint), box: PromptBox.nullable() }),
  seconds: z.number(),
  clicks: z.number().int(),
  actor: z.string(),
  createdAt: z.string(),
  state: z.enum(['open', 'resolved', 'dismissed']),
  resolvedByMask: z.number().int().nullable(),
})
export type SkippedObject = z.infer<typeof SkippedObject>

/** Effort of committed manual masks: totals, the median seconds per mask and the mean clicks per mask. */
export const EffortTotals = z.object({
  masks: z.number().int(),
  seconds: z.number(),
  clicks: z.number().int(),
  medianSecondsPerMask: z.number().nullable(),
  meanClicksPerMask: z.number().nullable(),
  /** Masks made from a proposal (edited or replaced), and their mean IoU with it. */
  fromProposals: z.number().int(),
  meanProposalIou: z.number().nullable(),
  skippedObjects: z.number().int(),
})
export type EffortTotals = z.infer<typeof EffortTotals>

export const EffortSummary = z.object({
  /** The image asked about, or the whole project. */
  total: EffortTotals,
  people: z.array(EffortTotals.extend({ actor: z.string() })),
})
export type EffortSummary = z.infer<typeof EffortSummary>

/** The per-image undo/redo stack as the workspace shows it. */
export const HistoryState = z.object({
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  /** What undo / redo would do, for tooltips ("Accept mask 12"). */
  undoLabel: z.string().nullable(),
  redoLabel: z.string().nullable(),
})
export type HistoryState = z.infer<typeof HistoryState>

/** What a decision, undo, redo or overlap resolution changed: the masks as they are now. */
export const ReviewChange = z.object({
  /** Every mask whose state changed, and every mask created (full summaries). */
  masks: z.array(MaskSummary),
  history: HistoryState,
  image: ImageSummary,
})
export type ReviewChange = z.infer<typeof ReviewChange>

export const CoverageReport = z.object({
  imageId: z.number().int(),
  totalPixels: z.number().int(),
  /** Pixels in no accepted or auto-accepted mask. */
  uncoveredPixels: z.number().int(),
  uncoveredFraction: z.number(),
  /** Connected uncovered regions (8-connectivity) of at least minGapArea pixels, largest first. */
  gaps: z.array(
    z.object({
      area: z.number().int(),
      /** [x, y, w, h] in annotation pixels. */
      bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    }),
  ),
  settings: ReviewSettings,
})
export type CoverageReport = z.infer<typeof CoverageReport>

/** Two masks of an image that may be duplicates. */
export const OverlapPair = z.object({
  /** The lower mask id first. */
  a: z.number().int(),
  b: z.number().int(),
  iou: z.number(),
})
export type OverlapPair = z.infer<typeof OverlapPair>

/**
 * Which images an export takes: every image, the done ones, the ids selected in the grid, or an
 * audit's sample. Ids and audits are checked against the project when the export is previewed or
 * started (unknown ones: `unknown_image` / `unknown_audit`).
 */
export const ExportImagesInput = z.union([
  z.enum(['all', 'done']),
  z.object({ ids: z.array(z.number().int().positive()).min(1).max(1_000_000) }).strict(),
  z.object({ auditId: z.number().int().positive() }).strict(),
])
export type ExportImagesInput = z.infer<typeof ExportImagesInput>

export const ExportFilterInput = z
  .object({
    states: z.array(MaskState).min(1).max(6).optional(),
    minPredictedIou: z.number().min(0).max(1.5).optional(),
    minStabilityScore: z.number().min(0).max(1).optional(),
    minArea: z.number().int().min(0).optional(),
    maxArea: z.number().int().min(0).optional(),
    maxRelativeArea: z.number().gt(0).max(1).optional(),
    images: ExportImagesInput.optional(),
  })
  .strict()
export type ExportFilterInput = z.infer<typeof ExportFilterInput>

// ── Preferences ─────────────────────────────────────────────────────────────────────────────────────

/** A person's name as recorded on every event, commit, verdict and export: at most this many characters. */
export const PERSON_NAME_MAX = 64

/**
 * Why `name` cannot be someone's name (after trimming), or null when it can: 1–64 characters, no
 * control characters (they would corrupt logs, CSV reports and the bundles' event lines).
 */
export function personNameProblem(name: string): string | null {
  const trimmed = name.trim()
  if (trimmed.length === 0) return 'Enter a name: it is recorded on every decision you make.'
  const length = [...trimmed].length
  if (length > PERSON_NAME_MAX) return `A name is at most ${PERSON_NAME_MAX} characters; this one has ${length}.`
  // Control and format characters (bidi overrides, zero-width) and line/paragraph separators: a name is one visible line.
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(trimmed))
    return 'A name cannot contain control characters or invisible ones (tabs, line breaks, direction marks and the like).'
  return null
}

export const Preferences = z.object({
  /** Who is working: recorded as the actor on everything from now on. */
  name: z.string(),
  /** 'saved' when the person chose it in Tessera; 'environment' when it comes from TESSERA_USER / USER. */
  nameSource: z.enum(['saved', 'environment']),
  /** The name the environment gives (what is used when no name is saved). */
  environmentName: z.string(),
  /** The home screen asked once who is working (answered or dismissed): it does not ask again. */
  identityAsked: z.boolean(),
})
export type Preferences = z.infer<typeof Preferences>
