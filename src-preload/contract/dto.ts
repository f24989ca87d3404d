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

export const JobKind = z.enum(['import'])
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
  /** Kind-specific result once done (for import: a ScanSummary). */
  result: ScanSummary.nullable(),
})
export type JobInfo = z.infer<typeof JobInfo>

export const DirectoryListing = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  directories: z.array(z.string()),
  /** Images directly inside this folder (not recursive), to help pick the right one. */
  imageCount: z.number().int(),
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
