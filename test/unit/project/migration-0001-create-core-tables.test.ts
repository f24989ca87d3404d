import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCoreTables } from '../../../src-main/core/project/migrations/0001-create-core-tables'
import { migrate, type ProjectDb } from '../../../src-main/core/project/database'

const NOW = '2024-01-01T00:00:00.000Z'

function insertImage(db: ProjectDb, overrides: Record<string, unknown> = {}): number {
  const row = {
    content_hash: 'h1',
    rel_path: 'a.jpg',
    file_size: 10,
    file_mtime_ms: 1,
    width: 64,
    height: 48,
    orientation: 1,
    annotation_width: 64,
    annotation_height: 48,
    added_at: NOW,
    updated_at: NOW,
    ...overrides,
  }
  const columns = Object.keys(row)
  const result = db.prepare(`INSERT INTO images (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(row)
  return Number(result.lastInsertRowid)
}

function insertMask(db: ProjectDb, imageId: number, overrides: Record<string, unknown> = {}): void {
  const row = {
    image_id: imageId,
    rle_counts: '52203',
    area: 4,
    bbox_x: 0,
    bbox_y: 0,
    bbox_w: 2,
    bbox_h: 2,
    source: 'manual',
    state: 'accepted',
    actor: 'ann',
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  }
  const columns = Object.keys(row)
  db.prepare(`INSERT INTO masks (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(row)
}

function insertEvent(db: ProjectDb): number {
  return Number(
    db
      .prepare("INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, 'ann', 'image:status', 'image', 1, ?, ?)")
      .run(NOW, '{"status":"todo"}', '{"status":"done"}').lastInsertRowid,
  )
}

describe('migration 0001 create-core-tables', () => {
  let db: ProjectDb
  beforeEach(() => {
    db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    migrate(db, [createCoreTables])
  })
  afterEach(() => db.close())

  it('is version 1 and sets user_version to 1', () => {
    expect(createCoreTables.version).toBe(1)
    expect(db.pragma('user_version', { simple: true })).toBe(1)
  })

  it('creates every core table as STRICT', () => {
    const tables = db
      .prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string; strict: number }[]
    expect(tables.map((t) => t.name)).toEqual(['events', 'images', 'import_issues', 'jobs', 'masks', 'models', 'project'])
    for (const table of tables) expect(table, table.name).toEqual({ name: table.name, strict: 1 })
  })

  it('rejects values of the wrong type (STRICT)', () => {
    expect(() => insertImage(db, { width: 'wide' })).toThrow(/cannot store TEXT value in INTEGER column images.width/)
    expect(() => insertImage(db, { file_size: 1.5 })).toThrow(/cannot store REAL value in INTEGER column/)
    expect(() => insertImage(db, { rel_path: Buffer.from('a.jpg') })).toThrow(/cannot store BLOB value in TEXT column images.rel_path/)
    expect(() =>
      db
        .prepare(
          "INSERT INTO jobs (id, kind, label, state, params, done, created_at, updated_at) VALUES ('j', 'import', 'x', 'queued', '{}', 'half', ?, ?)",
        )
        .run(NOW, NOW),
    ).toThrow(/cannot store TEXT value in INTEGER column jobs.done/)
    expect(db.prepare('SELECT count(*) FROM images').pluck().get()).toBe(0)
  })

  it('keeps images unique by content hash and by path, with checked enums', () => {
    insertImage(db)
    expect(() => insertImage(db, { rel_path: 'copy.jpg' })).toThrow(/UNIQUE constraint failed: images.content_hash/)
    expect(() => insertImage(db, { content_hash: 'h2' })).toThrow(/UNIQUE constraint failed: images.rel_path/)
    expect(() => insertImage(db, { content_hash: 'h3', rel_path: 'c.jpg', status: 'finished' })).toThrow(/CHECK constraint failed/)
    expect(() => insertImage(db, { content_hash: 'h4', rel_path: 'd.jpg', orientation: 9 })).toThrow(/CHECK constraint failed/)
    expect(() => insertImage(db, { content_hash: 'h5', rel_path: 'e.jpg', missing: 2 })).toThrow(/CHECK constraint failed/)
    const row = db.prepare('SELECT status, missing, orientation FROM images').get()
    expect(row).toEqual({ status: 'todo', missing: 0, orientation: 1 })
  })

  it('enforces foreign keys from masks to images and models, and cascades image deletion', () => {
    expect(() => insertMask(db, 999)).toThrow(/FOREIGN KEY constraint failed/)
    const imageId = insertImage(db)
    expect(() => insertMask(db, imageId, { model_id: 7 })).toThrow(/FOREIGN KEY constraint failed/)
    insertMask(db, imageId)
    expect(() => insertMask(db, imageId, { state: 'maybe' })).toThrow(/CHECK constraint failed/)
    expect(() => insertMask(db, imageId, { area: -1 })).toThrow(/CHECK constraint failed/)
    db.prepare('DELETE FROM images WHERE id = ?').run(imageId)
    expect(db.prepare('SELECT count(*) FROM masks').pluck().get()).toBe(0)
  })

  it('checks the project row (annotation size range)', () => {
    const insert = db.prepare('INSERT INTO project (id, name, image_root, annotation_max_side, created_at) VALUES (?, ?, ?, ?, ?)')
    expect(() => insert.run('p', 'P', '/img', 100, NOW)).toThrow(/CHECK constraint failed/)
    insert.run('p', 'P', '/img', 1500, NOW)
    expect(db.prepare('SELECT is_demo FROM project').pluck().get()).toBe(0)
  })

  it('makes the event log append-only', () => {
    const id = insertEvent(db)
    insertEvent(db)
    expect(() => db.prepare("UPDATE events SET actor = 'mallory' WHERE id = ?").run(id)).toThrow(/events are append-only/)
    expect(() => db.prepare('DELETE FROM events WHERE id = ?').run(id)).toThrow(/events are append-only/)
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/events are append-only/)
    expect(db.prepare('SELECT actor FROM events ORDER BY id').pluck().all()).toEqual(['ann', 'ann'])
  })
})
