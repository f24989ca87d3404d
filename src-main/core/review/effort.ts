/**
 * Effort of the masks people made by hand (the SAM paper's own measure: seconds per mask), from the
 * masks' `seconds_spent` and `clicks` columns: per image or for the project, and per person. Masks
 * set aside by later edits ('deleted') count too: the time was spent. Edited or replaced proposals
 * also report how close the final mask stayed to the proposal (mean `origin_iou`).
 */
import type { EffortSummary, EffortTotals } from '../../../src-preload/contract/dto'
import type { ProjectDb } from '../project/database'

interface TotalsRow {
  actor: string
  masks: number
  seconds: number | null
  clicks: number | null
  from_proposals: number
  mean_proposal_iou: number | null
}

export class EffortReport {
  private readonly statements

  constructor(db: ProjectDb) {
    // `@image` is an image id, or NULL for the whole project.
    const where = "source = 'manual' AND (@image IS NULL OR image_id = @image)"
    this.statements = {
      byActor: db.prepare(`SELECT actor, count(*) AS masks, total(seconds_spent) AS seconds, total(clicks) AS clicks,
          count(origin_iou) AS from_proposals, avg(origin_iou) AS mean_proposal_iou
        FROM masks WHERE ${where} GROUP BY actor ORDER BY actor`),
      seconds: db.prepare(`SELECT actor, seconds_spent AS s FROM masks WHERE ${where} AND seconds_spent IS NOT NULL ORDER BY actor, s`),
      skipped: db.prepare('SELECT actor, count(*) AS n FROM skipped_objects WHERE (@image IS NULL OR image_id = @image) GROUP BY actor'),
    }
  }

  summary(imageId: number | null): EffortSummary {
    const rows = this.statements.byActor.all({ image: imageId }) as TotalsRow[]
    const seconds = new Map<string, number[]>()
    for (const row of this.statements.seconds.all({ image: imageId }) as { actor: string; s: number }[]) {
      const list = seconds.get(row.actor) ?? []
      list.push(row.s)
      seconds.set(row.actor, list)
    }
    const skipped = new Map(
      (this.statements.skipped.all({ image: imageId }) as { actor: string; n: number }[]).map((row) => [row.actor, row.n]),
    )
    const actors = [...new Set([...rows.map((row) => row.actor), ...skipped.keys()])].sort()
    const people = actors.map((actor) => {
      const row = rows.find((candidate) => candidate.actor === actor)
      return { actor, ...totals(row ? [row] : [], seconds.get(actor) ?? [], skipped.get(actor) ?? 0) }
    })
    const allSeconds = [...seconds.values()].flat().sort((a, b) => a - b)
    return {
      total: totals(
        rows,
        allSeconds,
        [...skipped.values()].reduce((a, b) => a + b, 0),
      ),
      people,
    }
  }
}

/** Sorted seconds → median (mean of the middle two for an even count). */
function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function totals(rows: readonly TotalsRow[], sortedSeconds: readonly number[], skippedObjects: number): EffortTotals {
  const masks = rows.reduce((sum, row) => sum + row.masks, 0)
  const clicks = rows.reduce((sum, row) => sum + (row.clicks ?? 0), 0)
  const fromProposals = rows.reduce((sum, row) => sum + row.from_proposals, 0)
  const iouSum = rows.reduce((sum, row) => sum + (row.mean_proposal_iou ?? 0) * row.from_proposals, 0)
  return {
    masks,
    seconds: rows.reduce((sum, row) => sum + (row.seconds ?? 0), 0),
    clicks,
    medianSecondsPerMask: median(sortedSeconds),
    meanClicksPerMask: masks === 0 ? null : clicks / masks,
    fromProposals,
    meanProposalIou: fromProposals === 0 ? null : iouSum / fromProposals,
    skippedObjects,
  }
}
