/**
 * The inspector's list of an image's masks: filters by state/source and sorting by column. Pure.
 */

export interface ListedMask {
  id: number
  state: string
  source: string
  predictedIou: number | null
  stabilityScore: number | null
  area: number
  modelId: number | null
}

export const MASK_FILTERS = {
  all: { label: 'All', test: (mask: ListedMask) => mask.state !== 'deleted' },
  review: { label: 'Needs review', test: (mask: ListedMask) => mask.state === 'proposed' },
  kept: { label: 'Accepted', test: (mask: ListedMask) => mask.state === 'accepted' || mask.state === 'auto_accepted' },
  rejected: { label: 'Rejected', test: (mask: ListedMask) => mask.state === 'rejected' || mask.state === 'discarded' },
  manual: { label: 'Manual', test: (mask: ListedMask) => mask.source === 'manual' && mask.state !== 'deleted' },
} as const
export type MaskFilter = keyof typeof MASK_FILTERS

export const MASK_SORT_KEYS = ['id', 'state', 'predictedIou', 'stabilityScore', 'area'] as const
export type MaskSortKey = (typeof MASK_SORT_KEYS)[number]

/** Review order of states: what needs a decision first. */
const STATE_RANK: Record<string, number> = { proposed: 0, auto_accepted: 1, accepted: 2, rejected: 3, discarded: 4, deleted: 5 }

function value(mask: ListedMask, key: MaskSortKey): number {
  switch (key) {
    case 'id':
      return mask.id
    case 'state':
      return STATE_RANK[mask.state] ?? 9
    case 'predictedIou':
      return mask.predictedIou ?? -Infinity
    case 'stabilityScore':
      return mask.stabilityScore ?? -Infinity
    case 'area':
      return mask.area
  }
}

/** Filtered and sorted; ties broken by id so the order is stable. */
export function listMasks<T extends ListedMask>(masks: readonly T[], filter: MaskFilter, key: MaskSortKey, descending: boolean): T[] {
  const sign = descending ? -1 : 1
  return masks.filter(MASK_FILTERS[filter].test).sort((a, b) => sign * (value(a, key) - value(b, key)) || a.id - b.id)
}

/** Counts per filter, for the filter chips. */
export function filterCounts(masks: readonly ListedMask[]): Record<MaskFilter, number> {
  const counts = { all: 0, review: 0, kept: 0, rejected: 0, manual: 0 } as Record<MaskFilter, number>
  for (const mask of masks) for (const name of Object.keys(MASK_FILTERS) as MaskFilter[]) if (MASK_FILTERS[name].test(mask)) counts[name]++
  return counts
}
