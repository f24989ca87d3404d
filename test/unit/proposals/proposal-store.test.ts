import { beforeEach, describe, expect, it } from 'vitest'
import { openProjectDb, type ProjectDb } from '../../../src-main/core/project/database'
import { ImageRepository } from '../../../src-main/core/project/image-repository'
import { ProposalStore, canonicalJson, type ProposalRecord } from '../../../src-main/core/proposals/proposal-store'
import { presetSettings } from '../../../src-main/core/proposals/triage'

let db: ProjectDb
let store: ProposalStore
let runId: number

function record(predictedIou: number, stabilityScore: number, area: number): ProposalRecord {
  return { rleCounts: '0', area, bbox: [0, 0, 1, 1], predictedIou, stabilityScore, pointCoords: [[5, 5]], cropBox: [0, 0, 100, 100] }
}

function states(imageId = 1): string[] {
  return (db.prepare('SELECT state FROM masks WHERE image_id = ? ORDER BY id').all(imageId) as { state: string }[]).map((row) => row.state)
}

beforeEach(() => {
  db = openProjectDb(':memory:', { create: true })
  db.prepare("INSERT INTO project (id, name, image_root, annotation_max_side, created_at) VALUES ('p', 'P', '/x', 1500, 'now')").run()
  db.prepare(
    "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at) VALUES ('m', 'sam-official', 'a', 'b', '/e', '/d', 'now')",
  ).run()
  for (const name of ['a.jpg', 'b.jpg']) {
    db.prepare(
      "INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, annotation_width, annotation_height, added_at, updated_at) VALUES (?, ?, 1, 1, 100, 100, 100, 100, 'now', 'now')",
    ).run(`hash-${name}`, name)
  }
  store = new ProposalStore(db, 'tester')
  runId = store.ensureRun(1, 'grid', { pointsPerSide: 32, predIouThresh: 0.88 })
})

describe('proposal store', () => {
  it('records a run once per model, source and parameters (key order does not matter)', () => {
    expect(store.ensureRun(1, 'grid', { predIouThresh: 0.88, pointsPerSide: 32 })).toBe(runId)
    expect(store.ensureRun(1, 'grid', { pointsPerSide: 16, predIouThresh: 0.88 })).not.toBe(runId)
    expect(store.ensureRun(1, 'boxes', { pointsPerSide: 32, predIouThresh: 0.88 })).not.toBe(runId)
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}')
  })

  it('triages on save: auto-accepted, needs review, discarded (kept)', () => {
    const counts = store.saveImage(
      runId,
      1,
      1,
      [record(0.9, 0.96, 200), record(0.8, 0.96, 200), record(0.3, 0.96, 200), record(0.99, 0.99, 9999)],
      1.5,
    )
    expect(counts).toEqual({ auto: 1, review: 1, discarded: 2 })
    expect(states()).toEqual(['auto_accepted', 'proposed', 'discarded', 'discarded'])
    expect(new ImageRepository(db).proposalCounts([1, 2])).toEqual(new Map([[1, { auto: 1, review: 1, accepted: 0 }]]))
    db.prepare("UPDATE masks SET state = 'accepted' WHERE state = 'discarded'").run()
    expect(new ImageRepository(db).proposalCounts([1, 2])).toEqual(new Map([[1, { auto: 1, review: 1, accepted: 2 }]]))
  })

  it('re-running replaces only untouched proposals; a person’s decisions stay', () => {
    store.saveImage(runId, 1, 1, [record(0.9, 0.96, 200), record(0.8, 0.96, 200), record(0.85, 0.96, 300)], 1)
    const [first, second] = db.prepare('SELECT id FROM masks ORDER BY id').all() as { id: number }[]
    db.prepare("UPDATE masks SET state = 'accepted', actor = 'ada' WHERE id = ?").run(second!.id)
    db.prepare("UPDATE masks SET state = 'rejected', actor = 'ada' WHERE id = ?").run(first!.id)
    store.saveImage(runId, 1, 1, [record(0.95, 0.97, 400)], 1)
    expect(states()).toEqual(['rejected', 'accepted', 'auto_accepted'])
  })

  it('re-triages stored proposals when thresholds change, without touching decisions, and logs it', () => {
    store.saveImage(runId, 1, 1, [record(0.9, 0.96, 200), record(0.8, 0.9, 200), record(0.6, 0.6, 60)], 1)
    db.prepare("UPDATE masks SET state = 'rejected' WHERE id = 1").run()
    expect(store.setTriage(presetSettings('exploratory'))).toEqual({ auto: 1, review: 1, discarded: 0 })
    expect(states()).toEqual(['rejected', 'auto_accepted', 'proposed'])
    expect(store.setTriage(presetSettings('high-precision'))).toEqual({ auto: 0, review: 2, discarded: 0 })
    expect(states()).toEqual(['rejected', 'proposed', 'proposed'])
    expect((db.prepare("SELECT count(*) AS n FROM events WHERE kind = 'triage:changed'").get() as { n: number }).n).toBe(2)
    expect(store.triage().preset).toBe('high-precision')
    expect(() => store.setTriage({ ...presetSettings('general'), maxAreaFraction: 2 })).toThrow(/maximum area fraction/)
  })

  it('lists what a run still has to do, retrying failures', () => {
    expect(store.pendingImages(runId, [1, 2])).toEqual([1, 2])
    store.saveImage(runId, 1, 1, [], 0.5)
    store.markFailed(runId, 2, 'cannot decode')
    expect(store.pendingImages(runId, [1, 2])).toEqual([2])
  })
})
