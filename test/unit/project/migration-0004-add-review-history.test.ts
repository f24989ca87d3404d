import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { migrate, openProjectDb } from '../../../src-main/core/project/database'
import { MIGRATIONS } from '../../../src-main/core/project/migrations'
import { makeTempDir } from '../../support/make-images'

const IMAGE_SQL =
  "INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, annotation_width, annotation_height, added_at, updated_at) VALUES (?, ?, 1, 1, 10, 10, 10, 10, 'now', 'now')"
const MASK_SQL =
  "INSERT INTO masks (image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, actor, created_at, updated_at) VALUES (?, '0', 0, 0, 0, 0, 0, 'auto', ?, 'tessera', 'now', 'now')"

describe('migration 0004: review history', () => {
  it('keeps per-image actions (cascading with the image), resolved pairs (lower id first) and review settings', () => {
    const db = openProjectDb(':memory:', { create: true })
    try {
      db.prepare(IMAGE_SQL).run('h1', 'a.jpg')
      db.prepare(IMAGE_SQL).run('h2', 'b.jpg')
      db.prepare(MASK_SQL).run(1, 'accepted')
      db.prepare(MASK_SQL).run(1, 'proposed')
      const action = db.prepare(
        "INSERT INTO actions (image_id, actor, kind, label, changes, at) VALUES (?, 'ada', ?, 'Accept mask 1', '[]', 'now')",
      )
      action.run(1, 'decide')
      action.run(2, 'merge')
      expect(db.prepare('SELECT status FROM actions WHERE id = 1').pluck().get()).toBe('applied')
      expect(() => action.run(1, 'teleport')).toThrow(/CHECK/)
      expect(() => db.prepare("UPDATE actions SET status = 'maybe'").run()).toThrow(/CHECK/)
      expect(() => action.run(99, 'decide')).toThrow(/FOREIGN KEY/)

      const resolve = db.prepare("INSERT INTO overlap_resolutions (mask_a, mask_b, resolution, actor, at) VALUES (?, ?, ?, 'ada', 'now')")
      resolve.run(1, 2, 'keep')
      expect(() => resolve.run(1, 2, 'replace')).toThrow(/UNIQUE|PRIMARY/)
      expect(() => resolve.run(2, 1, 'keep')).toThrow(/CHECK/)
      expect(() => resolve.run(1, 2, 'ignore')).toThrow(/CHECK|UNIQUE/)
      expect(() => resolve.run(1, 77, 'keep')).toThrow(/FOREIGN KEY/)

      // Deleting an image takes its history and its masks' resolutions with it.
      db.prepare('DELETE FROM images WHERE id = 1').run()
      expect(db.prepare('SELECT image_id FROM actions').pluck().all()).toEqual([2])
      expect(db.prepare('SELECT count(*) FROM overlap_resolutions').pluck().get()).toBe(0)
      expect(db.prepare("SELECT name FROM pragma_index_list('actions')").pluck().all()).toContain('actions_by_image')
      expect(db.prepare("SELECT name FROM pragma_table_info('project') WHERE name = 'review_settings'").pluck().get()).toBe(
        'review_settings',
      )
    } finally {
      db.close()
    }
  })

  it('upgrades a version-3 project file and keeps its data', async () => {
    const { dir, cleanup } = await makeTempDir('migration-0004')
    try {
      const file = join(dir, 'project.sqlite')
      const old = new Database(file)
      migrate(old, MIGRATIONS.slice(0, 3))
      expect(old.pragma('user_version', { simple: true })).toBe(3)
      old
        .prepare(
          "INSERT INTO project (id, name, image_root, annotation_max_side, created_at, triage) VALUES ('p', 'Old', '/x', 1500, 'then', '{\"preset\":\"general\"}')",
        )
        .run()
      old.prepare(IMAGE_SQL).run('h1', 'a.jpg')
      old.prepare(MASK_SQL).run(1, 'accepted')
      old
        .prepare(
          "INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES ('then', 'ada', 'mask:state', 'mask', 1, NULL, '{}')",
        )
        .run()
      old.close()

      const db = openProjectDb(file)
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length) // every later migration ran too
        expect(db.prepare('SELECT name, triage, review_settings FROM project').get()).toEqual({
          name: 'Old',
          triage: '{"preset":"general"}',
          review_settings: null,
        })
        expect(db.prepare('SELECT state FROM masks').pluck().all()).toEqual(['accepted'])
        expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1)
        expect(db.prepare('SELECT count(*) FROM actions').pluck().get()).toBe(0)
      } finally {
        db.close()
      }
    } finally {
      await cleanup()
    }
  })
})
