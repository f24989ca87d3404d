import { describe, expect, it } from 'vitest'
import { openProjectDb } from '../../../src-main/core/project/database'

describe('migration 0006: effort and skipped objects', () => {
  it('adds effort columns to masks, back-filled from the prompt, and the skipped-object table with its checks', () => {
    const db = openProjectDb(':memory:', { create: true })
    db.prepare(
      "INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, annotation_width, annotation_height, added_at, updated_at) VALUES ('h', 'a.jpg', 1, 1, 10, 10, 10, 10, 'now', 'now')",
    ).run()
    const insert = db.prepare(
      "INSERT INTO masks (image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, actor, created_at, updated_at, clicks, origin_mask_id, origin_iou) VALUES (1, '0', 0, 0, 0, 0, 0, 'manual', 'accepted', 'ann', 'now', 'now', ?, ?, ?)",
    )
    const first = Number(insert.run(3, null, null).lastInsertRowid)
    insert.run(1, first, 0.8)
    expect(() => insert.run(1, 999, 0.5)).toThrow(/FOREIGN KEY/)
    const skip = db.prepare(
      "INSERT INTO skipped_objects (image_id, x, y, prompt, seconds, clicks, actor, created_at, updated_at, state) VALUES (1, 1.5, 2.5, '{}', ?, 1, 'ann', 'now', 'now', ?)",
    )
    skip.run(31, 'open')
    expect(() => skip.run(31, 'lost')).toThrow(/CHECK/)
    expect(() => skip.run(-1, 'open')).toThrow(/CHECK/)
    expect(() =>
      db
        .prepare(
          "INSERT INTO skipped_objects (image_id, x, y, prompt, seconds, clicks, actor, created_at, updated_at) VALUES (7, 0, 0, '{}', 1, 1, 'a', 'n', 'n')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/)
    expect(db.prepare('SELECT state FROM skipped_objects').pluck().all()).toEqual(['open'])
    db.close()
  })
})
