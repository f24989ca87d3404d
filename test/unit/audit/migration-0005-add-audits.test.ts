import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { migrate, openProjectDb, type ProjectDb } from '../../../src-main/core/project/database'
import { MIGRATIONS } from '../../../src-main/core/project/migrations'
import { makeTempDir } from '../../support/make-images'

const IMAGE_SQL =
  "INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, annotation_width, annotation_height, added_at, updated_at) VALUES (?, ?, 1, 1, 10, 10, 10, 10, 'now', 'now')"
const MASK_SQL = `INSERT INTO masks (image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, predicted_iou, stability_score,
  model_id, actor, seconds_spent, created_at, updated_at) VALUES (?, '0', 0, 0, 0, 0, 0, ?, ?, ?, ?, ?, 'tessera', ?, 'now', 'now')`
const SOURCES = ['auto', 'manual', 'imported'] as const
const STATES = ['proposed', 'accepted', 'rejected', 'auto_accepted', 'discarded', 'deleted'] as const

/** What mask_tallies must hold, recomputed from the masks (zero rows left out). */
function recomputedTallies(db: ProjectDb): unknown[] {
  return db
    .prepare(
      `SELECT ifnull(m.model_id, 0) AS model_key, m.source, m.state, ifnull(i.status = 'done', 0) AS image_done,
         CASE WHEN m.predicted_iou IS NULL THEN -1 ELSE max(0, min(19, CAST(m.predicted_iou * 20 AS INTEGER))) END AS iou_bin,
         CASE WHEN m.stability_score IS NULL THEN -1 ELSE max(0, min(19, CAST(m.stability_score * 20 AS INTEGER))) END AS stability_bin,
         count(*) AS n, round(total(m.predicted_iou), 9) AS iou_sum, round(total(m.seconds_spent), 9) AS seconds_sum, count(m.seconds_spent) AS seconds_n
       FROM masks m JOIN images i ON i.id = m.image_id GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
    )
    .all()
}

function storedTallies(db: ProjectDb): unknown[] {
  return db
    .prepare(
      `SELECT model_key, source, state, image_done, iou_bin, stability_bin, n, round(iou_sum, 9) AS iou_sum,
         round(seconds_sum, 9) AS seconds_sum, seconds_n FROM mask_tallies WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6`,
    )
    .all()
}

function recomputedImageTallies(db: ProjectDb): unknown[] {
  return db
    .prepare(
      `SELECT image_id, sum(source = 'auto') AS final_auto, sum(source = 'manual') AS final_manual, sum(source = 'imported') AS final_imported
       FROM masks WHERE state IN ('accepted', 'auto_accepted') GROUP BY image_id ORDER BY image_id`,
    )
    .all()
}

function storedImageTallies(db: ProjectDb): unknown[] {
  return db
    .prepare(
      'SELECT image_id, final_auto, final_manual, final_imported FROM image_tallies WHERE final_auto <> 0 OR final_manual <> 0 OR final_imported <> 0 ORDER BY image_id',
    )
    .all()
}

const operation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    image: fc.integer({ min: 1, max: 4 }),
    source: fc.constantFrom(...SOURCES),
    state: fc.constantFrom(...STATES),
    iou: fc.option(fc.double({ min: 0, max: 1.1, noNaN: true })),
    stability: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    model: fc.option(fc.integer({ min: 1, max: 2 })),
    seconds: fc.option(fc.double({ min: 0, max: 100, noNaN: true })),
  }),
  fc.record({ kind: fc.constant('state' as const), pick: fc.nat(), state: fc.constantFrom(...STATES) }),
  fc.record({
    kind: fc.constant('status' as const),
    image: fc.integer({ min: 1, max: 4 }),
    status: fc.constantFrom('todo', 'in_progress', 'done', 'skipped'),
  }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
)

function freshDb(): ProjectDb {
  const db = openProjectDb(':memory:', { create: true })
  for (let i = 1; i <= 4; i++) db.prepare(IMAGE_SQL).run(`h${i}`, `${i}.jpg`)
  db.prepare(
    "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at) VALUES ('m1', 'sam-official', 'e1', 'd1', '', '', 't1')",
  ).run()
  db.prepare(
    "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at) VALUES ('m2', 'sam-official', 'e2', 'd2', '', '', 't2')",
  ).run()
  return db
}

describe('migration 0005: audits and metric tallies', () => {
  it('keeps mask_tallies and image_tallies equal to a recount of the masks through inserts, decisions, status changes and deletes', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const db = freshDb()
        try {
          for (const op of operations) {
            const ids = db.prepare('SELECT id FROM masks ORDER BY id').pluck().all() as number[]
            if (op.kind === 'insert') db.prepare(MASK_SQL).run(op.image, op.source, op.state, op.iou, op.stability, op.model, op.seconds)
            else if (op.kind === 'state' && ids.length > 0)
              db.prepare('UPDATE masks SET state = ? WHERE id = ?').run(op.state, ids[op.pick % ids.length])
            else if (op.kind === 'status') db.prepare('UPDATE images SET status = ? WHERE id = ?').run(op.status, op.image)
            else if (op.kind === 'delete' && ids.length > 0) db.prepare('DELETE FROM masks WHERE id = ?').run(ids[op.pick % ids.length])
          }
          expect(storedTallies(db)).toEqual(recomputedTallies(db))
          expect(storedImageTallies(db)).toEqual(recomputedImageTallies(db))
          const models = db.prepare('SELECT DISTINCT image_id, model_id FROM masks WHERE model_id IS NOT NULL ORDER BY 1, 2').all()
          // image_models only grows: every (image, model) with a mask now is in it.
          const stored = db.prepare('SELECT image_id, model_id FROM image_models ORDER BY 1, 2').all()
          for (const row of models) expect(stored).toContainEqual(row)
          // Deleting an image (cascade) takes its masks out of the tallies too.
          db.prepare('DELETE FROM images WHERE id = 1').run()
          expect(storedTallies(db)).toEqual(recomputedTallies(db))
          expect(storedImageTallies(db)).toEqual(recomputedImageTallies(db))
          expect(db.prepare('SELECT count(*) FROM image_models WHERE image_id = 1').pluck().get()).toBe(0)
        } finally {
          db.close()
        }
      }),
      { numRuns: 60 },
    )
  })

  it('logs each image’s latest status event and records gold masks from the importer’s events; bad JSON never blocks an event', () => {
    const db = freshDb()
    try {
      const event = db.prepare('INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, NULL, ?)')
      event.run('t1', 'ada', 'image:status', 'image', 1, '{"status":"in_progress"}')
      event.run('t2', 'ada', 'image:status', 'image', 1, '{"status":"done","uncoveredFraction":0.04}')
      event.run('t3', 'bo', 'image:status', 'image', 2, 'not json')
      event.run('t4', 'bo', 'image:status', 'image', 99, '{"status":"done"}')
      expect(db.prepare('SELECT image_id, status, actor, at, uncovered_fraction FROM image_status_log').all()).toEqual([
        { image_id: 1, status: 'done', actor: 'ada', at: 't2', uncovered_fraction: 0.04 },
      ])
      db.prepare(MASK_SQL).run(2, 'imported', 'accepted', null, null, null, null)
      db.prepare(MASK_SQL).run(2, 'imported', 'proposed', null, null, null, null)
      event.run('t5', 'lead', 'mask:imported', 'mask', 1, '{"source":"imported","state":"accepted"}')
      event.run('t5', 'lead', 'mask:imported', 'mask', 2, '{"source":"imported","state":"proposed"}')
      event.run('t5', 'lead', 'mask:imported', 'mask', 3, '{broken')
      expect(db.prepare('SELECT mask_id, image_id, imported_by FROM gold_masks').all()).toEqual([
        { mask_id: 1, image_id: 2, imported_by: 'lead' },
      ])
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(7)
    } finally {
      db.close()
    }
  })

  it('refuses bad verdicts and drops an audit’s rows with it', () => {
    const db = freshDb()
    try {
      db.prepare(
        "INSERT INTO audits (name, drawn_by, drawn_at, seed, fraction, strata, population_size, population_hash, sample_size, strata_counts) VALUES ('a', 'ada', 'now', 's', 0.05, '[]', 4, 'h', 1, '[]')",
      ).run()
      db.prepare("INSERT INTO audit_items (audit_id, image_id, position, stratum, annotator) VALUES (1, 1, 0, '', 'ada')").run()
      const verdict = db.prepare(
        "INSERT INTO audit_verdicts (audit_id, image_id, mask_id, verdict, reviewer, at, mask_state, mask_source, area) VALUES (1, ?, 5, ?, 'rev', 'now', 'accepted', 'auto', 10)",
      )
      expect(() => verdict.run(1, 'maybe')).toThrow(/CHECK/)
      expect(() => verdict.run(2, 'correct')).toThrow(/FOREIGN KEY/)
      verdict.run(1, 'correct')
      expect(() => db.prepare('UPDATE audits SET fraction = 0').run()).toThrow(/CHECK/)
      db.prepare('DELETE FROM audits').run()
      expect(db.prepare('SELECT count(*) FROM audit_verdicts').pluck().get()).toBe(0)
    } finally {
      db.close()
    }
  })

  it('upgrades a version-4 project: tallies, status log and gold are filled from what is stored', async () => {
    const { dir, cleanup } = await makeTempDir('migration-0005')
    try {
      const file = join(dir, 'project.sqlite')
      const old = new Database(file)
      migrate(old, MIGRATIONS.slice(0, 4))
      old
        .prepare("INSERT INTO project (id, name, image_root, annotation_max_side, created_at) VALUES ('p', 'Old', '/x', 1500, 'then')")
        .run()
      old.prepare(IMAGE_SQL).run('h1', 'a.jpg')
      old.prepare("UPDATE images SET status = 'done'").run()
      old.prepare(MASK_SQL).run(1, 'auto', 'auto_accepted', 0.93, 0.97, null, null)
      old.prepare(MASK_SQL).run(1, 'manual', 'accepted', null, null, null, 12.5)
      old.prepare(MASK_SQL).run(1, 'imported', 'accepted', null, null, null, null)
      old
        .prepare(
          "INSERT INTO events (at, actor, kind, entity, entity_id, after) VALUES ('t', 'ada', 'image:status', 'image', 1, '{\"status\":\"done\",\"uncoveredFraction\":0.1}')",
        )
        .run()
      old
        .prepare(
          "INSERT INTO events (at, actor, kind, entity, entity_id, after) VALUES ('t', 'lead', 'mask:imported', 'mask', 3, '{\"source\":\"imported\",\"state\":\"accepted\"}')",
        )
        .run()
      old.close()
      const db = openProjectDb(file)
      try {
        expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(5)
        expect(storedTallies(db)).toEqual(recomputedTallies(db))
        expect(storedImageTallies(db)).toEqual([{ image_id: 1, final_auto: 1, final_manual: 1, final_imported: 1 }])
        expect(db.prepare('SELECT actor, uncovered_fraction FROM image_status_log').get()).toEqual({
          actor: 'ada',
          uncovered_fraction: 0.1,
        })
        expect(db.prepare('SELECT mask_id FROM gold_masks').pluck().all()).toEqual([3])
      } finally {
        db.close()
      }
    } finally {
      await cleanup()
    }
  })
})
