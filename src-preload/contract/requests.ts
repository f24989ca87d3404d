/**
 * Every request the renderer can make: channel name (`domain:verb`) → input schema and output type.
 * Both transports (Electron IPC and the web shell) validate the input against these schemas
 * before the backend core sees it.
 */
import { z } from 'zod'
import { auditRequests } from './audit'
import {
  AppInfo,
  CompressedRle,
  DirectoryListing,
  EffortSummary,
  SkippedObject,
  EmbeddingStatus,
  ExportFilterInput,
  ImagePage,
  ImageStatus,
  ImageSummary,
  ImportIssue,
  JobInfo,
  MaskState,
  MaskSummary,
  ModelInfo,
  CoverageReport,
  HistoryState,
  MaskDecision,
  OverlapPair,
  PredictResult,
  Preferences,
  ReviewChange,
  ReviewSettings,
  ProjectSummary,
  PromptBox,
  PromptPoint,
  RecentProject,
  SegmenterStatus,
  TriageSettings,
  TriageState,
} from './dto'

const ImageId = z.number().int().positive()
const ModelId = z.number().int().positive()
/** SAM prompts are a handful of clicks; more is a client bug, not an annotation. */
const MAX_PROMPT_POINTS = 64
const NoInput = z.object({}).strict()

export const requestSchemas = {
  'app:info': { input: NoInput, output: AppInfo },

  /** The person's preferences (who is working), kept per data folder. */
  'preferences:get': { input: NoInput, output: Preferences },
  /**
   * Saves who is working (a name is trimmed; 1–64 characters, no control characters: 'invalid_name'
   * otherwise), or with null forgets the saved name and goes back to the environment's. Every event
   * from then on carries the new name; 'preferences:changed' tells every window.
   */
  'preferences:set': {
    input: z
      .object({
        /** Checked by the backend (personNameProblem), so the error can name what is wrong. */
        name: z.string().max(4096).nullable().optional(),
        /** The home screen's one-time question was answered or dismissed. */
        identityAsked: z.literal(true).optional(),
      })
      .strict(),
    output: Preferences,
  },

  'fs:listDirectory': {
    input: z
      .object({
        path: z.string().min(1).max(4096).optional(),
        /** List files with these endings too (e.g. ['.onnx']), for choosing a file. */
        fileExtensions: z
          .array(z.string().regex(/^\.[a-z0-9]{1,10}$/))
          .max(10)
          .optional(),
      })
      .strict(),
    output: DirectoryListing,
  },
  /** Native file dialog, where the transport has one; null when cancelled or unavailable. */
  'fs:pickFile': {
    input: z.object({ title: z.string().max(200), extensions: z.array(z.string().regex(/^[a-z0-9]{1,10}$/)).max(10) }).strict(),
    output: z.string().nullable(),
  },
  /** Native folder dialog; resolves to null when cancelled or when the transport has none. */
  'fs:pickFolder': { input: NoInput, output: z.string().nullable() },

  'projects:listRecent': { input: NoInput, output: z.array(RecentProject) },
  'projects:create': {
    input: z
      .object({
        name: z.string().trim().min(1).max(200),
        imageRoot: z.string().min(1).max(4096),
        annotationMaxSide: z.number().int().min(256).max(16384).optional(),
      })
      .strict(),
    output: ProjectSummary,
  },
  'projects:open': { input: z.object({ projectDir: z.string().min(1).max(4096) }).strict(), output: ProjectSummary },
  'projects:openDemo': { input: NoInput, output: ProjectSummary },
  /** A work package (bundle with images) as a new project: images extracted, project made, masks imported. */
  'projects:openBundle': { input: z.object({ bundlePath: z.string().min(1).max(4096) }).strict(), output: ProjectSummary },
  'projects:current': { input: NoInput, output: ProjectSummary.nullable() },
  'projects:close': { input: NoInput, output: z.null() },

  'images:list': {
    input: z
      .object({
        offset: z.number().int().min(0),
        limit: z.number().int().min(1).max(1000),
        status: ImageStatus.optional(),
      })
      .strict(),
    output: ImagePage,
  },
  'images:get': { input: z.object({ imageId: ImageId }).strict(), output: ImageSummary },
  /**
   * The image after or before `imageId` in grid order, or null at either end. With `status`, only
   * images with that status count (the grid's filter); `imageId` itself may have any status.
   */
  'images:neighbour': {
    input: z.object({ imageId: ImageId, direction: z.enum(['next', 'previous']), status: ImageStatus.optional() }).strict(),
    output: ImageSummary.nullable(),
  },
  /**
   * Where `imageId` sits in grid order (0-based), among the images with `status` when given (the
   * grid's filter); null when the image does not have that status.
   */
  'images:position': {
    input: z.object({ imageId: ImageId, status: ImageStatus.optional() }).strict(),
    output: z.number().int().min(0).nullable(),
  },
  /**
   * Sets an image's workflow status. Marking it done while more of it is uncovered than the project's
   * threshold fails with code 'coverage_gate' unless a reason is given; the reason is recorded.
   */
  'images:setStatus': {
    input: z.object({ imageId: ImageId, status: ImageStatus, reason: z.string().trim().min(1).max(2000).optional() }).strict(),
    output: ImageSummary,
  },
  /** The first image after `imageId` (wrapping round) whose status is todo or in progress; null when none is left. */
  'images:nextUnfinished': { input: z.object({ imageId: ImageId }).strict(), output: ImageSummary.nullable() },
  /**
   * Gets the image after `imageId` ready before the person reaches it: its embedding is encoded and,
   * when it has no proposals yet, a proposal job is started for it.
   */
  'images:prefetchNext': { input: z.object({ imageId: ImageId }).strict(), output: z.null() },
  'images:issues': { input: NoInput, output: z.array(ImportIssue) },
  /** Starts a rescan of the image root as a job (new, moved, changed and missing files). */
  'images:rescan': { input: NoInput, output: JobInfo },

  'models:list': { input: NoInput, output: z.array(ModelInfo) },
  /** Registers an encoder + decoder pair; the variant is detected from the graphs, never from file names. */
  'models:add': {
    input: z
      .object({
        encoderPath: z.string().min(1).max(4096),
        decoderPath: z.string().min(1).max(4096),
        name: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    output: ModelInfo,
  },
  'models:rename': { input: z.object({ modelId: ModelId, name: z.string().trim().min(1).max(200) }).strict(), output: ModelInfo },
  'models:remove': { input: z.object({ modelId: ModelId }).strict(), output: z.null() },
  'models:activate': { input: z.object({ modelId: ModelId }).strict(), output: SegmenterStatus },

  'segmenter:status': { input: NoInput, output: SegmenterStatus },
  'segmenter:configure': {
    input: z
      .object({
        threads: z.number().int().min(1).max(64).optional(),
        preferredProvider: z.enum(['auto', 'cuda', 'dml', 'coreml', 'cpu']).optional(),
      })
      .strict(),
    output: SegmenterStatus,
  },
  /** Makes sure an image's embedding is (being) computed; answers at once with its state. */
  'embeddings:prepare': { input: z.object({ imageId: ImageId }).strict(), output: EmbeddingStatus },
  /** Encodes every image of the project that has no cached embedding yet, as a job. */
  'embeddings:encodeProject': { input: NoInput, output: JobInfo },
  /** Masks for a prompt (image pixels of the annotation copy): up to three candidates. */
  'segment:predict': {
    input: z
      .object({
        imageId: ImageId,
        points: z.array(PromptPoint).max(MAX_PROMPT_POINTS),
        box: PromptBox.optional(),
        refineFrom: z.string().max(100).optional(),
        multimask: z.boolean().optional(),
      })
      .strict()
      .refine((value) => value.points.length > 0 || value.box !== undefined, 'a prompt needs at least one point or a box'),
    output: PredictResult,
  },

  /** Runs the automatic mask generator (point grid) on these images, or on every image, as a job. */
  'proposals:run': {
    input: z
      .object({
        imageIds: z.array(ImageId).max(1_000_000).optional(),
        pointsPerSide: z.number().int().min(2).max(128).optional(),
        cropNLayers: z.number().int().min(0).max(3).optional(),
      })
      .strict(),
    output: JobInfo,
  },
  /** Box prompts from detections: a COCO JSON file, or a folder (or .txt) of YOLO labels. */
  'proposals:runBoxes': {
    input: z.object({ path: z.string().min(1).max(4096), minScore: z.number().min(0).max(1).optional() }).strict(),
    output: JobInfo,
  },
  'proposals:triage': { input: NoInput, output: TriageState },
  /** New thresholds: stored proposals are re-triaged at once (no model run; decisions untouched). */
  'proposals:setTriage': { input: z.object({ settings: TriageSettings }).strict(), output: TriageState },
  'masks:list': {
    input: z.object({ imageId: ImageId, states: z.array(MaskState).max(6).optional() }).strict(),
    output: z.array(MaskSummary),
  },

  /** Decides masks of one image as one undoable action (one event per mask). A todo image becomes in progress. */
  'masks:decide': {
    input: z
      .object({
        imageId: ImageId,
        decisions: z
          .array(z.object({ maskId: z.number().int().positive(), state: MaskDecision }).strict())
          .min(1)
          .max(10_000),
        /** Shown in the history ("Accept 14 masks ≥ 0.90"); a default is made from the decisions. */
        label: z.string().max(200).optional(),
      })
      .strict(),
    output: ReviewChange,
  },
  /**
   * Commits a mask a person made (prompts, a chosen candidate, brush or eraser edits) as one undoable
   * action: stored accepted, source 'manual', with its full provenance. With `replaces`, the mask it
   * supersedes (an edited proposal, another candidate taken instead) is set aside as 'deleted'.
   */
  'masks:commit': {
    input: z
      .object({
        imageId: ImageId,
        /** At the image's annotation size. */
        rle: CompressedRle,
        prompt: z
          .object({
            points: z.array(PromptPoint).max(MAX_PROMPT_POINTS),
            box: PromptBox.nullable(),
            /** How many times the prompt was refined from the previous low-res logits. */
            refinements: z.number().int().min(0).max(1000),
          })
          .strict(),
        /** The model's candidate the mask started from (null for a mask painted by brush alone). */
        candidate: z.object({ token: z.number().int(), predictedIou: z.number(), stabilityScore: z.number() }).strict().nullable(),
        /** Pixels changed by brush or eraser after the model. */
        edited: z.boolean(),
        replaces: z.number().int().positive().optional(),
        effort: z.object({ seconds: z.number().min(0).max(86_400), clicks: z.number().int().min(0).max(100_000) }).strict(),
        /** The skipped-object marker this mask segments at last (it becomes resolved). */
        resolvesSkipped: z.number().int().positive().optional(),
      })
      .strict(),
    output: ReviewChange,
  },
  /** The 30-second rule: leaves an object that took too long as a marker for a later stage. */
  'objects:skip': {
    input: z
      .object({
        imageId: ImageId,
        /** Where the object is, annotation pixels. */
        x: z.number().finite(),
        y: z.number().finite(),
        prompt: z.object({ points: z.array(PromptPoint).max(MAX_PROMPT_POINTS), box: PromptBox.nullable() }).strict(),
        seconds: z.number().min(0).max(86_400),
        clicks: z.number().int().min(0).max(100_000),
      })
      .strict(),
    output: SkippedObject,
  },
  /** An image's skipped objects (every state), or the project's open ones. */
  'objects:list': { input: z.object({ imageId: ImageId.optional() }).strict(), output: z.array(SkippedObject) },
  'objects:setState': {
    input: z.object({ id: z.number().int().positive(), state: z.enum(['open', 'dismissed']) }).strict(),
    output: SkippedObject,
  },
  /** Seconds and clicks of the masks people made: for one image or the project, and per person. */
  'effort:summary': { input: z.object({ imageId: ImageId.optional() }).strict(), output: EffortSummary },
  'history:state': { input: z.object({ imageId: ImageId }).strict(), output: HistoryState },
  /** Undoes the image's latest action (decisions, overlap resolutions, merges); persisted at once. */
  'history:undo': { input: z.object({ imageId: ImageId }).strict(), output: ReviewChange },
  'history:redo': { input: z.object({ imageId: ImageId }).strict(), output: ReviewChange },

  'review:settings': { input: NoInput, output: ReviewSettings },
  'review:setSettings': { input: z.object({ settings: ReviewSettings }).strict(), output: ReviewSettings },
  /** Uncovered fraction and gap regions of an image from its accepted and auto-accepted masks. */
  'coverage:get': { input: z.object({ imageId: ImageId }).strict(), output: CoverageReport },
  /**
   * Runs a denser point grid only inside the image's uncovered regions (gaps of at least minGapArea);
   * proposals mostly on covered pixels are dropped. A job; new proposals are triaged as usual.
   */
  'coverage:reseed': {
    input: z.object({ imageId: ImageId, pointsPerSide: z.number().int().min(4).max(256).optional() }).strict(),
    output: JobInfo,
  },
  /** Pairs of the image's masks (accepted, auto-accepted or needing review) whose IoU exceeds the threshold, unresolved ones only. */
  'overlaps:list': { input: z.object({ imageId: ImageId }).strict(), output: z.array(OverlapPair) },
  /**
   * Resolves a flagged pair as one undoable action: 'replace' keeps `keep` (accepted) and rejects the
   * other; 'keep' accepts both and stops flagging the pair; 'merge' accepts their union as a new manual
   * mask and rejects both.
   */
  'overlaps:resolve': {
    input: z
      .object({
        imageId: ImageId,
        a: z.number().int().positive(),
        b: z.number().int().positive(),
        resolution: z.enum(['replace', 'keep', 'merge']),
        keep: z.number().int().positive().optional(),
      })
      .strict()
      .refine((value) => value.resolution !== 'replace' || value.keep === value.a || value.keep === value.b, {
        message: "'replace' needs keep set to a or b",
      }),
    output: ReviewChange,
  },

  /** What an export with this filter would write: the selected images (a document each), the masks, and the images that have any. */
  'exchange:preview': {
    input: z.object({ filter: ExportFilterInput }).strict(),
    output: z.object({ images: z.number().int(), masks: z.number().int(), imagesWithMasks: z.number().int() }),
  },
  'exchange:export': {
    input: z
      .object({
        format: z.enum(['sa1b', 'coco', 'bundle']),
        target: z.string().min(1).max(4096),
        filter: ExportFilterInput,
        /** SA-1B and COCO: masks (and image files) at annotation size, the default, or at the original (oriented) size. Bundles: annotation only. */
        frame: z.enum(['annotation', 'original']).optional(),
        /** Write the image files too: bundles the originals, SA-1B and COCO the files at `frame`. */
        includeImages: z.boolean().optional(),
      })
      .strict(),
    output: JobInfo,
  },
  /** Bundles (.zip) are verified and merged; SA-1B / COCO JSON files are imported as proposals or gold. */
  'exchange:import': {
    input: z
      .object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(1000), as: z.enum(['proposals', 'gold']).optional() })
      .strict(),
    output: JobInfo,
  },

  'jobs:list': { input: NoInput, output: z.array(JobInfo) },
  'jobs:cancel': { input: z.object({ jobId: z.string().min(1).max(100) }).strict(), output: JobInfo },
  ...auditRequests,
} as const

export type RequestChannel = keyof typeof requestSchemas
export type RequestInput<C extends RequestChannel> = z.input<(typeof requestSchemas)[C]['input']>
export type RequestOutput<C extends RequestChannel> = z.infer<(typeof requestSchemas)[C]['output']>

export function isRequestChannel(name: unknown): name is RequestChannel {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name)
}
