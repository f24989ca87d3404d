/**
 * The 30-second rule's markers: objects a person skipped because they took too long, kept with their
 * location, prompt and effort for a later stage. Every change is an event in the same transaction.
 * open → resolved (a mask was committed from the reopened marker) or dismissed; dismissed → open.
 */
import type { PromptBox, PromptPoint, SkippedObject } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { ProjectDb } from '../project/database'

export interface NewSkippedObject {
  imageId: number
  /** Annotation pixels. */
  x: number
  y: number
  prompt: { points: PromptPoint[]; box: PromptBox | null }
  seconds: number
  clicks: number
}

interface SkippedRow {
  id: number
  image_id: number
  x: number
  y: number
  prompt: string
  seconds: number
  clicks: number
  actor: string
  created_at: string
  state: SkippedObject['state']
  resolved_by_mask: number | null
}

const COLUMNS = 'id, image_id, x, y, prompt, seconds, clicks, actor, created_at, state, resolved_by_mask'

function toSkippedObject(row: SkippedRow): SkippedObject {
  const prompt = JSON.parse(row.prompt) as SkippedObject['prompt']
  return {
    id: row.id,
    imageId: row.image_id,
    x: row.x,
    y: row.y,
    prompt: { points: prompt.points ?? [], box: prompt.box ?? null },
    seconds: row.seconds,
    clicks: row.clicks,
    actor: row.actor,
    createdAt: row.created_at,
    state: row.state,
    resolvedByMask: row.resolved_by_mask,
  }
}

export class SkippedObjects {
  private readonly statements

  constructor(private readonly db: ProjectDb) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO skipped_objects (image_id, x, y, prompt, seconds, clicks, actor, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      byId: db.prepare(`SELECT ${COLUMNS} FROM skipped_objects WHERE id = ?`),
      ofImage: db.prepare(`SELECT ${COLUMNS} FROM skipped_objects WHERE image_id = ? ORDER BY id`),
      all: db.prepare(`SELECT ${COLUMNS} FROM skipped_objects WHERE state = 'open' ORDER BY image_id, id LIMIT ?`),
      setState: db.prepare('UPDATE skipped_objects SET state = ?, resolved_by_mask = ?, updated_at = ? WHERE id = ?'),
      imageExists: db.prepare('SELECT 1 FROM images WHERE id = ?').pluck(),
      event: db.prepare(
        "INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES (?, ?, ?, 'skipped_object', ?, ?, ?)",
      ),
    }
  }

  skip(object: NewSkippedObject, actor: string): SkippedObject {
    return this.db.transaction(() => {
      if (!this.statements.imageExists.get(object.imageId))
        throw new AppError('not_found', `Image ${object.imageId} is not in this project.`)
      const at = new Date().toISOString()
      const prompt = JSON.stringify(object.prompt)
      const id = Number(
        this.statements.insert.run(object.imageId, object.x, object.y, prompt, object.seconds, object.clicks, actor, at, at)
          .lastInsertRowid,
      )
      const created = this.get(id)
      this.statements.event.run(at, actor, 'object:skipped', id, null, JSON.stringify(created))
      return created
    })()
  }

  get(id: number): SkippedObject {
    const row = this.statements.byId.get(id) as SkippedRow | undefined
    if (!row) throw new AppError('not_found', `Skipped object ${id} does not exist.`)
    return toSkippedObject(row)
  }

  /** Every marker of an image (all states), or the project's open ones (at most `limit`). */
  list(imageId: number | null, limit = 1000): SkippedObject[] {
    const rows = (imageId === null ? this.statements.all.all(limit) : this.statements.ofImage.all(imageId)) as SkippedRow[]
    return rows.map(toSkippedObject)
  }

  /** Dismisses an open marker (not an object after all) or opens a dismissed one again. */
  setState(id: number, state: 'open' | 'dismissed', actor: string): SkippedObject {
    return this.db.transaction(() => {
      const before = this.get(id)
      if (before.state === 'resolved')
        throw new AppError('conflict', `Skipped object ${id} was already segmented (mask ${before.resolvedByMask}).`)
      return this.change(before, state, null, actor)
    })()
  }

  /** The marker became a mask; call inside the commit's transaction. */
  resolve(id: number, imageId: number, maskId: number, actor: string): SkippedObject {
    const before = this.get(id)
    if (before.imageId !== imageId) throw new AppError('not_found', `Skipped object ${id} is not on image ${imageId}.`)
    if (before.state === 'resolved')
      throw new AppError('conflict', `Skipped object ${id} was already segmented (mask ${before.resolvedByMask}).`)
    return this.change(before, 'resolved', maskId, actor)
  }

  private change(before: SkippedObject, state: SkippedObject['state'], maskId: number | null, actor: string): SkippedObject {
    const at = new Date().toISOString()
    this.statements.setState.run(state, maskId, at, before.id)
    const after = this.get(before.id)
    this.statements.event.run(
      at,
      actor,
      `object:${state}`,
      before.id,
      JSON.stringify({ state: before.state }),
      JSON.stringify({ state, resolvedByMask: maskId }),
    )
    return after
  }
}
