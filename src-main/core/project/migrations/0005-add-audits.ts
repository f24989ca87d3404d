import type { Migration } from './migration'

/**
 * Audits and data-engine metrics.
 *
 * Audits (written by src-main/core/audit):
 * - `audits`: one drawn sample — who drew it, when, the seed, the fraction, the stratifiers, the size
 *   of the population and a sha256 of it (its content hashes sorted, one per line), so the same seed
 *   and population can be shown to give the same sample, and each stratum's population and sample.
 * - `audit_items`: the sampled images in review order, the stratum each was drawn from, who had
 *   marked it done when it was drawn, the reviewer's notes and when the reviewer finished it.
 * - `audit_verdicts`: the latest verdict per (audit, mask) with a snapshot of the mask as judged
 *   (state, source, model, area), so a report computed later from these rows does not move when
 *   the annotator's mask changes afterwards. Every verdict is also an event (history). No foreign
 *   key on the mask: a verdict is evidence and outlives a proposal re-run that removes its mask.
 * - `audit_missing`: objects the reviewer found missing, one point each (annotation pixels).
 *
 * Metrics (read by src-main/core/metrics; kept current by triggers so every dashboard panel is an
 * aggregate over a few thousand rows, not over millions of masks):
 * - `mask_tallies`: mask counts per (model, source, state, image done, predicted-IoU bin,
 *   stability bin) with sums of predicted IoU and seconds spent. Bins are 0.05 wide (0–19, values
 *   ≥ 1 in bin 19, -1 when unknown).
 * - `image_tallies`: per image, its final (accepted or auto-accepted) masks by source.
 * - `image_models`: which models made masks on which image (an image belongs to those cycles).
 * - `image_status_log`: each image's latest 'image:status' event: status, who, when and the
 *   uncovered fraction recorded when it was marked done.
 * - `gold_masks`: masks imported as gold standard (a 'mask:imported' event of an imported mask in
 *   state accepted — how the annotation importer stores gold).
 * - `proposal_outcomes`: for proposals replaced by a person's mask, the IoU between the two
 *   (computed in the app, not in SQL, and cached here).
 *
 * Triggers never raise: they use no foreign keys or CHECKs and guard json_extract with json_valid,
 * so they cannot make another module's write fail.
 */

/**
 * The mask id a manual mask replaced (review/commit.ts stores it in prompt.replaces); NULL when none
 * or when the prompt is not JSON. Queries must use this exact expression to use its index.
 */
export const REPLACES_SQL = "CASE WHEN json_valid(prompt) THEN json_extract(prompt, '$.replaces') END"

/** Bin of a score column in 0.05 steps: -1 when NULL, values outside [0, 1) clamped to 0 or 19. */
export function bin(column: string): string {
  return `CASE WHEN ${column} IS NULL THEN -1 ELSE max(0, min(19, CAST(${column} * 20 AS INTEGER))) END`
}

/** Upserts ±1 mask of row `ref` (NEW or OLD) into mask_tallies; `done` is the image's done flag (0/1 SQL). */
export function tallyUpsert(ref: 'NEW' | 'OLD', sign: 1 | -1, done: string): string {
  return `INSERT INTO mask_tallies (model_key, source, state, image_done, iou_bin, stability_bin, n, iou_sum, seconds_sum, seconds_n)
    SELECT ifnull(${ref}.model_id, 0), ${ref}.source, ${ref}.state, ${done}, ${bin(`${ref}.predicted_iou`)}, ${bin(`${ref}.stability_score`)},
      ${sign}, ${sign} * ifnull(${ref}.predicted_iou, 0), ${sign} * ifnull(${ref}.seconds_spent, 0),
      CASE WHEN ${ref}.seconds_spent IS NULL THEN 0 ELSE ${sign} END
    WHERE true
    ON CONFLICT (model_key, source, state, image_done, iou_bin, stability_bin) DO UPDATE SET
      n = n + excluded.n, iou_sum = iou_sum + excluded.iou_sum,
      seconds_sum = seconds_sum + excluded.seconds_sum, seconds_n = seconds_n + excluded.seconds_n;`
}

export function imageDone(ref: 'NEW' | 'OLD'): string {
  return `ifnull((SELECT status = 'done' FROM images WHERE id = ${ref}.image_id), 0)`
}

/** ±1 final mask of row `ref` into image_tallies (only for accepted / auto-accepted masks). */
export function imageTallyUpsert(ref: 'NEW' | 'OLD', sign: 1 | -1): string {
  return `INSERT INTO image_tallies (image_id, final_auto, final_manual, final_imported)
    SELECT ${ref}.image_id, ${sign} * (${ref}.source = 'auto'), ${sign} * (${ref}.source = 'manual'), ${sign} * (${ref}.source = 'imported')
    WHERE ${ref}.state IN ('accepted', 'auto_accepted') AND EXISTS (SELECT 1 FROM images WHERE id = ${ref}.image_id)
    ON CONFLICT (image_id) DO UPDATE SET final_auto = final_auto + excluded.final_auto,
      final_manual = final_manual + excluded.final_manual, final_imported = final_imported + excluded.final_imported;`
}

/** Moves every mask of image `ref`.id between the done and not-done tallies (sign -1 for the old side). */
function moveImageTallies(ref: 'NEW' | 'OLD', sign: 1 | -1, done: string): string {
  return `INSERT INTO mask_tallies (model_key, source, state, image_done, iou_bin, stability_bin, n, iou_sum, seconds_sum, seconds_n)
    SELECT ifnull(model_id, 0) AS mk, source, state, ${done}, ${bin('predicted_iou')} AS ib, ${bin('stability_score')} AS sb,
      ${sign} * count(*), ${sign} * total(predicted_iou), ${sign} * total(seconds_spent), ${sign} * count(seconds_spent)
    FROM masks WHERE image_id = ${ref}.id GROUP BY mk, source, state, ib, sb
    ON CONFLICT (model_key, source, state, image_done, iou_bin, stability_bin) DO UPDATE SET
      n = n + excluded.n, iou_sum = iou_sum + excluded.iou_sum,
      seconds_sum = seconds_sum + excluded.seconds_sum, seconds_n = seconds_n + excluded.seconds_n;`
}

/** The image:status event columns image_status_log keeps (NEW is an events row). */
const STATUS_LOG_UPSERT = `INSERT OR REPLACE INTO image_status_log (image_id, status, actor, at, uncovered_fraction)
  SELECT NEW.entity_id, json_extract(NEW.after, '$.status'), NEW.actor, NEW.at, json_extract(NEW.after, '$.uncoveredFraction')
  WHERE EXISTS (SELECT 1 FROM images WHERE id = NEW.entity_id) AND json_type(NEW.after, '$.status') = 'text';`

export const addAudits: Migration = {
  version: 5,
  name: 'add-audits',
  up(db) {
    db.exec(`
      CREATE TABLE audits (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        drawn_by TEXT NOT NULL,
        drawn_at TEXT NOT NULL,
        seed TEXT NOT NULL,
        fraction REAL NOT NULL CHECK (fraction > 0 AND fraction <= 1),
        strata TEXT NOT NULL,            -- JSON array of stratifiers ('annotator', 'source_mix'); [] = simple random sample
        population_size INTEGER NOT NULL CHECK (population_size >= 0),
        population_hash TEXT NOT NULL,   -- sha256 hex of the population's content hashes, sorted, '\\n'-joined
        sample_size INTEGER NOT NULL CHECK (sample_size >= 0),
        strata_counts TEXT NOT NULL      -- JSON [{ key, population, sample }], one per stratum
      ) STRICT;

      CREATE TABLE audit_items (
        audit_id INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
        image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,       -- review order, 0-based
        stratum TEXT NOT NULL,           -- '' for a simple random sample
        annotator TEXT NOT NULL,         -- who marked the image done, when it was drawn
        notes TEXT NOT NULL DEFAULT '',
        reviewed_by TEXT,
        reviewed_at TEXT,
        PRIMARY KEY (audit_id, image_id),
        UNIQUE (audit_id, position)
      ) STRICT;

      CREATE TABLE audit_verdicts (
        audit_id INTEGER NOT NULL,
        image_id INTEGER NOT NULL,
        mask_id INTEGER NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('correct', 'boundary_poor', 'wrong_object', 'should_not_exist')),
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL,
        mask_state TEXT NOT NULL,
        mask_source TEXT NOT NULL,
        model_id INTEGER,
        area INTEGER NOT NULL,
        PRIMARY KEY (audit_id, mask_id),
        FOREIGN KEY (audit_id, image_id) REFERENCES audit_items (audit_id, image_id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX audit_verdicts_by_item ON audit_verdicts (audit_id, image_id);

      CREATE TABLE audit_missing (
        id INTEGER PRIMARY KEY,
        audit_id INTEGER NOT NULL,
        image_id INTEGER NOT NULL,
        x REAL NOT NULL,                 -- annotation pixels
        y REAL NOT NULL,
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL,
        FOREIGN KEY (audit_id, image_id) REFERENCES audit_items (audit_id, image_id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX audit_missing_by_item ON audit_missing (audit_id, image_id);

      CREATE TABLE mask_tallies (
        model_key INTEGER NOT NULL,      -- masks.model_id, 0 when none
        source TEXT NOT NULL,
        state TEXT NOT NULL,
        image_done INTEGER NOT NULL,     -- 1 when the mask's image is done
        iou_bin INTEGER NOT NULL,
        stability_bin INTEGER NOT NULL,
        n INTEGER NOT NULL,
        iou_sum REAL NOT NULL,           -- Σ predicted IoU
        seconds_sum REAL NOT NULL,       -- Σ seconds spent (masks that record it)
        seconds_n INTEGER NOT NULL,      -- masks that record seconds spent
        PRIMARY KEY (model_key, source, state, image_done, iou_bin, stability_bin)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE image_tallies (
        image_id INTEGER PRIMARY KEY,
        final_auto INTEGER NOT NULL,
        final_manual INTEGER NOT NULL,
        final_imported INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE image_models (
        image_id INTEGER NOT NULL,
        model_id INTEGER NOT NULL,
        PRIMARY KEY (image_id, model_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX image_models_by_model ON image_models (model_id, image_id);

      CREATE TABLE image_status_log (
        image_id INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        uncovered_fraction REAL          -- recorded when marked done
      ) STRICT;

      CREATE TABLE gold_masks (
        mask_id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL,
        imported_by TEXT NOT NULL,
        imported_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX gold_masks_by_image ON gold_masks (image_id);

      CREATE TABLE proposal_outcomes (
        mask_id INTEGER PRIMARY KEY,     -- the replaced proposal
        replaced_by INTEGER,             -- the person's mask (prompt.replaces), NULL when not found
        measured_iou REAL NOT NULL       -- IoU(proposal, replacement); 0 when no replacement is found
      ) STRICT;

      -- The manual mask that replaced a proposal (review/commit.ts records prompt.replaces).
      CREATE INDEX masks_by_replaced ON masks (${REPLACES_SQL}) WHERE source = 'manual';
      -- Replaced proposals, to find those whose outcome is not computed yet.
      CREATE INDEX masks_replaced_proposals ON masks (id) WHERE source = 'auto' AND state = 'deleted';
      -- Medians of seconds per manual mask, per model and overall (an OFFSET walk of the index).
      CREATE INDEX masks_manual_seconds_by_model ON masks (model_id, seconds_spent)
        WHERE source = 'manual' AND state = 'accepted' AND seconds_spent IS NOT NULL;
      CREATE INDEX masks_manual_seconds ON masks (seconds_spent)
        WHERE source = 'manual' AND state = 'accepted' AND seconds_spent IS NOT NULL;

      CREATE TRIGGER metrics_mask_insert AFTER INSERT ON masks BEGIN
        ${tallyUpsert('NEW', 1, imageDone('NEW'))}
        ${imageTallyUpsert('NEW', 1)}
        INSERT OR IGNORE INTO image_models (image_id, model_id) SELECT NEW.image_id, NEW.model_id WHERE NEW.model_id IS NOT NULL;
      END;
      CREATE TRIGGER metrics_mask_delete AFTER DELETE ON masks BEGIN
        ${tallyUpsert('OLD', -1, imageDone('OLD'))}
        ${imageTallyUpsert('OLD', -1)}
      END;
      CREATE TRIGGER metrics_mask_update
        AFTER UPDATE OF state, source, model_id, image_id, predicted_iou, stability_score, seconds_spent ON masks BEGIN
        ${tallyUpsert('OLD', -1, imageDone('OLD'))}
        ${imageTallyUpsert('OLD', -1)}
        ${tallyUpsert('NEW', 1, imageDone('NEW'))}
        ${imageTallyUpsert('NEW', 1)}
        INSERT OR IGNORE INTO image_models (image_id, model_id) SELECT NEW.image_id, NEW.model_id WHERE NEW.model_id IS NOT NULL;
      END;
      CREATE TRIGGER metrics_image_done AFTER UPDATE OF status ON images
        WHEN (OLD.status = 'done') <> (NEW.status = 'done') BEGIN
        ${moveImageTallies('NEW', -1, "(OLD.status = 'done')")}
        ${moveImageTallies('NEW', 1, "(NEW.status = 'done')")}
      END;
      -- Its masks are deleted by the cascade after the image row is gone, when their image no longer
      -- reads as done: move them to the not-done side first, so the delete trigger takes them from there.
      CREATE TRIGGER metrics_image_before_delete BEFORE DELETE ON images WHEN OLD.status = 'done' BEGIN
        ${moveImageTallies('OLD', -1, '1')}
        ${moveImageTallies('OLD', 1, '0')}
      END;
      CREATE TRIGGER metrics_image_delete AFTER DELETE ON images BEGIN
        DELETE FROM image_tallies WHERE image_id = OLD.id;
        DELETE FROM image_models WHERE image_id = OLD.id;
        DELETE FROM image_status_log WHERE image_id = OLD.id;
        DELETE FROM gold_masks WHERE image_id = OLD.id;
      END;
      CREATE TRIGGER metrics_image_status_event AFTER INSERT ON events
        WHEN NEW.kind = 'image:status' AND NEW.entity = 'image' AND json_valid(NEW.after) BEGIN
        ${STATUS_LOG_UPSERT}
      END;
      CREATE TRIGGER metrics_gold_import AFTER INSERT ON events
        WHEN NEW.kind = 'mask:imported' AND NEW.entity = 'mask'
          AND CASE WHEN json_valid(NEW.after) THEN json_extract(NEW.after, '$.source') = 'imported'
            AND json_extract(NEW.after, '$.state') = 'accepted' ELSE 0 END BEGIN
        INSERT OR IGNORE INTO gold_masks (mask_id, image_id, imported_by, imported_at)
          SELECT id, image_id, NEW.actor, NEW.at FROM masks WHERE id = NEW.entity_id;
      END;

      -- Existing projects: the same tables from what is stored.
      INSERT INTO mask_tallies (model_key, source, state, image_done, iou_bin, stability_bin, n, iou_sum, seconds_sum, seconds_n)
        SELECT ifnull(m.model_id, 0) AS mk, m.source, m.state, ifnull(i.status = 'done', 0) AS d,
          ${bin('m.predicted_iou')} AS ib, ${bin('m.stability_score')} AS sb,
          count(*), total(m.predicted_iou), total(m.seconds_spent), count(m.seconds_spent)
        FROM masks m LEFT JOIN images i ON i.id = m.image_id GROUP BY mk, m.source, m.state, d, ib, sb;
      INSERT INTO image_tallies (image_id, final_auto, final_manual, final_imported)
        SELECT image_id, total(source = 'auto'), total(source = 'manual'), total(source = 'imported')
        FROM masks WHERE state IN ('accepted', 'auto_accepted') GROUP BY image_id;
      INSERT OR IGNORE INTO image_models (image_id, model_id) SELECT DISTINCT image_id, model_id FROM masks WHERE model_id IS NOT NULL;
      INSERT OR REPLACE INTO image_status_log (image_id, status, actor, at, uncovered_fraction)
        SELECT e.entity_id, json_extract(e.after, '$.status'), e.actor, e.at, json_extract(e.after, '$.uncoveredFraction')
        FROM events e WHERE e.kind = 'image:status' AND e.entity = 'image'
          AND CASE WHEN json_valid(e.after) THEN json_type(e.after, '$.status') = 'text' ELSE 0 END
          AND EXISTS (SELECT 1 FROM images WHERE id = e.entity_id)
        ORDER BY e.id;
      INSERT OR IGNORE INTO gold_masks (mask_id, image_id, imported_by, imported_at)
        SELECT m.id, m.image_id, e.actor, e.at FROM events e JOIN masks m ON m.id = e.entity_id
        WHERE e.kind = 'mask:imported' AND e.entity = 'mask' AND CASE WHEN json_valid(e.after)
          THEN json_extract(e.after, '$.source') = 'imported' AND json_extract(e.after, '$.state') = 'accepted' ELSE 0 END;
    `)
  },
}
