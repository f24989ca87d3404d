import type { Migration } from './migration'

/**
 * Effort and what the person left for later.
 *
 * - `masks.clicks`: prompt clicks and brush strokes that made a manual mask (also in `prompt.clicks`;
 *   a column so per-image and per-person sums are plain aggregates). Back-filled from `prompt`.
 * - `masks.origin_mask_id` / `masks.origin_iou`: the mask a manual mask was made from (a proposal
 *   whose candidates were looked at again, or a mask edited with brush or eraser) and the IoU between
 *   the two — how much the person changed the model's mask. NULL for masks made from scratch.
 * - `skipped_objects`: the 30-second rule's markers. An object that took too long is skipped: its
 *   location (annotation pixels), prompt, seconds and clicks so far are kept for a later stage.
 *   open → resolved (a mask was committed from it, `resolved_by_mask`) or dismissed (not an object).
 */
export const addEffortAndSkippedObjects: Migration = {
  version: 6,
  name: 'add-effort-and-skipped-objects',
  up(db) {
    db.exec(`
      ALTER TABLE masks ADD COLUMN clicks INTEGER;
      ALTER TABLE masks ADD COLUMN origin_mask_id INTEGER REFERENCES masks (id);
      ALTER TABLE masks ADD COLUMN origin_iou REAL;
      UPDATE masks SET clicks = json_extract(prompt, '$.clicks')
        WHERE source = 'manual' AND json_valid(prompt) AND json_type(prompt, '$.clicks') = 'integer';

      CREATE TABLE skipped_objects (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        x REAL NOT NULL,   -- annotation pixels (continuous)
        y REAL NOT NULL,
        prompt TEXT NOT NULL,  -- JSON { points, box }
        seconds REAL NOT NULL CHECK (seconds >= 0),
        clicks INTEGER NOT NULL CHECK (clicks >= 0),
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'dismissed')),
        resolved_by_mask INTEGER REFERENCES masks (id),
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX skipped_objects_by_image ON skipped_objects (image_id, state);
      CREATE INDEX masks_by_actor ON masks (actor, source);
    `)
  },
}
