import { bin, imageDone, imageTallyUpsert, tallyUpsert } from './0005-add-audits'
import type { Migration } from './migration'

/**
 * Bulk inserts keep the metric tallies of 0005 with one set-based statement per table instead of
 * three trigger statements per mask (those were most of a 100,000-mask import's time).
 *
 * - `tally_pauses`: while it has a row, `metrics_mask_insert` (recreated here with that WHEN guard,
 *   the same body) does nothing. Only `MaskRepository.insertMany` adds a row, inside its own
 *   transaction, and removes it after `BULK_TALLY_SQL` has counted the rows it inserted, so the
 *   pause never outlives the transaction and a rollback undoes both.
 * - `BULK_TALLY_SQL` adds masks `id BETWEEN @first AND @last` to mask_tallies, image_tallies and
 *   image_models exactly as the insert trigger would have, row by row.
 */
export const addBulkTallies: Migration = {
  version: 7,
  name: 'add-bulk-tallies',
  up(db) {
    db.exec(`
      CREATE TABLE tally_pauses (id INTEGER PRIMARY KEY) STRICT;

      DROP TRIGGER metrics_mask_insert;
      CREATE TRIGGER metrics_mask_insert AFTER INSERT ON masks WHEN NOT EXISTS (SELECT 1 FROM tally_pauses) BEGIN
        ${tallyUpsert('NEW', 1, imageDone('NEW'))}
        ${imageTallyUpsert('NEW', 1)}
        INSERT OR IGNORE INTO image_models (image_id, model_id) SELECT NEW.image_id, NEW.model_id WHERE NEW.model_id IS NOT NULL;
      END;
    `)
  },
}

/** The insert trigger's three statements for the masks with ids in [@first, @last], grouped. */
export const BULK_TALLY_SQL: readonly string[] = [
  `INSERT INTO mask_tallies (model_key, source, state, image_done, iou_bin, stability_bin, n, iou_sum, seconds_sum, seconds_n)
    SELECT ifnull(m.model_id, 0) AS mk, m.source, m.state, ifnull(i.status = 'done', 0) AS d,
      ${bin('m.predicted_iou')} AS ib, ${bin('m.stability_score')} AS sb,
      count(*), total(m.predicted_iou), total(m.seconds_spent), count(m.seconds_spent)
    FROM masks m LEFT JOIN images i ON i.id = m.image_id WHERE m.id BETWEEN @first AND @last GROUP BY mk, m.source, m.state, d, ib, sb
    ON CONFLICT (model_key, source, state, image_done, iou_bin, stability_bin) DO UPDATE SET
      n = n + excluded.n, iou_sum = iou_sum + excluded.iou_sum,
      seconds_sum = seconds_sum + excluded.seconds_sum, seconds_n = seconds_n + excluded.seconds_n`,
  `INSERT INTO image_tallies (image_id, final_auto, final_manual, final_imported)
    SELECT m.image_id, sum(m.source = 'auto'), sum(m.source = 'manual'), sum(m.source = 'imported')
    FROM masks m WHERE m.id BETWEEN @first AND @last AND m.state IN ('accepted', 'auto_accepted')
      AND EXISTS (SELECT 1 FROM images WHERE id = m.image_id)
    GROUP BY m.image_id
    ON CONFLICT (image_id) DO UPDATE SET final_auto = final_auto + excluded.final_auto,
      final_manual = final_manual + excluded.final_manual, final_imported = final_imported + excluded.final_imported`,
  `INSERT OR IGNORE INTO image_models (image_id, model_id)
    SELECT DISTINCT image_id, model_id FROM masks WHERE id BETWEEN @first AND @last AND model_id IS NOT NULL`,
]
