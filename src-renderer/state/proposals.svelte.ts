/** The project's triage settings and proposal counts, as the grid shows and edits them. */
import type { TriageSettings, TriageState } from '../../src-preload/contract/dto'
import type { AnyTesseraEvent } from '../../src-preload/contract/events'
import { call, transport } from '../lib/api'

class ProposalsState {
  triage = $state<TriageState | null>(null)

  constructor() {
    transport.subscribe((event) => this.onEvent(event))
  }

  async refreshTriage(): Promise<void> {
    this.triage = await call('proposals:triage', {})
  }

  /** Requests sent, so an answer overtaken by a later edit does not show old counts. */
  private sent = 0

  /** New thresholds: the backend re-triages stored proposals (no model run) and answers with the counts. */
  async setTriage(settings: TriageSettings): Promise<void> {
    const mine = ++this.sent
    const state = await call('proposals:setTriage', { settings })
    if (mine === this.sent) this.triage = state
  }

  private onEvent(event: AnyTesseraEvent): void {
    if (event.name === 'jobs:progress' && event.payload.kind === 'propose' && event.payload.state === 'done') void this.refreshTriage()
  }
}

export const proposals = new ProposalsState()
