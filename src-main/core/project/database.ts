/**
 * Opening a project database: pragmas, the migration runner and the "newer than this app" guard.
 */
import Database from 'better-sqlite3'
import type { Database as Db } from 'better-sqlite3'
import { AppError } from '../../../src-preload/contract/errors'
import { MIGRATIONS, type Migration } from './migrations'

export type ProjectDb = Db

/** The schema version this build writes. A database above it was made by a newer Tessera. */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Opens (creating if asked) a project database and brings it to SCHEMA_VERSION.
 * `file` may be ':memory:' for tests.
 */
export function openProjectDb(file: string, options: { create: boolean } = { create: false }): ProjectDb {
  let db: Db
  try {
    db = new Database(file, { fileMustExist: !options.create && file !== ':memory:' })
  } catch (error) {
    throw new AppError('not_found', `Cannot open the project database ${file}: ${(error as Error).message}`)
  }
  try {
    // Checked before any pragma that writes (journal_mode = WAL rewrites the header): a database
    // from a newer Tessera must be left byte-for-byte as it was.
    assertNotTooNew(db.pragma('user_version', { simple: true }) as number, MIGRATIONS.length)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    // 64 MiB of page cache (SQLite's default is 2 MiB): an export or import walks every image's
    // masks, which lie on pages shared with other images; with the default cache each such page is
    // read again from the file for every image on it. Bounded, so memory stays flat.
    db.pragma('cache_size = -65536')
    migrate(db, MIGRATIONS)
    return db
  } catch (error) {
    db.close()
    if (error instanceof AppError) throw error
    const message = (error as Error).message
    if (/not a database|malformed/i.test(message)) {
      throw new AppError('database_corrupt', `${file} is not a readable Tessera project database (${message}).`)
    }
    throw error
  }
}

/** Runs every migration above the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number
  assertNotTooNew(current, migrations.length)
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`Migration ${migration.name} has version ${migration.version}, expected ${index + 1}`)
    }
  })
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      migration.up(db)
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
}

function assertNotTooNew(current: number, latest: number): void {
  if (current > latest) {
    throw new AppError(
      'database_too_new',
      `This project was saved by a newer version of Tessera (schema ${current}; this version knows up to ${latest}). ` +
        'Update Tessera to open it; the file has not been changed.',
    )
  }
}
