import type { Migration } from './migration'

/**
 * The core tables, shaped for every later capability (architecture.md §3) so later issues add
 * columns rather than redesign: one project row, images keyed by content hash, models, masks with
 * their full provenance, an append-only event log, persisted jobs (for resume) and import issues.
 */
export const createCoreTables: Migration = {
  version: 1,
  name: 'create-core-tables',
  up(db) {
    db.exec(`
      CREATE TABLE project (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        image_root TEXT NOT NULL,
        annotation_max_side INTEGER NOT NULL CHECK (annotation_max_side BETWEEN 256 AND 16384),
        is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        rel_path TEXT NOT NULL UNIQUE,
        file_size INTEGER NOT NULL,
        file_mtime_ms INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        orientation INTEGER NOT NULL DEFAULT 1 CHECK (orientation BETWEEN 1 AND 8),
        annotation_width INTEGER NOT NULL,
        annotation_height INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'done', 'skipped')),
        missing INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),
        added_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX images_by_status ON images (status, id);

      CREATE TABLE import_issues (
        rel_path TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        variant TEXT NOT NULL,
        encoder_sha256 TEXT NOT NULL,
        decoder_sha256 TEXT NOT NULL,
        encoder_path TEXT NOT NULL,
        decoder_path TEXT NOT NULL,
        execution_provider TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (encoder_sha256, decoder_sha256)
      ) STRICT;

      CREATE TABLE masks (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        -- COCO compressed RLE string at annotation size (column-major, pycocotools-compatible)
        rle_counts TEXT NOT NULL,
        area INTEGER NOT NULL CHECK (area >= 0),
        -- SA-1B convention: [x, y, w, h] from inclusive max indices
        bbox_x INTEGER NOT NULL, bbox_y INTEGER NOT NULL, bbox_w INTEGER NOT NULL, bbox_h INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('auto', 'manual', 'imported')),
        -- proposed = needs review; discarded = below the review floor (kept, can be shown)
        state TEXT NOT NULL CHECK (state IN ('proposed', 'accepted', 'rejected', 'auto_accepted', 'discarded', 'deleted')),
        predicted_iou REAL,
        stability_score REAL,
        point_coords TEXT,  -- JSON [[x, y], ...] in annotation pixels
        crop_box TEXT,      -- JSON [x, y, w, h]
        prompt TEXT,        -- JSON: points with labels, box, mask-input reference
        model_id INTEGER REFERENCES models (id),
        actor TEXT NOT NULL,
        seconds_spent REAL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX masks_by_image ON masks (image_id, state);

      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        before TEXT,  -- JSON
        after TEXT    -- JSON
      ) STRICT;
      CREATE INDEX events_by_entity ON events (entity, entity_id);

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        state TEXT NOT NULL,
        params TEXT NOT NULL,  -- JSON, enough to resume
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        result TEXT,           -- JSON
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      -- The event log is append-only: history is evidence.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    `)
  },
}
