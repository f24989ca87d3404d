/**
 * Audits, the gold-standard comparison, agreement and the dashboard for the open project: the
 * contract's audit requests (src-preload/contract/audit.ts) turned into calls on the audit and
 * metrics cores. Gold masks come in through the existing 'exchange:import' request (as gold).
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { z } from 'zod'
import { auditRequests, type AuditItemDetail, type AuditReport } from '../../../src-preload/contract/audit'
import { AuditStore, compareWithGold, computeAgreement, computeAuditReport, reportToCsv, reportToJson } from '../audit'
import { DashboardQueries } from '../metrics'
import { ModelRepository } from '../project/model-repository'
import { actorName, type Actor } from '../project/actor'
import type { ProjectSession } from '../project/project-session'
import { toMaskSummary } from '../review'
import { writeFileAtomic } from './atomic-write'

type AuditChannel = keyof typeof auditRequests
type AuditInput<C extends AuditChannel> = z.infer<(typeof auditRequests)[C]['input']>
type AuditOutput<C extends AuditChannel> = z.infer<(typeof auditRequests)[C]['output']>
export type AuditHandlers = { [C in AuditChannel]: (input: AuditInput<C>) => Promise<AuditOutput<C>> }

export class AuditController {
  readonly store: AuditStore
  private readonly dashboard: DashboardQueries
  private readonly models: ModelRepository
  private table: AuditHandlers | null = null

  constructor(
    readonly session: ProjectSession,
    private readonly actor: Actor,
  ) {
    this.store = new AuditStore(session.db)
    this.dashboard = new DashboardQueries(session.db)
    this.models = new ModelRepository(session.db)
  }

  itemDetail(auditId: number, imageId: number): AuditItemDetail {
    const item = this.store.item(auditId, imageId)
    const row = this.session.image(imageId)
    const size: [number, number] = [row.annotation_height, row.annotation_width]
    return {
      item,
      image: this.session.summarise(row),
      masks: this.store.auditedMasks(imageId).map((mask) => toMaskSummary(mask, size)),
      verdicts: this.store.verdicts(auditId, imageId),
      missing: this.store.missing(auditId, imageId),
    }
  }

  report(auditId: number): AuditReport {
    const names = new Map(this.models.list().map((model) => [model.id, model.bundled ? 'Demo segmenter' : model.name]))
    return computeAuditReport(this.store.reportInput(auditId), (id) => (id === null ? 'without a model' : (names.get(id) ?? `model ${id}`)))
  }

  /** Writes the report atomically (temporary name, then rename); the folder is made when missing. */
  async exportReport(auditId: number, format: 'csv' | 'json', target: string): Promise<{ path: string; bytes: number }> {
    const report = this.report(auditId)
    const text = format === 'csv' ? reportToCsv(report) : reportToJson(report, this.store.reportInput(auditId))
    await mkdir(dirname(target), { recursive: true })
    await writeFileAtomic(target, text)
    return { path: target, bytes: (await stat(target)).size }
  }

  /** The handler table (built once per controller). */
  handlers(resolvePath: (path: string) => string): AuditHandlers {
    this.table ??= this.createHandlers(resolvePath)
    return this.table
  }

  private createHandlers(resolvePath: (path: string) => string): AuditHandlers {
    const store = this.store
    return {
      'audits:list': async () => store.list(),
      'audits:preview': async ({ fraction, strata }) => store.preview(fraction, strata),
      'audits:draw': async ({ fraction, strata, seed, name, drawnBy }) =>
        store.draw({ fraction, strata, seed, name }, drawnBy ?? actorName(this.actor)),
      'audits:items': async ({ auditId }) => store.items(auditId),
      'audits:item': async ({ auditId, imageId }) => this.itemDetail(auditId, imageId),
      'audits:setVerdict': async ({ auditId, imageId, maskId, verdict, reviewer }) =>
        store.setVerdict(auditId, imageId, maskId, verdict, reviewer),
      'audits:addMissing': async ({ auditId, imageId, x, y, reviewer }) => store.addMissing(auditId, imageId, x, y, reviewer),
      'audits:removeMissing': async ({ auditId, imageId, pointId, reviewer }) => store.removeMissing(auditId, imageId, pointId, reviewer),
      'audits:setNotes': async ({ auditId, imageId, notes, reviewer }) => store.setNotes(auditId, imageId, notes, reviewer),
      'audits:setReviewed': async ({ auditId, imageId, reviewed, reviewer }) => store.setReviewed(auditId, imageId, reviewed, reviewer),
      'audits:report': async ({ auditId }) => this.report(auditId),
      'audits:exportReport': async ({ auditId, format, target }) => this.exportReport(auditId, format, resolvePath(target)),
      'gold:compare': async () => compareWithGold(this.session.db),
      'agreement:get': async () => computeAgreement(this.session.db),
      'metrics:dashboard': async ({ modelId }) => this.dashboard.dashboard(modelId ?? null),
    }
  }
}

/**
 * The audit channels for the backend's handler table; each call goes to the open project's
 * controller (`controller()` throws 'no_project' when none is open).
 */
export function auditHandlers(controller: () => AuditController, resolvePath: (path: string) => string): AuditHandlers {
  const dispatch =
    <C extends AuditChannel>(channel: C) =>
    (input: AuditInput<C>): Promise<AuditOutput<C>> =>
      controller().handlers(resolvePath)[channel](input)
  return Object.fromEntries((Object.keys(auditRequests) as AuditChannel[]).map((channel) => [channel, dispatch(channel)])) as AuditHandlers
}
