/** A project database with done images, their final masks and who marked them done, for audit and metrics tests. */
import type { ProjectDb } from '../../../src-main/core/project/database'
import { addMasks, openReviewDb, type MaskSpec } from '../review/review-fixture'

/** Marks an image done as `actor`, as ProjectSession.setStatus records it (status + 'image:status' event). */
export function markDone(db: ProjectDb, imageId: number, actor: string, uncoveredFraction = 0.05): void {
  db.prepare("UPDATE images SET status = 'done' WHERE id = ?").run(imageId)
  db.prepare(
    "INSERT INTO events (at, actor, kind, entity, entity_id, before, after) VALUES ('now', ?, 'image:status', 'image', ?, NULL, ?)",
  ).run(actor, imageId, JSON.stringify({ status: 'done', uncoveredFraction, maxUncoveredFraction: 0.1 }))
}

/** `images` images; image i (1-based) has masks from `masksOf(i)` and is done by `annotatorOf(i)` (null: left todo). */
export function auditProject(
  images: number,
  masksOf: (imageId: number) => Omit<MaskSpec, 'imageId'>[],
  annotatorOf: (imageId: number) => string | null,
): ProjectDb {
  const db = openReviewDb(':memory:', images)
  for (let imageId = 1; imageId <= images; imageId++) {
    const specs = masksOf(imageId).map((spec) => ({ ...spec, imageId }))
    if (specs.length > 0) addMasks(db, specs)
    const annotator = annotatorOf(imageId)
    if (annotator) markDone(db, imageId, annotator)
  }
  return db
}
