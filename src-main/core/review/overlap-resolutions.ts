/**
 * Overlap pairs a person resolved ('replace', 'keep' or 'merge'): they are no longer flagged. One row
 * per pair, lower mask id first; undoing the resolution removes the row again.
 */
import type { ProjectDb } from '../project/database'

export const OVERLAP_RESOLUTIONS = ['replace', 'keep', 'merge'] as const
export type OverlapResolution = (typeof OVERLAP_RESOLUTIONS)[number]

/** A pair with the lower id first, as the table and the contract store it. */
export function orderedPair(a: number, b: number): [a: number, b: number] {
  return a < b ? [a, b] : [b, a]
}

/** `a`–`b` as one string key ("12-40"), lower id first. */
export function pairKey(a: number, b: number): string {
  const [low, high] = orderedPair(a, b)
  return `${low}-${high}`
}

export class OverlapResolutions {
  private readonly statements

  constructor(db: ProjectDb) {
    this.statements = {
      put: db.prepare('INSERT OR REPLACE INTO overlap_resolutions (mask_a, mask_b, resolution, actor, at) VALUES (?, ?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM overlap_resolutions WHERE mask_a = ? AND mask_b = ?'),
      ofImage: db
        .prepare(`SELECT r.mask_a || '-' || r.mask_b FROM overlap_resolutions r JOIN masks m ON m.id = r.mask_a WHERE m.image_id = ?`)
        .pluck(),
    }
  }

  put(a: number, b: number, resolution: OverlapResolution, actor: string, at: string): void {
    const [low, high] = orderedPair(a, b)
    this.statements.put.run(low, high, resolution, actor, at)
  }

  remove(a: number, b: number): void {
    const [low, high] = orderedPair(a, b)
    this.statements.remove.run(low, high)
  }

  /** Keys (see `pairKey`) of the image's resolved pairs. */
  resolvedKeys(imageId: number): Set<string> {
    return new Set(this.statements.ofImage.all(imageId) as string[])
  }
}
