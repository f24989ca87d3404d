/**
 * The review workspace's state for the open image: its masks (summaries plus cropped bitmaps), the
 * confidence queue, selection, the per-image history, live coverage and flagged overlaps.
 *
 * Decisions go to the backend and come back as a ReviewChange; the workspace applies it locally
 * (coverage updated incrementally, the canvas told exactly which masks changed) instead of reloading
 * the image's masks, so a decision repaints within a frame or two.
 */
import type {
  CoverageReport,
  HistoryState,
  ImageSummary,
  MaskDecision,
  MaskSummary,
  OverlapPair,
  ReviewChange,
  ReviewSettings,
  TriageState,
} from '../../src-preload/contract/dto'
import type { AnyTesseraEvent } from '../../src-preload/contract/events'
import type { RequestInput } from '../../src-preload/contract/requests'
import { CoverageMap, bitmapFromRle, decompressRle, type GapRegion, type MaskBitmap } from '../../src-main/core/masks'
import { call, transport } from '../lib/api'
import { masksByThreshold, nextCurrent, queueOf, stepQueue, type QueueOrder } from '../review/review-queue'

export interface WorkspaceMask extends MaskSummary {
  bitmap: MaskBitmap
}

/** States whose pixels count as covered: what the dataset will contain. */
const COVERING_STATES: ReadonlySet<string> = new Set(['accepted', 'auto_accepted'])
/** States drawn by default; rejected and discarded only when asked (ghosted). */
const SHOWN_STATES: ReadonlySet<string> = new Set(['accepted', 'auto_accepted', 'proposed'])
const GHOST_STATES: ReadonlySet<string> = new Set(['rejected', 'discarded'])

/** How the canvas must change after a state change: these masks re-styled, or everything. */
export type CanvasChange = { kind: 'all' } | { kind: 'some'; ids: number[] }

const EMPTY_HISTORY: HistoryState = { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null }

function toWorkspaceMask(mask: MaskSummary): WorkspaceMask {
  return { ...mask, bitmap: bitmapFromRle(decompressRle(mask.rle)) }
}

class WorkspaceState {
  image = $state<ImageSummary | null>(null)
  /** Masks of the image by id (replaced as a whole when it changes; kept out of deep reactivity). */
  masks = $state.raw<ReadonlyMap<number, WorkspaceMask>>(new Map())
  loading = $state(false)
  order = $state<QueueOrder>('iou')
  /** The queue's current mask (needs review). */
  currentId = $state<number | null>(null)
  /** The mask the inspector shows: the current one while reviewing, or one picked on the canvas or in the list. */
  selectedId = $state<number | null>(null)
  hoveredId = $state<number | null>(null)
  history = $state<HistoryState>(EMPTY_HISTORY)
  settings = $state<ReviewSettings | null>(null)
  triage = $state<TriageState | null>(null)
  overlaps = $state.raw<OverlapPair[]>([])
  /** Live uncovered fraction (0–1) from the accepted and auto-accepted masks. */
  uncoveredFraction = $state(0)
  gaps = $state.raw<GapRegion[]>([])
  showGaps = $state(false)
  /** Predicted-IoU threshold of accept-all / reject-all; starts at the triage preset's auto threshold. */
  bulkThreshold = $state(0.88)
  /** When the last decision was stored (ISO), for the status bar. */
  lastSaved = $state<string | null>(null)
  // View
  masksVisible = $state(true)
  outlinesOnly = $state(false)
  opacity = $state(1)
  showGhosts = $state(false)
  showInspection = $state(true)

  /** The canvas listens here: called synchronously after every local change of mask states. */
  onCanvasChange: ((change: CanvasChange) => void) | null = null

  private coverage: CoverageMap | null = null
  private queueIds: number[] = []
  private loadSeq = 0
  private busy: Promise<unknown> = Promise.resolve()

  constructor() {
    transport.subscribe((event) => this.onEvent(event))
  }

  get queue(): number[] {
    return this.queueIds
  }

  get queueLength(): number {
    void this.masks
    return this.queueIds.length
  }

  get selected(): WorkspaceMask | null {
    return this.selectedId === null ? null : (this.masks.get(this.selectedId) ?? null)
  }

  /** Whether the canvas draws this mask now. */
  isShown(mask: MaskSummary): boolean {
    return SHOWN_STATES.has(mask.state) || (this.showGhosts && GHOST_STATES.has(mask.state))
  }

  async open(image: ImageSummary): Promise<void> {
    const seq = ++this.loadSeq
    this.image = image
    this.loading = true
    this.currentId = null
    this.selectedId = null
    this.hoveredId = null
    this.gaps = []
    const [masks, history, settings, triage, overlaps] = await Promise.all([
      call('masks:list', { imageId: image.id }),
      call('history:state', { imageId: image.id }),
      call('review:settings', {}),
      call('proposals:triage', {}),
      call('overlaps:list', { imageId: image.id }),
    ])
    if (seq !== this.loadSeq) return
    if (this.triage?.settings.auto.predictedIou !== triage.settings.auto.predictedIou)
      this.bulkThreshold = triage.settings.auto.predictedIou
    this.settings = settings
    this.triage = triage
    this.history = history
    this.overlaps = overlaps
    this.setAllMasks(masks.map(toWorkspaceMask))
    this.loading = false
  }

  /** Reloads the masks after changes made elsewhere (proposals stored, re-seeded, imported). */
  async reload(): Promise<void> {
    const image = this.image
    if (!image) return
    const seq = ++this.loadSeq
    const [masks, overlaps] = await Promise.all([call('masks:list', { imageId: image.id }), call('overlaps:list', { imageId: image.id })])
    if (seq !== this.loadSeq) return
    this.overlaps = overlaps
    this.setAllMasks(masks.map(toWorkspaceMask))
  }

  setOrder(order: QueueOrder): void {
    this.order = order
    this.queueIds = queueOf([...this.masks.values()], order).map((mask) => mask.id)
    this.currentId = this.queueIds[0] ?? null
    this.selectedId = this.currentId
  }

  /** One step through the queue (decisions are applied on screen at once, so this needs no waiting). */
  step(direction: 1 | -1): Promise<void> {
    this.currentId = stepQueue(this.queueIds, this.currentId, direction)
    this.selectedId = this.currentId
    return Promise.resolve()
  }

  select(id: number | null): void {
    this.selectedId = id
    if (id !== null && this.queueIds.includes(id)) this.currentId = id
  }

  /** Accepts or rejects the selected mask (or the queue's current one). */
  decideSelected(state: MaskDecision): Promise<void> {
    const id = this.selectedId ?? this.currentId
    if (id === null) return Promise.resolve()
    const mask = this.masks.get(id)
    if (!mask || mask.state === state) return Promise.resolve()
    return this.decide([{ maskId: id, state }])
  }

  /** Accept-all at or above / reject-all below the bulk threshold, on this image. */
  decideByThreshold(side: 'at-or-above' | 'below'): Promise<void> {
    const ids = masksByThreshold([...this.masks.values()], this.bulkThreshold, side)
    if (ids.length === 0) return Promise.resolve()
    const state: MaskDecision = side === 'at-or-above' ? 'accepted' : 'rejected'
    const verb = state === 'accepted' ? 'Accept' : 'Reject'
    const label = `${verb} ${ids.length} mask${ids.length === 1 ? '' : 's'} ${side === 'at-or-above' ? '≥' : '<'} ${this.bulkThreshold.toFixed(2)}`
    return this.decide(
      ids.map((maskId) => ({ maskId, state })),
      label,
    )
  }

  /**
   * Decides masks. Shown at once (the canvas repaints in the next frame, the queue moves on), then
   * stored; if storing fails the image's masks are reloaded from the database, so the screen never
   * shows a decision that was not kept.
   */
  decide(decisions: { maskId: number; state: MaskDecision }[], label?: string): Promise<void> {
    const image = this.image
    if (!image) return Promise.resolve()
    const shown = decisions.flatMap(({ maskId, state }) => {
      const mask = this.masks.get(maskId)
      return mask && mask.state !== state ? [{ ...mask, state }] : []
    })
    if (shown.length > 0) this.applyMasks(shown)
    const stored = this.serial(() => call('masks:decide', { imageId: image.id, decisions, ...(label ? { label } : {}) }))
    stored.catch(() => void this.reload())
    return stored
  }

  /** Commits a person's mask (a chosen candidate, maybe edited) as one undoable action. */
  commit(request: Omit<RequestInput<'masks:commit'>, 'imageId'>): Promise<void> {
    const image = this.image
    if (!image) return Promise.resolve()
    return this.serial(() => call('masks:commit', { imageId: image.id, ...request }))
  }

  /** Undoes the image's latest action, once the requests before it have landed (the history they leave decides). */
  undo(): Promise<void> {
    const image = this.image
    if (!image) return Promise.resolve()
    return this.serial(() => (this.history.canUndo ? call('history:undo', { imageId: image.id }) : null))
  }

  redo(): Promise<void> {
    const image = this.image
    if (!image) return Promise.resolve()
    return this.serial(() => (this.history.canRedo ? call('history:redo', { imageId: image.id }) : null))
  }

  resolveOverlap(pair: OverlapPair, resolution: 'replace' | 'keep' | 'merge', keep?: number): Promise<void> {
    const image = this.image
    if (!image) return Promise.resolve()
    return this.serial(() =>
      call('overlaps:resolve', { imageId: image.id, a: pair.a, b: pair.b, resolution, ...(keep !== undefined ? { keep } : {}) }),
    )
  }

  /** Shows or hides the gap layer; gaps are recomputed each time it is shown or coverage changes while shown. */
  toggleGaps(): void {
    this.showGaps = !this.showGaps
    this.gaps = this.showGaps && this.coverage && this.settings ? this.coverage.gaps(this.settings.minGapArea) : []
  }

  /** The gap after the one around `from` (largest first, wrapping); computes gaps if needed. */
  nextGap(afterIndex: number): { region: GapRegion; index: number } | null {
    if (!this.coverage || !this.settings) return null
    if (!this.showGaps) {
      this.showGaps = true
      this.gaps = this.coverage.gaps(this.settings.minGapArea)
    }
    if (this.gaps.length === 0) return null
    const index = (afterIndex + 1) % this.gaps.length
    return { region: this.gaps[index]!, index }
  }

  async refreshCoverageReport(): Promise<CoverageReport | null> {
    return this.image ? call('coverage:get', { imageId: this.image.id }) : null
  }

  async setSettings(settings: ReviewSettings): Promise<void> {
    this.settings = await call('review:setSettings', { settings })
    if (this.showGaps && this.coverage) this.gaps = this.coverage.gaps(this.settings.minGapArea)
    if (this.image) this.overlaps = await call('overlaps:list', { imageId: this.image.id })
  }

  /** Requests run one after another so a burst of keys applies in order. */
  private serial(request: () => Promise<ReviewChange> | null): Promise<void> {
    const next = this.busy.then(async () => {
      const imageId = this.image?.id
      const change = await request()
      if (change && imageId === this.image?.id) this.apply(change)
    })
    this.busy = next.catch(() => undefined)
    return next
  }

  private apply(change: ReviewChange): void {
    this.image = change.image
    this.history = change.history
    this.lastSaved = new Date().toISOString()
    this.applyMasks(change.masks)
    void this.refreshOverlaps()
  }

  /** Takes these masks as they are now: coverage, queue and the canvas follow (only masks whose state or pixels changed repaint). */
  private applyMasks(summaries: readonly MaskSummary[]): void {
    // A fresh plain Map assigned whole to a $state.raw field: reactivity comes from the assignment.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const masks = new Map(this.masks)
    const changed: number[] = []
    const previousQueue = this.queueIds
    for (const summary of summaries) {
      const old = masks.get(summary.id)
      const next: WorkspaceMask = old ? { ...summary, bitmap: old.bitmap } : toWorkspaceMask(summary)
      if (this.coverage) {
        const covered = old !== undefined && COVERING_STATES.has(old.state)
        const covers = COVERING_STATES.has(next.state)
        if (covered && !covers) this.coverage.remove(next.bitmap)
        if (!covered && covers) this.coverage.add(next.bitmap)
      }
      masks.set(summary.id, next)
      if (!old || old.state !== next.state || old.rle.counts !== next.rle.counts) changed.push(summary.id)
    }
    this.masks = masks
    this.queueIds = queueOf([...masks.values()], this.order).map((mask) => mask.id)
    const wasCurrent = this.currentId
    this.currentId = nextCurrent(previousQueue, this.currentId, this.queueIds)
    if (this.selectedId === null || this.selectedId === wasCurrent) this.selectedId = this.currentId
    this.updateCoverage()
    if (changed.length > 0) this.onCanvasChange?.({ kind: 'some', ids: changed })
  }

  private setAllMasks(list: WorkspaceMask[]): void {
    const image = this.image
    if (!image) return
    this.masks = new Map(list.map((mask) => [mask.id, mask]))
    this.coverage = new CoverageMap(image.annotationWidth, image.annotationHeight)
    for (const mask of list) if (COVERING_STATES.has(mask.state)) this.coverage.add(mask.bitmap)
    const previousQueue = this.queueIds
    this.queueIds = queueOf(list, this.order).map((mask) => mask.id)
    this.currentId = nextCurrent(previousQueue, this.currentId, this.queueIds)
    if (this.selectedId === null || !this.masks.has(this.selectedId)) this.selectedId = this.currentId
    this.updateCoverage()
    this.onCanvasChange?.({ kind: 'all' })
  }

  private updateCoverage(): void {
    if (!this.coverage) return
    this.uncoveredFraction = this.coverage.uncoveredFraction
    if (this.showGaps && this.settings) this.gaps = this.coverage.gaps(this.settings.minGapArea)
  }

  private async refreshOverlaps(): Promise<void> {
    const imageId = this.image?.id
    if (imageId === undefined) return
    const overlaps = await call('overlaps:list', { imageId }).catch(() => null)
    if (overlaps && imageId === this.image?.id) this.overlaps = overlaps
  }

  private onEvent(event: AnyTesseraEvent): void {
    const imageId = this.image?.id
    if (imageId === undefined) return
    if (event.name === 'masks:changed' && (event.payload.imageIds === 'all' || event.payload.imageIds.includes(imageId))) void this.reload()
    if (event.name === 'images:updated' && event.payload.id === imageId) this.image = event.payload
  }
}

export const workspace = new WorkspaceState()
