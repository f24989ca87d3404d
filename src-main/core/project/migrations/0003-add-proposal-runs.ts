import type { Migration } from './migration'

/**
 * Automatic proposals: each run (model + generator parameters + source) is recorded once, every
 * proposal points at its run, and per-image progress of a run is kept so a killed job resumes where it
 * stopped. The project keeps its triage thresholds.
 */
export const addProposalRuns: Migration = {
  version: 3,
  name: 'add-proposal-runs',
  up(db) {
    db.exec(`
      CREATE TABLE proposal_runs (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models (id),
        source TEXT NOT NULL CHECK (source IN ('grid', 'boxes')),
        params TEXT NOT NULL,       -- JSON: every generator parameter, defaults included
        params_hash TEXT NOT NULL,  -- sha256 of the canonical params JSON
        created_at TEXT NOT NULL,
        UNIQUE (model_id, source, params_hash)
      ) STRICT;

      CREATE TABLE run_images (
        run_id INTEGER NOT NULL REFERENCES proposal_runs (id) ON DELETE CASCADE,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('done', 'failed')),
        error TEXT,
        proposals INTEGER NOT NULL DEFAULT 0,
        seconds REAL,
        at TEXT NOT NULL,
        PRIMARY KEY (run_id, image_id)
      ) STRICT;

      ALTER TABLE masks ADD COLUMN run_id INTEGER REFERENCES proposal_runs (id);
      CREATE INDEX masks_by_run ON masks (run_id, image_id);
      -- JSON TriageSettings; NULL = the General preset
      ALTER TABLE project ADD COLUMN triage TEXT;
    `)
  },
}
