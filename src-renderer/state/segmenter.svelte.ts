/**
 * Interactive segmentation as the image view uses it: the segmenter's status, the prompt being built
 * on the current image, and the candidates the model returned for it.
 */
import type { MaskCandidate, PromptPoint, SegmenterStatus } from '../../src-preload/contract/dto'
import type { AnyTesseraEvent } from '../../src-preload/contract/events'
import { call, transport } from '../lib/api'
import { decodeMask, decompressRle } from '../../src-main/core/masks'

export interface DecodedCandidate extends MaskCandidate {
  /** Row-major annotation-size pixels, 1 = inside. Kept out of deep reactivity (large). */
  pixels: Uint8Array
}

class SegmenterState {
  status = $state<SegmenterStatus | null>(null)
  /** Embedding state per image id, from events. */
  embeddings = $state<Record<number, 'missing' | 'encoding' | 'ready' | 'failed'>>({})
  imageId = $state<number | null>(null)
  points = $state<PromptPoint[]>([])
  candidates = $state.raw<DecodedCandidate[]>([])
  shown = $state(0)
  busy = $state(false)
  error = $state<string | null>(null)
  /** Round trip of the last prediction as the renderer saw it, in ms. */
  lastRoundTripMs = $state<number | null>(null)
  /** The mask this prompt would replace (its other candidates are being looked at), if any. */
  replaces = $state<number | null>(null)
  /** Effort on the object being made: when its first prompt came (ms epoch), prompt clicks, refinements. */
  startedAt: number | null = null
  clicks = 0
  refinements = 0
  private requestSeq = 0

  constructor() {
    transport.subscribe((event) => this.onEvent(event))
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await call('segmenter:status', {})
    } catch {
      this.status = null
    }
  }

  /** Switches to an image: forgets the prompt, and asks for its embedding (and the next ones). */
  async openImage(imageId: number): Promise<void> {
    this.imageId = imageId
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
    this.busy = false
    this.points = []
    this.candidates = []
    this.shown = 0
    this.error = null
    this.replaces = null
    this.startedAt = null
    this.clicks = 0
    this.refinements = 0
  }

  /** Starts from an existing mask's prompt, to see the model's other candidates for it. */
  reopen(points: PromptPoint[], replaces: number): Promise<void> {
    this.clear()
    this.points = points
    this.replaces = replaces
    this.startedAt = Date.now()
    return this.predict(false)
  }

  addPoint(point: PromptPoint): Promise<void> {
    this.startedAt ??= Date.now()
    this.clicks++
    this.points = [...this.points, point]
    return this.predict(true)
  }

  removeLastPoint(): Promise<void> {
    this.points = this.points.slice(0, -1)
    if (this.points.length === 0) {
      this.clear()
      return Promise.resolve()
    }
    return this.predict(false)
  }

  /** Shows the next of the candidates (Tab). */
  cycle(step = 1): void {
    if (this.candidates.length > 0) this.shown = (this.shown + step + this.candidates.length) % this.candidates.length
  }

  get current(): DecodedCandidate | null {
    return this.candidates[this.shown] ?? null
  }

  /** Asks the model for masks; `refine` feeds back the shown candidate's low-res logits. */
  private async predict(refine: boolean): Promise<void> {
    const imageId = this.imageId
    if (imageId === null || this.points.length === 0) return
    const seq = ++this.requestSeq
    const refineFrom = refine && this.points.length > 1 ? this.current?.handle : undefined
    if (refineFrom) this.refinements++
    this.busy = true
    const started = performance.now()
    try {
      const result = await call('segment:predict', { imageId, points: this.points, ...(refineFrom ? { refineFrom } : {}) })
      if (seq !== this.requestSeq || imageId !== this.imageId) return // a newer prompt won
      this.candidates = result.candidates.map((candidate) => ({ ...candidate, pixels: decodeMask(decompressRle(candidate.rle)) }))
      this.shown = result.best
      this.error = null
      this.embeddings = { ...this.embeddings, [imageId]: 'ready' }
      this.lastRoundTripMs = performance.now() - started
    } catch (error) {
      if (seq === this.requestSeq) this.error = (error as Error).message
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
