import { describe, expect, it } from 'vitest'
import { AuditStore } from '../../../src-main/core/audit/audit-store'
import { computeAuditReport, reportToCsv, reportToJson } from '../../../src-main/core/audit/audit-report'
import { wilsonInterval } from '../../../src-main/core/audit/wilson'
import { auditProject } from './audit-fixture'

/** 40 images: odd ones done by ada, even ones by bo, except 39 and 40 (todo). Each: one small auto-accepted, one manual mask. */
function project() {
  return auditProject(
    40,
    () => [
      { rects: [[0, 0, 4, 4]], state: 'auto_accepted' },
      { rects: [[0, 4, 40, 26]], state: 'accepted', source: 'manual' }, // 1040 px: medium
      { rects: [[30, 0, 5, 5]], state: 'rejected' },
    ],
    (id) => (id >= 39 ? null : id % 2 === 1 ? 'ada' : 'bo'),
  )
}

describe('audit store', () => {
  it('draws from done images only, records the draw, and gives the same images for the same seed', () => {
    const db = project()
    try {
      const store = new AuditStore(db)
      const first = store.draw({ fraction: 0.05, strata: [], seed: 'fixed' }, 'lead')
      expect(first).toMatchObject({ populationSize: 38, sampleSize: 2, seed: 'fixed', drawnBy: 'lead', fraction: 0.05, strata: [] })
      expect(first.populationHash).toMatch(/^[0-9a-f]{64}$/)
      const again = store.draw({ fraction: 0.05, strata: [], seed: 'fixed' }, 'lead')
      const ids = (auditId: number) => store.items(auditId).map((item) => item.imageId)
      expect(ids(again.id)).toEqual(ids(first.id))
      expect(ids(first.id).every((id) => id <= 38)).toBe(true)
      expect(store.list().map((audit) => audit.id)).toEqual([again.id, first.id])
      const stratified = store.draw({ fraction: 0.1, strata: ['annotator'] }, 'lead')
      expect(stratified.strataCounts).toEqual([
        { key: 'annotator=ada', population: 19, sample: 2 },
        { key: 'annotator=bo', population: 19, sample: 2 },
      ])
      expect(stratified.seed).toMatch(/^[0-9a-f]{8}$/)
      const event = db.prepare("SELECT actor, after FROM events WHERE kind = 'audit:drawn' AND entity_id = ?").get(first.id) as {
        actor: string
        after: string
      }
      expect(event.actor).toBe('lead')
      expect(JSON.parse(event.after)).toMatchObject({ seed: 'fixed', populationSize: 38, imageIds: ids(first.id) })
    } finally {
      db.close()
    }
  })

  it('refuses to draw before any image is done', () => {
    const db = auditProject(
      3,
      () => [],
      () => null,
    )
    try {
      expect(() => new AuditStore(db).draw({ fraction: 0.05, strata: [] }, 'lead')).toThrow(/No image is done yet/)
    } finally {
      db.close()
    }
  })

  it('stores verdicts apart from the masks (latest wins, each change an event by the reviewer) and reports them', () => {
    const db = project()
    try {
      const store = new AuditStore(db)
      const audit = store.draw({ fraction: 0.1, strata: [], seed: 'report' }, 'lead')
      const items = store.items(audit.id)
      expect(items).toHaveLength(4)
      const masksBefore = db.prepare('SELECT id, state, updated_at FROM masks ORDER BY id').all()
      const [a, b, c] = items as [(typeof items)[0], (typeof items)[0], (typeof items)[0]]
      const judge = (imageId: number, verdicts: Parameters<AuditStore['setVerdict']>[3][]) =>
        store.auditedMasks(imageId).forEach((mask, index) => store.setVerdict(audit.id, imageId, mask.id, verdicts[index]!, 'rita'))
      expect(store.auditedMasks(a.imageId).map((mask) => mask.state)).toEqual(['auto_accepted', 'accepted'])
      judge(a.imageId, ['should_not_exist', 'correct'])
      judge(a.imageId, ['correct', 'correct']) // changed: latest wins
      judge(b.imageId, ['boundary_poor', 'correct'])
      judge(c.imageId, ['wrong_object', 'correct'])
      expect(() => store.setReviewed(audit.id, items[3]!.imageId, true, 'rita')).toThrow(/2 masks need a verdict/)
      store.addMissing(audit.id, a.imageId, 3, 4, 'rita')
      store.addMissing(audit.id, a.imageId, 5, 6, 'rita')
      const removable = store.addMissing(audit.id, b.imageId, 1, 1, 'rita')
      store.addMissing(audit.id, c.imageId, 7, 7, 'rita')
      store.removeMissing(audit.id, b.imageId, removable.point.id, 'rita')
      store.setNotes(audit.id, a.imageId, 'two cars missed', 'rita')
      for (const item of [a, b, c]) store.setReviewed(audit.id, item.imageId, true, 'rita')

      // The annotator's masks are untouched.
      expect(db.prepare('SELECT id, state, updated_at FROM masks ORDER BY id').all()).toEqual(masksBefore)
      const verdictEvents = db.prepare("SELECT actor, before, after FROM events WHERE kind = 'audit:verdict' ORDER BY id").all() as {
        actor: string
        before: string | null
        after: string
      }[]
      expect(verdictEvents).toHaveLength(7)
      expect(verdictEvents.every((event) => event.actor === 'rita')).toBe(true)
      expect(JSON.parse(verdictEvents[2]!.before as string)).toMatchObject({ verdict: 'should_not_exist' })
      expect(store.item(audit.id, a.imageId)).toMatchObject({
        verdictCount: 2,
        missingCount: 2,
        notes: 'two cars missed',
        reviewedBy: 'rita',
      })

      // Hand computation over the three finished images: 6 masks, 5 correct, 1 boundary poor, 1 wrong object.
      const report = computeAuditReport(store.reportInput(audit.id), (id) => (id === null ? 'no model' : `model ${id}`))
      expect(report.reviewedImages).toBe(3)
      expect(report.overall).toMatchObject({
        judged: 6,
        counts: { correct: 4, boundary_poor: 1, wrong_object: 1, should_not_exist: 0 },
        images: 3,
        missing: 3,
      })
      expect(report.overall.precision).toEqual(wilsonInterval(4, 6))
      expect(report.overall.rightObject).toEqual(wilsonInterval(5, 6))
      expect(report.overall.missingPerImage).toBe(1)
      const bySource = Object.fromEntries(report.splits.source.map((group) => [group.key, group.counts.correct / group.judged]))
      expect(bySource).toEqual({ auto_accepted: 1 / 3, manual: 1 })
      expect(report.splits.size.map((group) => [group.key, group.judged])).toEqual([
        ['small', 3],
        ['medium', 3],
      ])
      const annotators = new Map(report.splits.annotator.map((group) => [group.key, group]))
      const expectedAnnotators = [a, b, c].reduce<Record<string, number>>(
        (counts, item) => ({ ...counts, [item.annotator]: (counts[item.annotator] ?? 0) + 1 }),
        {},
      )
      for (const [annotator, images] of Object.entries(expectedAnnotators)) expect(annotators.get(annotator)?.images).toBe(images)

      const csv = reportToCsv(report)
      expect(csv).toContain('split,group,judged,correct')
      expect(csv.split('\n').find((line) => line.startsWith('overall,'))).toBe(
        `overall,all finished images,6,4,1,1,0,${4 / 6},${wilsonInterval(4, 6)!.low},${wilsonInterval(4, 6)!.high},${5 / 6},${wilsonInterval(5, 6)!.low},${wilsonInterval(5, 6)!.high},3,3,1`,
      )
      // The JSON export carries every stored row, so the report can be recomputed from the file alone.
      const exported = JSON.parse(reportToJson(report, store.reportInput(audit.id)))
      expect(
        computeAuditReport(
          { audit: exported.report.audit, items: exported.items, verdicts: exported.verdicts, missing: exported.missing },
          (id) => (id === null ? 'no model' : `model ${id}`),
        ),
      ).toEqual(report)
    } finally {
      db.close()
    }
  })

  it('refuses verdicts on masks that are not final masks of the image', () => {
    const db = project()
    try {
      const store = new AuditStore(db)
      const audit = store.draw({ fraction: 0.05, strata: [], seed: 'x' }, 'lead')
      const [item] = store.items(audit.id)
      const rejected = db.prepare("SELECT id FROM masks WHERE image_id = ? AND state = 'rejected'").pluck().get(item!.imageId) as number
      const otherImage = db.prepare('SELECT id FROM masks WHERE image_id <> ? LIMIT 1').pluck().get(item!.imageId) as number
      expect(() => store.setVerdict(audit.id, item!.imageId, rejected, 'correct', 'rita')).toThrow(/not one of the final masks/)
      expect(() => store.setVerdict(audit.id, item!.imageId, otherImage, 'correct', 'rita')).toThrow(/not one of the final masks/)
      expect(() => store.addMissing(audit.id, item!.imageId, 500, 1, 'rita')).toThrow(/outside the image/)
    } finally {
      db.close()
    }
  })
})
