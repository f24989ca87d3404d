/**
 * The reviewer's audit state: the project's audits, the open audit's sampled images, the image being
 * reviewed (its final masks with bitmaps, verdicts, missing-object points, notes), the selected mask,
 * the reviewer's name, and the report. Every verdict is sent at once; the backend keeps verdicts apart
 * from the annotator's masks.
 */
import type {
  AuditItem,
  AuditReport,
  AuditStratifier,
  AuditStratumSummary,
  AuditSummary,
  MissingPoint,
  Verdict,
} from '../../src-preload/contract/audit'
import type { ImageSummary, MaskSummary } from '../../src-preload/contract/dto'
import { bitmapFromRle, decompressRle, type MaskBitmap } from '../../src-main/core/masks'
import { call } from '../lib/api'

export interface AuditMask extends MaskSummary {
  bitmap: MaskBitmap
}

const REVIEWER_KEY = 'tessera.reviewer'

export interface AuditPreview {
  populationSize: number
  sampleSize: number
  strata: AuditStratumSummary[]
}

class AuditState {
  audits = $state<AuditSummary[]>([])
  auditId = $state<number | null>(null)
  items = $state<AuditItem[]>([])
  /** Index into `items` of the image under review. */
  index = $state(0)
  image = $state<ImageSummary | null>(null)
  /** Final masks of the image under review, in id order (kept out of deep reactivity). */
  masks = $state.raw<AuditMask[]>([])
  verdicts = $state<Record<number, Verdict>>({})
  missing = $state<MissingPoint[]>([])
  notes = $state('')
  selectedId = $state<number | null>(null)
  reviewer = $state(localStorage.getItem(REVIEWER_KEY) ?? '')
  /** Whether the reviewer name was typed on this screen; until then it follows the name in Preferences. */
  reviewerTyped = $state((localStorage.getItem(REVIEWER_KEY) ?? '').trim() !== '')
  report = $state<AuditReport | null>(null)
  loading = $state(false)
  /** The canvas listens here: the masks or their verdicts changed. */
  onCanvasChange: (() => void) | null = null
  private loadSeq = 0
  /** Verdicts still on their way, in the order they were given. */
  private sending: Promise<unknown> = Promise.resolve()

  get audit(): AuditSummary | null {
    return this.audits.find((audit) => audit.id === this.auditId) ?? null
  }

  get item(): AuditItem | null {
    return this.items[this.index] ?? null
  }

  get reviewedCount(): number {
    return this.items.filter((item) => item.reviewedAt !== null).length
  }

  get selected(): AuditMask | null {
    return this.masks.find((mask) => mask.id === this.selectedId) ?? null
  }

  /** A name typed on the audit screen: kept, and no longer following Preferences (cleared, it follows again). */
  setReviewer(name: string): void {
    this.reviewer = name
    this.reviewerTyped = name.trim() !== ''
    if (this.reviewerTyped) localStorage.setItem(REVIEWER_KEY, name.trim())
    else localStorage.removeItem(REVIEWER_KEY)
  }

  /** The name from Preferences, used while none was typed here (not stored: a rename is followed). */
  followPreferredReviewer(name: string): void {
    if (!this.reviewerTyped) this.reviewer = name
  }

  async refreshAudits(): Promise<void> {
    this.audits = await call('audits:list', {})
  }

  preview(fraction: number, strata: AuditStratifier[]): Promise<AuditPreview> {
    return call('audits:preview', { fraction, strata })
  }

  async draw(options: { fraction: number; strata: AuditStratifier[]; seed?: string }): Promise<void> {
    const drawnBy = this.reviewer.trim()
    const audit = await call('audits:draw', { ...options, ...(drawnBy ? { drawnBy } : {}) })
    await this.refreshAudits()
    await this.open(audit.id)
  }

  /** Opens an audit at its first image the reviewer has not finished. */
  async open(auditId: number): Promise<void> {
    this.auditId = auditId
    this.report = null
    this.items = await call('audits:items', { auditId })
    const next = this.items.findIndex((item) => item.reviewedAt === null)
    await this.show(next >= 0 ? next : 0)
  }

  close(): void {
    this.auditId = null
    this.items = []
    this.image = null
    this.masks = []
    this.report = null
  }

  async show(index: number): Promise<void> {
    const auditId = this.auditId
    const item = this.items[index]
    if (auditId === null || !item) return
    const seq = ++this.loadSeq
    this.loading = true
    try {
      const detail = await call('audits:item', { auditId, imageId: item.imageId })
      if (seq !== this.loadSeq) return
      this.index = index
      this.image = detail.image
      this.masks = detail.masks.map((mask) => ({ ...mask, bitmap: bitmapFromRle(decompressRle(mask.rle)) }))
      this.verdicts = Object.fromEntries(detail.verdicts.map((verdict) => [verdict.maskId, verdict.verdict]))
      this.missing = detail.missing
      this.notes = detail.item.notes
      this.replaceItem(detail.item)
      this.selectedId = this.firstUnjudged() ?? this.masks[0]?.id ?? null
      this.onCanvasChange?.()
    } finally {
      if (seq === this.loadSeq) this.loading = false
    }
  }

  /** The first mask (id order) without a verdict, after `afterId` and wrapping round. */
  firstUnjudged(afterId: number | null = null): number | null {
    const start = afterId === null ? 0 : this.masks.findIndex((mask) => mask.id === afterId) + 1
    for (let offset = 0; offset < this.masks.length; offset++) {
      const mask = this.masks[(start + offset) % this.masks.length] as AuditMask
      if (this.verdicts[mask.id] === undefined) return mask.id
    }
    return null
  }

  step(delta: 1 | -1): void {
    if (this.masks.length === 0) return
    const at = this.masks.findIndex((mask) => mask.id === this.selectedId)
    const next = (at + delta + this.masks.length) % this.masks.length
    this.selectedId = (this.masks[next] as AuditMask).id
  }

  /**
   * Judges the selected mask and selects the next mask without a verdict at once (the reviewer can
   * press the next key straight away); the verdicts are sent in order, and one the backend refuses
   * is taken back.
   */
  async judge(verdict: Verdict): Promise<void> {
    const mask = this.selected
    const item = this.item
    const auditId = this.auditId
    if (!mask || !item || auditId === null) return
    const reviewer = this.requireReviewer()
    const previous = this.verdicts[mask.id]
    this.verdicts = { ...this.verdicts, [mask.id]: verdict }
    this.selectedId = this.firstUnjudged(mask.id) ?? mask.id
    this.onCanvasChange?.()
    const sent = this.sending.then(() => call('audits:setVerdict', { auditId, imageId: item.imageId, maskId: mask.id, verdict, reviewer }))
    this.sending = sent.catch(() => undefined)
    try {
      this.replaceItem(await sent)
    } catch (error) {
      if (this.item?.imageId === item.imageId) {
        const { [mask.id]: _refused, ...rest } = this.verdicts
        this.verdicts = previous === undefined ? rest : { ...rest, [mask.id]: previous }
        this.onCanvasChange?.()
      }
      throw error
    }
  }

  async addMissing(x: number, y: number): Promise<void> {
    const item = this.item
    if (!item || this.auditId === null) return
    const result = await call('audits:addMissing', {
      auditId: this.auditId,
      imageId: item.imageId,
      x: Math.max(0, x),
      y: Math.max(0, y),
      reviewer: this.requireReviewer(),
    })
    this.missing = [...this.missing, result.point]
    this.replaceItem(result.item)
  }

  async removeMissing(pointId: number): Promise<void> {
    const item = this.item
    if (!item || this.auditId === null) return
    const updated = await call('audits:removeMissing', {
      auditId: this.auditId,
      imageId: item.imageId,
      pointId,
      reviewer: this.requireReviewer(),
    })
    this.missing = this.missing.filter((point) => point.id !== pointId)
    this.replaceItem(updated)
  }

  async saveNotes(): Promise<void> {
    const item = this.item
    if (!item || this.auditId === null || item.notes === this.notes) return
    this.replaceItem(
      await call('audits:setNotes', { auditId: this.auditId, imageId: item.imageId, notes: this.notes, reviewer: this.requireReviewer() }),
    )
  }

  /** Finishes the image (every mask judged) and opens the next one not finished; false when none is left. */
  async finish(): Promise<boolean> {
    const item = this.item
    if (!item || this.auditId === null) return false
    await this.sending
    await this.saveNotes()
    this.replaceItem(
      await call('audits:setReviewed', { auditId: this.auditId, imageId: item.imageId, reviewed: true, reviewer: this.requireReviewer() }),
    )
    void this.refreshAudits()
    for (let offset = 1; offset <= this.items.length; offset++) {
      const next = (this.index + offset) % this.items.length
      if (this.items[next]?.reviewedAt === null) {
        await this.show(next)
        return true
      }
    }
    return false
  }

  async reopen(): Promise<void> {
    const item = this.item
    if (!item || this.auditId === null) return
    this.replaceItem(
      await call('audits:setReviewed', { auditId: this.auditId, imageId: item.imageId, reviewed: false, reviewer: this.requireReviewer() }),
    )
  }

  async loadReport(): Promise<void> {
    if (this.auditId === null) return
    this.report = await call('audits:report', { auditId: this.auditId })
  }

  exportReport(format: 'csv' | 'json', target: string): Promise<{ path: string; bytes: number }> {
    if (this.auditId === null) return Promise.reject(new Error('No audit is open.'))
    return call('audits:exportReport', { auditId: this.auditId, format, target })
  }

  private requireReviewer(): string {
    const name = this.reviewer.trim()
    if (!name) throw new Error('Enter your name as reviewer first (top of the left panel): verdicts record who gave them.')
    return name
  }

  private replaceItem(item: AuditItem): void {
    this.items = this.items.map((existing) => (existing.imageId === item.imageId ? item : existing))
  }
}

export const audit = new AuditState()
