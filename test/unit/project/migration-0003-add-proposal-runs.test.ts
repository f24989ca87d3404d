import { describe, expect, it } from 'vitest'
import { openProjectDb } from '../../../src-main/core/project/database'

describe('migration 0003: proposal runs', () => {
  it('records each run once, links proposals to runs and tracks per-image progress', () => {
    const db = openProjectDb(':memory:', { create: true })
    db.prepare(
      "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at) VALUES ('m', 'sam-official', 'a', 'b', '/e', '/d', 'now')",
    ).run()
    db.prepare(
      "INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, annotation_width, annotation_height, added_at, updated_at) VALUES ('h', 'a.jpg', 1, 1, 10, 10, 10, 10, 'now', 'now')",
    ).run()
    const run = db.prepare(
      "INSERT INTO proposal_runs (model_id, source, params, params_hash, created_at) VALUES (1, 'grid', '{}', 'x', 'now')",
    )
    run.run()
    expect(() => run.run()).toThrow(/UNIQUE/)
    expect(() =>
      db
        .prepare("INSERT INTO proposal_runs (model_id, source, params, params_hash, created_at) VALUES (1, 'lidar', '{}', 'y', 'now')")
        .run(),
    ).toThrow(/CHECK/)
    db.prepare(
      "INSERT INTO masks (image_id, rle_counts, area, bbox_x, bbox_y, bbox_w, bbox_h, source, state, actor, created_at, updated_at, run_id) VALUES (1, '0', 0, 0, 0, 0, 0, 'auto', 'discarded', 'tessera', 'now', 'now', 1)",
    ).run()
    expect(() => db.prepare('UPDATE masks SET run_id = 5').run()).toThrow(/FOREIGN KEY/)
    db.prepare("INSERT INTO run_images (run_id, image_id, state, proposals, at) VALUES (1, 1, 'done', 1, 'now')").run()
    expect(() => db.prepare("INSERT INTO run_images (run_id, image_id, state, at) VALUES (1, 1, 'failed', 'now')").run()).toThrow(
      /UNIQUE|PRIMARY/,
    )
    expect(db.prepare('SELECT triage FROM project').all()).toEqual([])
    db.close()
  })
})
