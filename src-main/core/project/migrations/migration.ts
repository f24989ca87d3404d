import type { Database } from 'better-sqlite3'

/** One schema step. Migrations are append-only: never edit a released one, add the next number. */
export interface Migration {
  version: number
  name: string
  up(db: Database): void
}
