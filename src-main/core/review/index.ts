/**
 * Review of one image's masks: decisions and their undo/redo history, coverage and gaps, overlap
 * pairs, review settings and the coverage gate on "done".
 */
export { ReviewStore, type ReviewResult } from './review-store'
export { commitMask, type CommitRequest } from './commit'
export { ActionHistory, ACTION_KINDS } from './action-history'
export type { ActionKind, ActionRecord, ActionStatus, StateChange, HistoryStep, NewAction } from './action-history'
export { COVERING_STATES, coverageReport, coveredFraction, imageCoverage, maskBitmap, type ImageCoverage } from './coverage'
export { decisionChanges, defaultDecisionLabel, type Decision } from './decisions'
export { formatPercent, markInProgress, statusEventDetails } from './image-status'
export { toMaskSummary, summaryPrompt } from './mask-summary'
export { OVERLAP_RESOLUTIONS, OverlapResolutions, orderedPair, pairKey, type OverlapResolution } from './overlap-resolutions'
export { OVERLAP_STATES, OverlapReview, type ResolveRequest } from './overlaps'
export { SkippedObjects, type NewSkippedObject } from './skipped-objects'
export { EffortReport } from './effort'
export { DEFAULT_REVIEW_SETTINGS, readReviewSettings, writeReviewSettings, type ReviewSettings } from './settings'
