/**
 * The per-image undo/redo history, kept in the `actions` table so it survives a crash or a restart:
 * every step is written in the same transaction as the mask states it changes, and the stacks are
 * read from the table, never held in memory.
 *
 * An action lists its changes as `{ maskId, before, after }` mask states. Undo sets each mask back to
 * `before` (in reverse order), redo to `after`; each write is a 'mask:state' event with
 * `{ undo: actionId }` or `{ redo: actionId }` in its `after`, and the first application carries
 * `{ action: actionId }`.
 *
 * Creations use the same form: a mask an action creates (a merge; manual commits will do the same) is
 * recorded as `{ before: 'deleted', after: <its state> }`. Undo sets it to 'deleted' (rows are never
 * removed, so its pixels and provenance stay), redo restores it. The creator inserts the row before
 * recording the action, so the first application is a no-op for that mask.
 *
 * Status: 'applied' → 'undone' (undo) → 'applied' (redo). Recording a new action on an image marks its
 * undone actions 'abandoned': a new step clears redo, as in every editor. A change whose mask no
 * longer exists (an untouched proposal replaced by a new proposal run) is skipped.
 */
import type { HistoryState } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { ProjectDb } from '../project/database'
import type { MaskRecord, MaskRepository, MaskState } from '../project/mask-repository'
import type { OverlapResolution, OverlapResolutions } from './overlap-resolutions'

export const ACTION_KINDS = ['decide', 'overlap', 'merge', 'commit', 'edit'] as const
export type ActionKind = (typeof ACTION_KINDS)[number]
export type ActionStatus = 'applied' | 'undone' | 'abandoned'

export interface StateChange {
  maskId: number
  before: MaskState
  after: MaskState
}

/** What an action does besides mask states. */
export interface ActionDetails {
  /** An overlap pair resolved by the action: recorded while applied, removed while undone. */
  resolvedPair?: { a: number; b: number; resolution: OverlapResolution }
}

export interface ActionRecord {
  id: number
  imageId: number
  actor: string
  kind: ActionKind
  label: string
  changes: StateChange[]
  details: ActionDetails | null
  /** ISO time the action was first recorded. */
  at: string
  status: ActionStatus
}

export interface NewAction {
  imageId: number
  actor: string
  kind: ActionKind
  label: string
  changes: readonly StateChange[]
  details?: ActionDetails
  /** ISO time; default now. */
  at?: string
}

/** One undo or redo: the action and its masks as they are afterwards. */
export interface HistoryStep {
  action: ActionRecord
  masks: MaskRecord[]
}

interface ActionRow {
  id: number
  image_id: number
  actor: string
  kind: ActionKind
  label: string
  changes: string
  details: string | null
  at: string
  status: ActionStatus
}

const ACTION_COLUMNS = 'id, image_id, actor, kind, label, changes, details, at, status'

function toActionRecord(row: ActionRow): ActionRecord {
  return {
    id: row.id,
    imageId: row.image_id,
    actor: row.actor,
    kind: row.kind,
    label: row.label,
    changes: JSON.parse(row.changes) as StateChange[],
    details: row.details === null ? null : (JSON.parse(row.details) as ActionDetails),
    at: row.at,
    status: row.status,
  }
}

export class ActionHistory {
  private readonly statements

  constructor(
    private readonly db: ProjectDb,
    private readonly masks: MaskRepository,
    private readonly resolutions: OverlapResolutions,
  ) {
    this.statements = {
      insert: db.prepare(
        "INSERT INTO actions (image_id, actor, kind, label, changes, details, at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'applied')",
      ),
      byId: db.prepare(`SELECT ${ACTION_COLUMNS} FROM actions WHERE id = ?`),
      setStatus: db.prepare('UPDATE actions SET status = ? WHERE id = ?'),
      abandonRedo: db.prepare("UPDATE actions SET status = 'abandoned' WHERE image_id = ? AND status = 'undone'"),
      // The top of the undo stack: the latest applied action.
      latestApplied: db.prepare(`SELECT ${ACTION_COLUMNS} FROM actions WHERE image_id = ? AND status = 'applied' ORDER BY id DESC LIMIT 1`),
      // The top of the redo stack: the earliest undone action after the latest applied one.
      nextUndone: db.prepare(
        `SELECT ${ACTION_COLUMNS} FROM actions WHERE image_id = @imageId AND status = 'undone'
           AND id > coalesce((SELECT max(id) FROM actions WHERE image_id = @imageId AND status = 'applied'), 0)
         ORDER BY id LIMIT 1`,
      ),
      ofImage: db.prepare(`SELECT ${ACTION_COLUMNS} FROM actions WHERE image_id = ? ORDER BY id`),
    }
  }

  get(id: number): ActionRecord | undefined {
    const row = this.statements.byId.get(id) as ActionRow | undefined
    return row ? toActionRecord(row) : undefined
  }

  /** Every action of an image, oldest first (audits and tests). */
  list(imageId: number): ActionRecord[] {
    return (this.statements.ofImage.all(imageId) as ActionRow[]).map(toActionRecord)
  }

  /**
   * Records an action and applies it (every mask to `after`, with events) in one transaction; the
   * image's undone actions become abandoned. The caller has validated the changes.
   */
  record(action: NewAction): ActionRecord {
    if (action.changes.length === 0 && !action.details?.resolvedPair) {
      throw new Error('An action must change something; skip recording no-op decisions.')
    }
    const at = action.at ?? new Date().toISOString()
    return this.db.transaction(() => {
      this.statements.abandonRedo.run(action.imageId)
      const id = Number(
        this.statements.insert.run(
          action.imageId,
          action.actor,
          action.kind,
          action.label,
          JSON.stringify(action.changes),
          action.details ? JSON.stringify(action.details) : null,
          at,
        ).lastInsertRowid,
      )
      const record = this.get(id) as ActionRecord
      this.apply(record, 'after', action.actor, at, { action: id })
      return record
    })()
  }

  /** Undoes the image's latest applied action; 'conflict' when there is none. */
  undo(imageId: number, actor: string): HistoryStep {
    return this.db.transaction(() => {
      const row = this.statements.latestApplied.get(imageId) as ActionRow | undefined
      if (!row) throw new AppError('conflict', 'There is nothing to undo on this image.')
      const action = toActionRecord(row)
      const masks = this.apply(action, 'before', actor, new Date().toISOString(), { undo: action.id })
      this.statements.setStatus.run('undone', action.id)
      return { action: { ...action, status: 'undone' as const }, masks }
    })()
  }

  /** Redoes the action undone last on the image; 'conflict' when there is none. */
  redo(imageId: number, actor: string): HistoryStep {
    return this.db.transaction(() => {
      const row = this.statements.nextUndone.get({ imageId }) as ActionRow | undefined
      if (!row) throw new AppError('conflict', 'There is nothing to redo on this image.')
      const action = toActionRecord(row)
      const masks = this.apply(action, 'after', actor, new Date().toISOString(), { redo: action.id })
      this.statements.setStatus.run('applied', action.id)
      return { action: { ...action, status: 'applied' as const }, masks }
    })()
  }

  state(imageId: number): HistoryState {
    const undo = this.statements.latestApplied.get(imageId) as ActionRow | undefined
    const redo = this.statements.nextUndone.get({ imageId }) as ActionRow | undefined
    return { canUndo: undo !== undefined, canRedo: redo !== undefined, undoLabel: undo?.label ?? null, redoLabel: redo?.label ?? null }
  }

  /** Sets every mask of the action to its `before` or `after` state; returns the masks that exist, in change order. */
  private apply(action: ActionRecord, side: 'before' | 'after', actor: string, at: string, details: Record<string, unknown>): MaskRecord[] {
    const changes = side === 'before' ? [...action.changes].reverse() : action.changes
    const masks: MaskRecord[] = []
    for (const change of changes) {
      if (!this.masks.get(change.maskId)) continue
      masks.push(this.masks.setState(change.maskId, change[side], actor, { at, eventKind: 'mask:state', details }))
    }
    const pair = action.details?.resolvedPair
    if (pair) {
      const bothExist = this.masks.get(pair.a) !== undefined && this.masks.get(pair.b) !== undefined
      if (side === 'after' && bothExist) this.resolutions.put(pair.a, pair.b, pair.resolution, actor, at)
      else this.resolutions.remove(pair.a, pair.b)
    }
    return side === 'before' ? masks.reverse() : masks
  }
}
