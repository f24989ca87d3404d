/** A project database with images and rectangle masks for review tests (in memory or in a file). */
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import { openProjectDb, type ProjectDb } from '../../../src-main/core/project/database'
import { MaskRepository, type MaskSource, type MaskState, type NewMask } from '../../../src-main/core/project/mask-repository'

export const WIDTH = 40
export const HEIGHT = 30

/** [x, y, w, h] in annotation pixels, exclusive extents. */
export type Rect = [x: number, y: number, w: number, h: number]

export function rectPixels(rects: readonly Rect[], width = WIDTH, height = HEIGHT): Uint8Array {
  const pixels = new Uint8Array(width * height)
  for (const [x0, y0, w, h] of rects) {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) pixels[y * width + x] = 1
  }
  return pixels
}

export function openReviewDb(file = ':memory:', imageCount = 2): ProjectDb {
  const db = openProjectDb(file, { create: true })
  db.prepare("INSERT INTO project (id, name, image_root, annotation_max_side, created_at) VALUES ('p', 'P', '/x', 1500, 'now')").run()
  for (let index = 0; index < imageCount; index++) {
    db.prepare(
      `INSERT INTO images (content_hash, rel_path, file_size, file_mtime_ms, width, height, annotation_width, annotation_height, added_at, updated_at)
       VALUES (?, ?, 1, 1, ?, ?, ?, ?, 'now', 'now')`,
    ).run(`hash-${index}`, `image-${String(index).padStart(3, '0')}.jpg`, WIDTH, HEIGHT, WIDTH, HEIGHT)
  }
  return db
}

export interface MaskSpec {
  rects: Rect[]
  state: MaskState
  imageId?: number
  source?: MaskSource
  prompt?: NewMask['prompt']
  pointCoords?: NewMask['pointCoords']
}

/** Inserts masks made of rectangles; returns their ids in order. */
export function addMasks(db: ProjectDb, specs: readonly MaskSpec[]): number[] {
  return new MaskRepository(db).insertMany(
    specs.map((spec) => ({
      imageId: spec.imageId ?? 1,
      rle: compressRle(encodeMask(rectPixels(spec.rects), HEIGHT, WIDTH)),
      source: spec.source ?? 'auto',
      state: spec.state,
      actor: 'tessera',
      prompt: spec.prompt ?? null,
      pointCoords: spec.pointCoords ?? null,
    })),
  )
}

export function maskStates(db: ProjectDb, imageId = 1): Record<number, MaskState> {
  const rows = db.prepare('SELECT id, state FROM masks WHERE image_id = ? ORDER BY id').all(imageId) as { id: number; state: MaskState }[]
  return Object.fromEntries(rows.map((row) => [row.id, row.state]))
}
