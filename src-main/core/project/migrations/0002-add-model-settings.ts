import type { Migration } from './migration'

/**
 * Segmentation settings: the project's active model and inference settings, and what a model
 * record needs to be listed and checked (file sizes, bundled flag, detected description).
 */
export const addModelSettings: Migration = {
  version: 2,
  name: 'add-model-settings',
  up(db) {
    db.exec(`
      ALTER TABLE project ADD COLUMN active_model_id INTEGER REFERENCES models (id) ON DELETE SET NULL;
      -- onnxruntime intraOpNumThreads; 0 = automatic (all cores, at most 4)
      ALTER TABLE project ADD COLUMN inference_threads INTEGER NOT NULL DEFAULT 0 CHECK (inference_threads BETWEEN 0 AND 64);
      ALTER TABLE project ADD COLUMN preferred_provider TEXT NOT NULL DEFAULT 'auto'
        CHECK (preferred_provider IN ('auto', 'cuda', 'dml', 'coreml', 'cpu'));
      ALTER TABLE models ADD COLUMN description TEXT NOT NULL DEFAULT '';
      ALTER TABLE models ADD COLUMN encoder_bytes INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE models ADD COLUMN decoder_bytes INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE models ADD COLUMN bundled INTEGER NOT NULL DEFAULT 0 CHECK (bundled IN (0, 1));
      -- folder of this model's embeddings in the cache (encoder hash + preprocessing), known once loaded
      ALTER TABLE models ADD COLUMN embedding_cache_key TEXT;
    `)
  },
}
