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

  async setTriage(settings: TriageSettings): Promise<void> {
    this.triage = await call('proposals:setTriage', { settings })
  }

  private onEvent(event: AnyTesseraEvent): void {
    if (event.name === 'jobs:progress' && event.payload.kind === 'propose' && event.payload.state === 'done') void this.refreshTriage()
  }
}

export const proposals = new ProposalsState()
