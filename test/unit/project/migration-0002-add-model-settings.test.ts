import { describe, expect, it } from 'vitest'
import { openProjectDb } from '../../../src-main/core/project/database'

describe('migration 0002: model settings', () => {
  it('adds the active model, inference settings and model facts with their constraints', () => {
    const db = openProjectDb(':memory:', { create: true })
    db.prepare("INSERT INTO project (id, name, image_root, annotation_max_side, created_at) VALUES ('p', 'P', '/x', 1500, 'now')").run()
    expect(db.prepare('SELECT active_model_id, inference_threads, preferred_provider FROM project').get()).toEqual({
      active_model_id: null,
      inference_threads: 0,
      preferred_provider: 'auto',
    })
    expect(() => db.prepare("UPDATE project SET preferred_provider = 'tpu'").run()).toThrow(/CHECK/)
    expect(() => db.prepare('UPDATE project SET inference_threads = 65').run()).toThrow(/CHECK/)
    expect(() => db.prepare('UPDATE project SET active_model_id = 99').run()).toThrow(/FOREIGN KEY/)
    const insert = db.prepare(
      "INSERT INTO models (name, variant, encoder_sha256, decoder_sha256, encoder_path, decoder_path, created_at, bundled) VALUES ('m', 'sam-official', ?, ?, '/e', '/d', 'now', ?)",
    )
    insert.run('a', 'b', 1)
    expect(() => insert.run('c', 'd', 2)).toThrow(/CHECK/)
    expect(db.prepare('SELECT description, encoder_bytes, embedding_cache_key FROM models').get()).toEqual({
      description: '',
      encoder_bytes: 0,
      embedding_cache_key: null,
    })
    db.close()
  })
})
