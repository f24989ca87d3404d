/**
 * The models a project knows (bundled demo segmenter and models people added) and which is active.
 */
import type { ModelInfo, ModelVariant } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { ProjectDb } from './database'

interface ModelRow {
  id: number
  name: string
  variant: ModelVariant
  description: string
  encoder_path: string
  decoder_path: string
  encoder_sha256: string
  decoder_sha256: string
  encoder_bytes: number
  decoder_bytes: number
  bundled: 0 | 1
  embedding_cache_key: string | null
}

export interface NewModel {
  name: string
  variant: ModelVariant
  description: string
  encoderPath: string
  decoderPath: string
  encoderSha256: string
  decoderSha256: string
  encoderBytes: number
  decoderBytes: number
  bundled: boolean
}

export interface InferenceSettings {
  threads: number
  preferredProvider: 'auto' | 'cuda' | 'dml' | 'coreml' | 'cpu'
}

export class ModelRepository {
  constructor(private readonly db: ProjectDb) {}

  list(): ModelInfo[] {
    const active = this.activeId()
    return (this.db.prepare('SELECT * FROM models ORDER BY bundled DESC, id').all() as ModelRow[]).map((row) => toModelInfo(row, active))
  }

  get(id: number): ModelInfo {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined
    if (!row) throw new AppError('not_found', `Model ${id} is not in this project.`)
    return toModelInfo(row, this.activeId())
  }

  findByHashes(encoderSha256: string, decoderSha256: string): ModelInfo | null {
    const row = this.db
      .prepare('SELECT * FROM models WHERE encoder_sha256 = ? AND decoder_sha256 = ?')
      .get(encoderSha256, decoderSha256) as ModelRow | undefined
    return row ? toModelInfo(row, this.activeId()) : null
  }

  bundled(): ModelInfo | null {
    const row = this.db.prepare('SELECT * FROM models WHERE bundled = 1 ORDER BY id LIMIT 1').get() as ModelRow | undefined
    return row ? toModelInfo(row, this.activeId()) : null
  }

  add(model: NewModel, actor: string): ModelInfo {
    const now = new Date().toISOString()
    const id = this.db.transaction(() => {
      const result = this.db
        .prepare(
          `INSERT INTO models (name, variant, description, encoder_path, decoder_path, encoder_sha256, decoder_sha256, encoder_bytes, decoder_bytes, bundled, created_at)
           VALUES (@name, @variant, @description, @encoderPath, @decoderPath, @encoderSha256, @decoderSha256, @encoderBytes, @decoderBytes, @bundled, @now)`,
        )
        .run({ ...model, bundled: model.bundled ? 1 : 0, now })
      const newId = Number(result.lastInsertRowid)
      this.event(actor, 'model:added', newId, undefined, {
        name: model.name,
        variant: model.variant,
        encoderSha256: model.encoderSha256,
        decoderSha256: model.decoderSha256,
      })
      return newId
    })()
    return this.get(id)
  }

  /** Points a bundled model at the files of this installation (they move with the app). */
  relocate(id: number, encoderPath: string, decoderPath: string): void {
    this.db.prepare('UPDATE models SET encoder_path = ?, decoder_path = ? WHERE id = ?').run(encoderPath, decoderPath, id)
  }

  rename(id: number, name: string, actor: string): ModelInfo {
    const before = this.get(id)
    this.db.transaction(() => {
      this.db.prepare('UPDATE models SET name = ? WHERE id = ?').run(name, id)
      this.event(actor, 'model:renamed', id, { name: before.name }, { name })
    })()
    return this.get(id)
  }

  /** Removes a model record. Masks it made keep their provenance (model_id is kept as evidence). */
  remove(id: number, actor: string): void {
    const model = this.get(id)
    if (model.bundled) throw new AppError('conflict', 'The bundled demo segmenter cannot be removed.')
    const used = (this.db.prepare('SELECT count(*) AS n FROM masks WHERE model_id = ?').get(id) as { n: number }).n
    if (used > 0)
      throw new AppError(
        'conflict',
        `${model.name} made ${used} masks in this project; it stays listed so their provenance stays complete.`,
      )
    this.db.transaction(() => {
      if (this.activeId() === id)
        this.db.prepare('UPDATE project SET active_model_id = (SELECT id FROM models WHERE bundled = 1 ORDER BY id LIMIT 1)').run()
      this.db.prepare('DELETE FROM models WHERE id = ?').run(id)
      this.event(actor, 'model:removed', id, { name: model.name }, undefined)
    })()
  }

  /** The cache folder name of a model's embeddings, once the worker has told it (null before the first load). */
  embeddingCacheKey(id: number): string | null {
    return (
      (this.db.prepare('SELECT embedding_cache_key AS key FROM models WHERE id = ?').get(id) as { key: string | null } | undefined)?.key ??
      null
    )
  }

  setEmbeddingCacheKey(id: number, key: string): void {
    this.db.prepare('UPDATE models SET embedding_cache_key = ? WHERE id = ?').run(key, id)
  }

  activeId(): number | null {
    return (this.db.prepare('SELECT active_model_id AS id FROM project').get() as { id: number | null } | undefined)?.id ?? null
  }

  activate(id: number, actor: string): ModelInfo {
    const before = this.activeId()
    this.get(id)
    this.db.transaction(() => {
      this.db.prepare('UPDATE project SET active_model_id = ?').run(id)
      this.event(actor, 'model:activated', id, { modelId: before }, { modelId: id })
    })()
    return this.get(id)
  }

  settings(): InferenceSettings {
    const row = this.db
      .prepare('SELECT inference_threads AS threads, preferred_provider AS preferredProvider FROM project')
      .get() as InferenceSettings
    return row
  }

  configure(settings: Partial<InferenceSettings>): InferenceSettings {
    if (settings.threads !== undefined) this.db.prepare('UPDATE project SET inference_threads = ?').run(settings.threads)
    if (settings.preferredProvider !== undefined)
      this.db.prepare('UPDATE project SET preferred_provider = ?').run(settings.preferredProvider)
    return this.settings()
  }

  private event(actor: string, kind: string, id: number, before: unknown, after: unknown): void {
    this.db
      .prepare("INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, 'model', ?, ?, ?)")
      .run(
        new Date().toISOString(),
        actor,
        kind,
        id,
        before === undefined ? null : JSON.stringify(before),
        after === undefined ? null : JSON.stringify(after),
      )
  }
}

function toModelInfo(row: ModelRow, activeId: number | null): ModelInfo {
  return {
    id: row.id,
    name: row.name,
    variant: row.variant,
    description: row.description,
    encoderPath: row.encoder_path,
    decoderPath: row.decoder_path,
    encoderSha256: row.encoder_sha256,
    decoderSha256: row.decoder_sha256,
    encoderBytes: row.encoder_bytes,
    decoderBytes: row.decoder_bytes,
    bundled: row.bundled === 1,
    active: row.id === activeId,
  }
}
