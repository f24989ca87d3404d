/**
 * Interactive segmentation as the workspace uses it: the segmenter's status, and the object being
 * made or edited on the current image (an ObjectDraft: prompt, the model's candidates, brush and
 * eraser strokes, with undo/redo), plus the hover preview before the first prompt and the effort
 * (time from the first prompt, clicks and strokes) that goes with the object when it is committed.
 */
import type { MaskCandidate, MaskSummary, PromptBox, PromptPoint, SegmenterStatus, SkippedObject } from '../../src-preload/contract/dto'
import type { AnyTesseraEvent } from '../../src-preload/contract/events'
import type { RequestInput, RequestOutput } from '../../src-preload/contract/requests'
import { call, transport } from '../lib/api'
import { bitmapFromRle, compressRle, decodeMask, decompressRle, encodeMask } from '../../src-main/core/masks'
import type { BrushStroke, CompressedRle, MaskBitmap, PixelRect } from '../../src-main/core/masks'
import { DraftRaster, type RasterCopy } from '../tools/draft-raster'
import { EMPTY_DRAFT, ObjectDraft, isEmptyDraft, shownCandidate, type DraftCandidate, type DraftSnapshot } from '../tools/object-draft'

/** Hover previews: wait this long after the pointer stops before asking (ms), and keep one request in flight. */
const PREVIEW_DELAY_MS = 60
/** Pixels of this many recent draft steps with strokes are kept (their bounds' rows), so undo and redo repaint at once. */
const PIXEL_CACHE_STEPS = 16

/**
 * A model candidate decoded when first looked at (most of the three never are), straight from its RLE
 * to its crop: the cost is the crop and the runs, not the image (1.5 MP here).
 */
function lazyCandidate(candidate: MaskCandidate): DraftCandidate {
  let bitmap: MaskBitmap | null = null
  let pixels: Uint8Array | null = null
  return {
    handle: candidate.handle,
    token: candidate.token,
    predictedIou: candidate.predictedIou,
    stabilityScore: candidate.stabilityScore,
    area: candidate.area,
    get bitmap() {
      return (bitmap ??= bitmapFromRle(decompressRle(candidate.rle)))
    },
    get pixels() {
      return (pixels ??= decodeMask(decompressRle(candidate.rle)))
    },
  }
}

type PredictInput = RequestInput<'segment:predict'>
type PredictResult = RequestOutput<'segment:predict'>
interface AheadRequest {
  kind: 'preview' | 'press'
  /** The request's input as JSON: equal inputs, equal answers (same image, same embedding). */
  key: string
  request: Promise<PredictResult>
  started: number
}

/** The request for a step's prompt; `refine` feeds back the candidate shown before it (carried into the step until the answer replaces it). */
function predictInput(imageId: number, step: DraftSnapshot, refine: boolean): { input: PredictInput; refineFrom: string | undefined } {
  const previous = shownCandidate(step)
  const refineFrom = refine && previous?.handle ? previous.handle : undefined
  const input: PredictInput = {
    imageId,
    points: [...step.points],
    ...(step.box ? { box: step.box } : {}),
    ...(refineFrom ? { refineFrom } : {}),
  }
  return { input, refineFrom }
}

export interface DraftCommit {
  rle: CompressedRle
  prompt: { points: PromptPoint[]; box: PromptBox | null; refinements: number }
  candidate: { token: number; predictedIou: number; stabilityScore: number } | null
  edited: boolean
  replaces?: number
  resolvesSkipped?: number
  effort: { seconds: number; clicks: number }
}

class SegmenterState {
  status = $state<SegmenterStatus | null>(null)
  /** Embedding state per image id, from events. */
  embeddings = $state<Record<number, 'missing' | 'encoding' | 'ready' | 'failed'>>({})
  imageId = $state<number | null>(null)
  /** Annotation size of the image (the draft's pixel buffer has this size). */
  size: { width: number; height: number } | null = null
  /** The draft's current step (replaced whole on every change). */
  snapshot = $state.raw<DraftSnapshot>(EMPTY_DRAFT)
  canUndo = $state(false)
  canRedo = $state(false)
  busy = $state(false)
  /**
   * The object is on its way to the database: the draft is the commit request now and takes no more
   * input until the answer comes (then it is cleared, or on failure editable again).
   */
  committing = $state(false)
  error = $state<string | null>(null)
  /** Round trip of the last prediction as the renderer saw it, in ms. */
  lastRoundTripMs = $state<number | null>(null)
  /** The mask this object would replace (its candidates looked at again, or it is being edited), if any. */
  replaces = $state<number | null>(null)
  /** The skipped-object marker this object was reopened from, if any. */
  resolvesSkipped = $state<number | null>(null)
  /** When the object's first prompt or stroke came (ms epoch): the 30-second rule's clock. */
  startedAt = $state<number | null>(null)
  /** Mask under the cursor before the first prompt (outline only), cropped to its box. */
  preview = $state.raw<{ bitmap: MaskBitmap; size: [height: number, width: number]; area: number } | null>(null)
  /** Bumped whenever `pixels` changes; `takeDirty` says where. */
  pixelsVersion = $state(0)
  clicks = 0

  private readonly draft = new ObjectDraft()
  /** The draft's pixels, one buffer for the image (see DraftRaster). */
  private raster: DraftRaster | null = null
  /** Whether the raster shows anything (a candidate or strokes). */
  private shows = false
  /** What changed since the painter last asked: rectangles, or null = anything within the old and new bounds. */
  private dirty: PixelRect[] | null = []
  /** Pixels per recent step with strokes (oldest first). */
  private readonly pixelCache = new Map<DraftSnapshot, RasterCopy>()
  private requestSeq = 0
  /**
   * Requests sent ahead of the prompt that may want them: the hover preview's (the first click is
   * often where the cursor rested) and the press's (see anticipate), most recent last. A prompt whose
   * request is one of these takes its answer instead of asking again.
   */
  private ahead: AheadRequest[] = []
  private liveStroke: { stroke: BrushStroke; points: { x: number; y: number }[] } | null = null
  private previewSeq = 0
  private previewWanted: { x: number; y: number } | null = null
  private previewInFlight = false
  private previewTimer: ReturnType<typeof setTimeout> | null = null

  constructor() {
    transport.subscribe((event) => this.onEvent(event))
  }

  /**
   * The draft's pixels: shown candidate with strokes applied (annotation size, changed in place), or
   * null when empty. Not reactive (large): `pixelsVersion` is.
   */
  get pixels(): Uint8Array | null {
    return this.shows && this.raster ? this.raster.pixels : null
  }

  /** A box holding every set pixel of `pixels` (null: none). */
  get bounds(): PixelRect | null {
    return this.shows && this.raster ? this.raster.bounds : null
  }

  /**
   * What changed in `pixels` since the last call: a list of rectangles, or null when anything inside
   * the previous and the current bounds may have (a whole new step). For the one painter (the canvas).
   */
  takeDirty(): PixelRect[] | null {
    const dirty = this.dirty
    this.dirty = []
    return dirty
  }

  get points(): readonly PromptPoint[] {
    return this.snapshot.points
  }

  get candidates(): readonly DraftCandidate[] {
    return this.snapshot.candidates
  }

  get shown(): number {
    return this.snapshot.shown
  }

  get current(): DraftCandidate | null {
    return shownCandidate(this.snapshot)
  }

  /** Whether there is an object in the making (a prompt, strokes, or a mask being edited). Reactive: reads `snapshot`. */
  get active(): boolean {
    return !isEmptyDraft(this.snapshot) || this.replaces !== null
  }

  get hasPrompt(): boolean {
    return this.snapshot.points.length > 0 || this.snapshot.box !== null
  }

  get undoLabel(): string | null {
    void this.snapshot // reactive through the snapshot
    return this.draft.undoLabel
  }

  get redoLabel(): string | null {
    void this.snapshot
    return this.draft.redoLabel
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await call('segmenter:status', {})
    } catch {
      this.status = null
    }
  }

  /** Switches to an image: forgets the object, and asks for its embedding (and the next ones). */
  async openImage(imageId: number, size: { width: number; height: number }): Promise<void> {
    this.imageId = imageId
    if (!this.raster || this.raster.width !== size.width || this.raster.height !== size.height) this.raster = null
    this.size = size
    this.clear()
    try {
      const state = await call('embeddings:prepare', { imageId })
      this.embeddings = { ...this.embeddings, [imageId]: state.state }
      if (state.error) this.error = state.error
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  clear(): void {
    this.requestSeq++ // an answer still in flight is for a prompt that no longer exists
    this.ahead = []
    this.draft.reset()
    this.pixelCache.clear()
    this.liveStroke = null
    this.busy = false
    this.committing = false
    this.error = null
    this.replaces = null
    this.resolvesSkipped = null
    this.startedAt = null
    this.clicks = 0
    this.stopPreview()
    this.sync()
  }

  /** Starts from an existing mask's prompt, to see the model's other candidates for it. */
  reopen(mask: Pick<MaskSummary, 'id' | 'prompt'>): Promise<void> {
    this.clear()
    this.replaces = mask.id
    this.startedAt = Date.now()
    this.draft.reset({
      ...EMPTY_DRAFT,
      points: mask.prompt.points,
      box: mask.prompt.box,
      pending: true,
      label: `Candidates of mask ${mask.id}`,
    })
    this.sync()
    return this.predict(false)
  }

  /** Starts editing a stored mask with brush and eraser; committing replaces it. */
  edit(mask: MaskSummary): void {
    if (this.replaces === mask.id) return
    this.clear()
    this.replaces = mask.id
    let pixels: Uint8Array | null = null
    const candidate: DraftCandidate = {
      handle: null,
      token: -1,
      predictedIou: mask.predictedIou ?? 0,
      stabilityScore: mask.stabilityScore ?? 0,
      area: mask.area,
      bitmap: bitmapFromRle(decompressRle(mask.rle)),
      get pixels() {
        return (pixels ??= decodeMask(decompressRle(mask.rle)))
      },
    }
    this.draft.reset({
      ...EMPTY_DRAFT,
      points: mask.prompt.points,
      box: mask.prompt.box,
      candidates: [candidate],
      label: `Edit mask ${mask.id}`,
    })
    this.sync()
  }

  /** Reopens a skipped object: its prompt again, and committing resolves the marker. */
  reopenSkipped(object: SkippedObject): Promise<void> {
    this.clear()
    this.resolvesSkipped = object.id
    this.startedAt = Date.now()
    if (object.prompt.points.length === 0 && object.prompt.box === null) return Promise.resolve()
    this.draft.reset({ ...EMPTY_DRAFT, points: object.prompt.points, box: object.prompt.box, pending: true, label: 'Skipped object' })
    this.sync()
    return this.predict(false)
  }

  addPoint(point: PromptPoint): Promise<void> {
    if (this.committing) return Promise.resolve()
    this.beginEffort()
    this.clicks++
    this.draft.push({ points: [...this.snapshot.points, point], pending: true, label: `Add ${point.label} point` })
    this.sync()
    return this.predict(true)
  }

  setBox(box: PromptBox): Promise<void> {
    if (this.committing) return Promise.resolve()
    this.beginEffort()
    this.clicks++
    this.draft.push({ box, pending: true, label: this.snapshot.box ? 'Move the box' : 'Draw a box' })
    this.sync()
    return this.predict(true)
  }

  /** Backspace: the last point goes (or the box, when there are no points); an undoable step. */
  removeLastPrompt(): Promise<void> {
    if (this.committing) return Promise.resolve()
    const { points, box, candidates } = this.snapshot
    if (points.length === 0 && box === null) return Promise.resolve()
    const nextPoints = points.length > 0 ? points.slice(0, -1) : points
    const nextBox = points.length > 0 ? box : null
    const left = nextPoints.length > 0 || nextBox !== null
    this.draft.push({
      points: nextPoints,
      box: nextBox,
      candidates: left ? candidates : [],
      pending: left,
      label: 'Remove the last prompt',
    })
    this.sync()
    return left ? this.predict(false) : Promise.resolve()
  }

  /** Shows another of the candidates (Tab): an undoable choice. */
  cycle(step = 1): void {
    if (this.committing) return
    const count = this.snapshot.candidates.length
    if (count < 2) return
    const shown = (this.snapshot.shown + step + count) % count
    this.draft.push({ shown, label: `Show candidate ${shown + 1}` })
    this.sync()
  }

  choose(index: number): void {
    if (this.committing) return
    if (index === this.snapshot.shown || !this.snapshot.candidates[index]) return
    this.draft.push({ shown: index, label: `Show candidate ${index + 1}` })
    this.sync()
  }

  undo(): boolean {
    if (this.committing) return false
    if (!this.draft.undo()) return false
    this.requestSeq++ // the answer to a prompt that was undone must not land
    this.busy = false
    this.sync()
    if (this.snapshot.pending) void this.predict(false) // a step whose answer never came: ask again
    return true
  }

  redo(): boolean {
    if (this.committing) return false
    if (!this.draft.redo()) return false
    this.sync()
    if (this.snapshot.pending) void this.predict(false)
    return true
  }

  /**
   * A press will add `point` if it is released in place (PromptTool): ask the model now, so that the
   * answer is on its way, or here, by the release. Used only if the release makes exactly this request;
   * null withdraws it (the press became a box, or was cancelled).
   */
  anticipate(point: PromptPoint | null): void {
    const imageId = this.imageId
    if (!point || imageId === null) {
      this.ahead = this.ahead.filter((entry) => entry.kind !== 'press')
      return
    }
    const step = this.draft.current
    const { input } = predictInput(imageId, { ...step, points: [...step.points, point] }, true)
    this.askAhead('press', input)
  }

  /** Sends `input` unless an identical request is already ahead; returns that request. */
  private askAhead(kind: AheadRequest['kind'], input: PredictInput): Promise<PredictResult> {
    const key = JSON.stringify(input)
    const known = this.ahead.find((entry) => entry.key === key)
    if (known) return known.request
    const request = call('segment:predict', input)
    request.catch(() => undefined) // an unused request's failure is nobody's (a used one's is handled where it is used)
    // One of each kind: a newer press or preview replaces the older one.
    this.ahead = [...this.ahead.filter((entry) => entry.kind !== kind), { kind, key, request, started: performance.now() }]
    return request
  }

  // ── brush and eraser ──────────────────────────────────────────────────────────────────────────

  beginStroke(stroke: BrushStroke): boolean {
    if (this.committing) return false
    const size = this.size
    if (!size || this.imageId === null) return false
    this.beginEffort()
    this.clicks++
    this.stopPreview()
    this.ensureRaster()
    this.shows = true
    this.liveStroke = { stroke, points: [...stroke.points] }
    this.paintLive(0)
    return true
  }

  extendStroke(point: { x: number; y: number }): void {
    if (!this.liveStroke) return
    this.liveStroke.points.push(point)
    this.paintLive(this.liveStroke.points.length - 1)
  }

  endStroke(): void {
    const live = this.liveStroke
    if (!live) return
    this.liveStroke = null
    const stroke: BrushStroke = { ...live.stroke, points: live.points }
    const verb = stroke.mode === 'paint' ? 'Brush' : 'Eraser'
    this.draft.push({ strokes: [...this.snapshot.strokes, stroke], label: `${verb} stroke` })
    this.sync(false) // the pixels already hold the stroke
    if (this.raster) this.remember(this.snapshot, this.raster.copy())
  }

  cancelStroke(): void {
    if (!this.liveStroke) return
    this.liveStroke = null
    this.sync()
  }

  private paintLive(index: number): void {
    const live = this.liveStroke
    if (!live || !this.raster) return
    const stroke: BrushStroke = { ...live.stroke, points: live.points }
    const rect = this.raster.paintSegment(stroke, index)
    if (!rect) return
    this.dirty?.push(rect)
    this.pixelsVersion++
  }

  // ── commit ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Commits the object through `send` (true when stored): the draft takes no input meanwhile, so a
   * key pressed before the answer (undo, say) cannot change what is being stored. Cleared once stored.
   */
  async commit(send: (request: DraftCommit) => Promise<boolean>): Promise<void> {
    const request = this.busy || this.committing ? null : this.commitRequest()
    if (!request) return
    this.committing = true
    let stored = false
    try {
      stored = await send(request)
    } finally {
      if (stored) this.clear()
      else this.committing = false
    }
  }

  /** What to commit now, or null when there is nothing (empty pixels, or an answer still coming). */
  private commitRequest(): DraftCommit | null {
    const size = this.size
    const pixels = this.pixels
    if (!size || !pixels || !this.raster || this.snapshot.pending || this.liveStroke) return null
    if (!this.raster.hasPixels()) return null
    const candidate = this.current
    const edited = this.snapshot.strokes.length > 0
    return {
      rle: compressRle(encodeMask(pixels, size.height, size.width)),
      prompt: { points: [...this.snapshot.points], box: this.snapshot.box, refinements: this.snapshot.refinements },
      // A stored mask being edited is not the model's answer now: only a fresh candidate is recorded as one.
      candidate:
        candidate && candidate.handle !== null
          ? { token: candidate.token, predictedIou: candidate.predictedIou, stabilityScore: candidate.stabilityScore }
          : null,
      edited,
      ...(this.replaces !== null ? { replaces: this.replaces } : {}),
      ...(this.resolvesSkipped !== null ? { resolvesSkipped: this.resolvesSkipped } : {}),
      effort: { seconds: this.elapsedSeconds(), clicks: this.clicks },
    }
  }

  /** Seconds on this object so far (0 before its first prompt). */
  elapsedSeconds(now = Date.now()): number {
    return this.startedAt === null ? 0 : Math.max(0, (now - this.startedAt) / 1000)
  }

  // ── hover preview ─────────────────────────────────────────────────────────────────────────────

  /**
   * The mask under the cursor before the first prompt. Throttled so it never lags: one request in
   * flight, and only the latest cursor position is asked about once it has rested PREVIEW_DELAY_MS.
   */
  previewAt(point: { x: number; y: number } | null): void {
    if (point === null || this.hasPrompt || this.imageId === null || this.embeddings[this.imageId] !== 'ready') {
      this.stopPreview()
      return
    }
    this.previewWanted = point
    if (this.previewTimer !== null) clearTimeout(this.previewTimer)
    this.previewTimer = setTimeout(() => {
      this.previewTimer = null
      void this.askPreview()
    }, PREVIEW_DELAY_MS)
  }

  private stopPreview(): void {
    this.previewSeq++
    this.previewWanted = null
    if (this.previewTimer !== null) clearTimeout(this.previewTimer)
    this.previewTimer = null
    if (this.preview) this.preview = null
  }

  private async askPreview(): Promise<void> {
    const imageId = this.imageId
    const point = this.previewWanted
    if (this.previewInFlight || imageId === null || !point) return
    this.previewWanted = null
    this.previewInFlight = true
    const seq = ++this.previewSeq
    try {
      const result = await this.askAhead('preview', { imageId, points: [{ ...point, label: 'positive' }] })
      const best = result.candidates[result.best]
      if (seq === this.previewSeq && !this.hasPrompt && best)
        this.preview = { bitmap: bitmapFromRle(decompressRle(best.rle)), size: best.rle.size, area: best.area }
    } catch {
      // A preview is a courtesy: a failure shows nothing, and the click reports errors properly.
    } finally {
      this.previewInFlight = false
      if (this.previewWanted) void this.askPreview()
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  private beginEffort(): void {
    this.startedAt ??= Date.now()
  }

  /** Publishes the draft's current step; recomputes the pixels unless they are already right. */
  private sync(recompute = true): void {
    const snapshot = this.draft.current
    this.snapshot = snapshot
    this.canUndo = this.draft.canUndo
    this.canRedo = this.draft.canRedo
    if (this.hasPrompt) this.stopPreview()
    if (recompute) {
      const empty = snapshot.candidates.length === 0 && snapshot.strokes.length === 0
      const raster = empty ? this.raster : this.ensureRaster()
      if (raster) {
        const cached = this.pixelCache.get(snapshot)
        if (empty) raster.reset()
        else if (cached) raster.restore(cached)
        else {
          raster.show(snapshot)
          // Only steps with strokes are worth keeping: without strokes the pixels are a candidate's crop.
          if (snapshot.strokes.length > 0) this.remember(snapshot, raster.copy())
        }
      }
      this.shows = !empty && raster !== null
      this.dirty = null
      this.pixelsVersion++
    }
  }

  private ensureRaster(): DraftRaster | null {
    const size = this.size
    if (!size) return null
    this.raster ??= new DraftRaster(size.width, size.height)
    return this.raster
  }

  private remember(snapshot: DraftSnapshot, copy: RasterCopy): void {
    this.pixelCache.delete(snapshot)
    this.pixelCache.set(snapshot, copy)
    for (const key of this.pixelCache.keys()) {
      if (this.pixelCache.size <= PIXEL_CACHE_STEPS) break
      this.pixelCache.delete(key)
    }
  }

  /** Asks the model for the current step's prompt; `refine` feeds back the shown candidate's low-res logits. */
  private async predict(refine: boolean): Promise<void> {
    const imageId = this.imageId
    const step = this.draft.current
    if (imageId === null || (step.points.length === 0 && step.box === null)) return
    const seq = ++this.requestSeq
    const { input, refineFrom } = predictInput(imageId, step, refine)
    // Asked already, by the hover preview or while the button was down (see anticipate)?
    const key = JSON.stringify(input)
    const ahead = this.ahead.find((entry) => entry.key === key)
    this.ahead = []
    this.busy = true
    const started = ahead?.started ?? performance.now()
    try {
      // An answer asked ahead that failed is asked for again: it was never this prompt's to report.
      const result = await (ahead ? ahead.request.catch(() => call('segment:predict', input)) : call('segment:predict', input))
      if (seq !== this.requestSeq || imageId !== this.imageId || this.draft.current !== step) return // a newer step won
      const candidates = result.candidates.map(lazyCandidate)
      this.draft.amend({ candidates, shown: result.best, pending: false, refinements: step.refinements + (refineFrom ? 1 : 0) })
      this.lastRoundTripMs = performance.now() - started
      this.sync()
      // After the pixels: nothing here delays the paint, and unchanged state re-renders nothing.
      if (this.error !== null) this.error = null
      if (this.embeddings[imageId] !== 'ready') this.embeddings = { ...this.embeddings, [imageId]: 'ready' }
    } catch (error) {
      if (seq === this.requestSeq) {
        this.error = (error as Error).message
        if (this.draft.current === step) this.draft.amend({ pending: false })
        this.sync(false)
      }
    } finally {
      if (seq === this.requestSeq) this.busy = false
    }
  }

  private onEvent(event: AnyTesseraEvent): void {
    if (event.name === 'segmenter:status') this.status = event.payload
    else if (event.name === 'embeddings:status') {
      this.embeddings = { ...this.embeddings, [event.payload.imageId]: event.payload.state }
      if (event.payload.imageId === this.imageId && event.payload.error) this.error = event.payload.error
    }
  }
}

export const segmenter = new SegmenterState()
