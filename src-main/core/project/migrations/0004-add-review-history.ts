import type { Migration } from './migration'

/**
 * Review: the per-image undo/redo history, resolved overlap pairs and the project's review rules.
 *
 * - `actions`: one row per undoable step of a person on one image. `changes` is JSON
 *   `[{ maskId, before, after }]` with mask states; undo sets every mask to `before`, redo to `after`.
 *   A mask the action created (a merge, later a manual commit) is recorded as `before: 'deleted'`, so
 *   undo hides it as deleted and redo brings it back; rows are never removed. `details` is JSON the
 *   kind needs besides the states (an overlap resolution's pair). Status: applied → undone (undo) →
 *   applied (redo); an undone action becomes abandoned when a new action is recorded on its image (a
 *   new step clears redo). The kinds 'commit' and 'edit' are reserved for manual masks.
 * - `overlap_resolutions`: pairs a person resolved, so they are no longer flagged (lower id first).
 * - `project.review_settings`: JSON ReviewSettings; NULL = the defaults.
 */
export const addReviewHistory: Migration = {
  version: 4,
  name: 'add-review-history',
  up(db) {
    db.exec(`
      CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('decide', 'overlap', 'merge', 'commit', 'edit')),
        label TEXT NOT NULL,
        changes TEXT NOT NULL,  -- JSON [{ maskId, before, after }], mask states
        details TEXT,           -- JSON, kind-specific (e.g. the resolved overlap pair)
        at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'undone', 'abandoned'))
      ) STRICT;
      CREATE INDEX actions_by_image ON actions (image_id, id);

      CREATE TABLE overlap_resolutions (
        mask_a INTEGER NOT NULL REFERENCES masks (id) ON DELETE CASCADE,
        mask_b INTEGER NOT NULL REFERENCES masks (id) ON DELETE CASCADE,
        resolution TEXT NOT NULL CHECK (resolution IN ('replace', 'keep', 'merge')),
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (mask_a, mask_b),
        CHECK (mask_a < mask_b)
      ) STRICT;
      CREATE INDEX overlap_resolutions_by_b ON overlap_resolutions (mask_b);

      -- JSON ReviewSettings; NULL = defaults (maxUncoveredFraction 0.10, minGapArea 200, overlapIou 0.5)
      ALTER TABLE project ADD COLUMN review_settings TEXT;
    `)
  },
}
