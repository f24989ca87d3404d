/**
 * The dashboard's state: the data engine's figures for the project or one model cycle, the
 * gold-standard comparison and inter-annotator agreement (both computed on request: they decode masks).
 */
import type { AgreementReport, Dashboard, GoldComparison } from '../../src-preload/contract/audit'
import { call } from '../lib/api'

class MetricsState {
  dashboard = $state.raw<Dashboard | null>(null)
  /** null = every model; 0 = masks made without a model. */
  modelId = $state<number | null>(null)
  gold = $state.raw<GoldComparison | null>(null)
  agreement = $state.raw<AgreementReport | null>(null)
  loading = $state(false)
  private seq = 0

  async load(modelId: number | null = this.modelId): Promise<void> {
    const seq = ++this.seq
    this.modelId = modelId
    this.loading = true
    try {
      const dashboard = await call('metrics:dashboard', { modelId })
      if (seq === this.seq) this.dashboard = dashboard
    } finally {
      if (seq === this.seq) this.loading = false
    }
  }

  async compareGold(): Promise<void> {
    this.gold = await call('gold:compare', {})
  }

  /** Imports gold masks through the annotation importer (a job); compare again once it is done. */
  importGold(path: string): Promise<unknown> {
    return call('exchange:import', { paths: [path], as: 'gold' })
  }

  async loadAgreement(): Promise<void> {
    this.agreement = await call('agreement:get', {})
  }
}

export const metrics = new MetricsState()
