/**
 * The project's review rules (coverage gate, gap size, overlap threshold), stored as JSON in
 * `project.review_settings`; NULL means the defaults.
 */
import { ReviewSettings as ReviewSettingsSchema, type ReviewSettings } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { ProjectDb } from '../project/database'

export type { ReviewSettings }

export const DEFAULT_REVIEW_SETTINGS: Readonly<ReviewSettings> = Object.freeze({
  /** Marking an image done with more than 10% uncovered asks for a reason. */
  maxUncoveredFraction: 0.1,
  /** Uncovered regions under 200 annotation pixels (about 14 × 14) are not gaps. */
  minGapArea: 200,
  /** Masks overlapping with IoU above 0.5 are flagged as possible duplicates. */
  overlapIou: 0.5,
  /** SAM's data engine: an object that takes longer than 30 s is skipped, for a later stage. */
  objectTimeLimitSeconds: 30,
})

export function readReviewSettings(db: ProjectDb): ReviewSettings {
  const row = db.prepare('SELECT review_settings AS json FROM project').get() as { json: string | null } | undefined
  if (!row?.json) return { ...DEFAULT_REVIEW_SETTINGS }
  // A value this build cannot read (hand-edited, or from a newer build) falls back field by field.
  let stored: unknown
  try {
    stored = JSON.parse(row.json)
  } catch {
    return { ...DEFAULT_REVIEW_SETTINGS }
  }
  const merged = { ...DEFAULT_REVIEW_SETTINGS, ...(typeof stored === 'object' && stored !== null ? stored : {}) }
  const parsed = ReviewSettingsSchema.safeParse(merged)
  return parsed.success ? parsed.data : { ...DEFAULT_REVIEW_SETTINGS }
}

/** Validates and stores the settings with a 'review:settings' event; returns what was stored. */
export function writeReviewSettings(db: ProjectDb, settings: ReviewSettings, actor: string): ReviewSettings {
  const parsed = ReviewSettingsSchema.strict().safeParse(settings)
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`).join('; ')
    throw new AppError('invalid_request', `Review settings: ${detail}.`)
  }
  if (!db.prepare('SELECT 1 FROM project').get()) throw new AppError('database_corrupt', 'The project database has no project record.')
  const before = readReviewSettings(db)
  const now = new Date().toISOString()
  db.transaction(() => {
    db.prepare('UPDATE project SET review_settings = ?').run(JSON.stringify(parsed.data))
    db.prepare(
      "INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, 'review:settings', 'project', NULL, ?, ?)",
    ).run(now, actor, JSON.stringify(before), JSON.stringify(parsed.data))
  })()
  return parsed.data
}
