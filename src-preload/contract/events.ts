/** Every event the backend pushes to the renderer: name → payload type. */
import type { EmbeddingStatus, ImageSummary, JobInfo, Preferences, ProjectSummary, SegmenterStatus } from './dto'

export interface EventMap {
  /** A job started, progressed, finished, failed or was cancelled. */
  'jobs:progress': JobInfo
  /** Images were added, moved, changed or had their status set; the grid should refresh. */
  'images:changed': { imageIds: number[] | 'all' }
  'images:updated': ImageSummary
  'projects:changed': ProjectSummary | null
  'segmenter:status': SegmenterStatus
  'embeddings:status': EmbeddingStatus
  /**
   * An image's masks changed other than through the workspace's own review requests (proposals
   * stored, re-seeded or imported; re-triage): an open view reloads them.
   */
  'masks:changed': { imageIds: number[] | 'all' }
  /** Who is working changed (the top bar shows the name). */
  'preferences:changed': Preferences
}

export type EventName = keyof EventMap
export interface TesseraEvent<N extends EventName = EventName> {
  name: N
  payload: EventMap[N]
}
export type AnyTesseraEvent = { [N in EventName]: TesseraEvent<N> }[EventName]
