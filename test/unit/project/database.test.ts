import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import { migrate, openProjectDb, SCHEMA_VERSION, type ProjectDb } from '../../../src-main/core/project/database'
import { MIGRATIONS, type Migration } from '../../../src-main/core/project/migrations'
import { makeTempDir } from '../../support/make-images'

function userVersion(db: ProjectDb): number {
  return db.pragma('user_version', { simple: true }) as number
}

function appErrorOf(action: () => unknown): AppError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected an AppError, but nothing was thrown')
}

describe('openProjectDb', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeEach(async () => {
    ;({ dir, cleanup } = await makeTempDir('db'))
  })
  afterEach(async () => cleanup())

  it('brings a new in-memory database to SCHEMA_VERSION with foreign keys on', () => {
    const db = openProjectDb(':memory:', { create: true })
    try {
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.length)
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1)
      expect(userVersion(db)).toBe(SCHEMA_VERSION)
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    } finally {
      db.close()
    }
  })

  it('creates a file database in WAL mode and reopens it without migrating again', () => {
    const file = join(dir, 'project.sqlite')
    const db = openProjectDb(file, { create: true })
    expect(String(db.pragma('journal_mode', { simple: true })).toLowerCase()).toBe('wal')
    db.prepare("INSERT INTO import_issues (rel_path, reason, at) VALUES ('a.jpg', 'broken', 'now')").run()
    db.close()

    const again = openProjectDb(file)
    try {
      expect(userVersion(again)).toBe(SCHEMA_VERSION)
      expect(again.prepare('SELECT reason FROM import_issues').pluck().all()).toEqual(['broken'])
    } finally {
      again.close()
    }
  })

  it('refuses to create a file unless asked: not_found', () => {
    const file = join(dir, 'absent.sqlite')
    const error = appErrorOf(() => openProjectDb(file))
    expect(error.code).toBe('not_found')
    expect(existsSync(file)).toBe(false)
  })

  it('gives database_too_new for a newer schema and leaves the file byte-for-byte unchanged', async () => {
    const file = join(dir, 'newer.sqlite')
    const newer = new Database(file) // rollback journal: WAL would rewrite the header
    newer.exec('CREATE TABLE future_thing (x INTEGER) STRICT')
    newer.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    newer.close()
    const before = await readFile(file)

    const error = appErrorOf(() => openProjectDb(file))
    expect(error.code).toBe('database_too_new')
    expect(error.message).toContain(`schema ${SCHEMA_VERSION + 5}`)

    expect((await readFile(file)).equals(before)).toBe(true)
    expect(existsSync(`${file}-wal`)).toBe(false)
    const check = new Database(file, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5)
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'images'").pluck().get()).toBe(0)
    check.close()
  })

  it('gives database_corrupt for a file that is not a database, without changing it', async () => {
    const file = join(dir, 'notes.sqlite')
    const text = 'These are my notes, not a SQLite database. '.repeat(40)
    await writeFile(file, text)
    const error = appErrorOf(() => openProjectDb(file))
    expect(error.code).toBe('database_corrupt')
    expect(error.message).toContain(file)
    expect(await readFile(file, 'utf8')).toBe(text)
  })
})

describe('migrate', () => {
  it('runs each migration in order, in its own transaction, and stops at a failing one', () => {
    const db = new Database(':memory:')
    const ran: number[] = []
    const steps: Migration[] = [
      { version: 1, name: 'one', up: (d) => (d.exec('CREATE TABLE one (x INTEGER) STRICT'), void ran.push(1)) },
      {
        version: 2,
        name: 'two-fails',
        up: (d) => {
          ran.push(2)
          d.exec('CREATE TABLE two (x INTEGER) STRICT')
          throw new Error('boom')
        },
      },
    ]
    expect(() => migrate(db, steps)).toThrow('boom')
    expect(ran).toEqual([1, 2])
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    // The failed step's table was rolled back with it.
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual(['one'])

    // A fixed step 2 continues from version 1 without re-running step 1.
    ran.length = 0
    const fixed: Migration[] = [
      steps[0] as Migration,
      { version: 2, name: 'two', up: (d) => (d.exec('CREATE TABLE two (x INTEGER) STRICT'), void ran.push(2)) },
    ]
    migrate(db, fixed)
    expect(ran).toEqual([2])
    expect(db.pragma('user_version', { simple: true })).toBe(2)
    db.close()
  })

  it('rejects a list whose versions are not 1, 2, 3 …', () => {
    const db = new Database(':memory:')
    const noop = () => {}
    expect(() => migrate(db, [{ version: 2, name: 'skipped-one', up: noop }])).toThrow(/expected 1/)
    expect(db.pragma('user_version', { simple: true })).toBe(0)
    db.close()
  })

  it('numbers the shipped migrations 1..n with distinct kebab-case names', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    for (const m of MIGRATIONS) expect(m.name).toMatch(/^[a-z]+(-[a-z0-9]+)+$/)
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length)
  })
})
