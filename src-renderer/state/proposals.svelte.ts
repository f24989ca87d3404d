/**
 * Proposals as the screens show them: the project's triage settings and counts, and the masks of the
 * image being viewed (decoded once, kept out of deep reactivity).
 */
import type { MaskSummary, TriageSettings, TriageState } from '../../src-preload/contract/dto'
import type { AnyTesseraEvent } from '../../src-preload/contract/events'
import { decodeMask, decompressRle } from '../../src-main/core/masks'
import { call, transport } from '../lib/api'

export interface ShownMask extends MaskSummary {
  pixels: Uint8Array
}

/** States drawn on the canvas; discarded proposals only on demand, rejected never. */
const SHOWN_STATES = ['auto_accepted', 'proposed', 'accepted'] as const

class ProposalsState {
  triage = $state<TriageState | null>(null)
  imageId = $state<number | null>(null)
  masks = $state.raw<ShownMask[]>([])
  visible = $state(true)
  /** Also draw proposals triage discarded (ghosted), to see what the thresholds threw away. */
  showDiscarded = $state(false)
  private loadSeq = 0

  constructor() {
    transport.subscribe((event) => this.onEvent(event))
  }

  async refreshTriage(): Promise<void> {
    this.triage = await call('proposals:triage', {})
  }

  async setTriage(settings: TriageSettings): Promise<void> {
    this.triage = await call('proposals:setTriage', { settings })
    if (this.imageId !== null) await this.load(this.imageId)
  }

  async load(imageId: number): Promise<void> {
    const seq = ++this.loadSeq
    this.imageId = imageId
    const masks = await call('masks:list', { imageId, states: this.showDiscarded ? [...SHOWN_STATES, 'discarded'] : [...SHOWN_STATES] })
    if (seq !== this.loadSeq) return
    this.masks = masks.map((mask) => ({ ...mask, pixels: decodeMask(decompressRle(mask.rle)) }))
  }

  async toggleDiscarded(): Promise<void> {
    this.showDiscarded = !this.showDiscarded
    if (this.imageId !== null) await this.load(this.imageId)
  }

  private onEvent(event: AnyTesseraEvent): void {
    if (event.name === 'images:updated' && event.payload.id === this.imageId) void this.load(event.payload.id)
    if (event.name === 'jobs:progress' && event.payload.kind === 'propose' && event.payload.state === 'done') void this.refreshTriage()
  }
}

export const proposals = new ProposalsState()
