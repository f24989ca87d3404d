import { describe, expect, it } from 'vitest'
import { filterCounts, listMasks, type ListedMask } from '../../../src-renderer/review/mask-list'

const m = (id: number, state: string, source: string, predictedIou: number | null, area: number): ListedMask => ({
  id,
  state,
  source,
  predictedIou,
  stabilityScore: predictedIou,
  area,
  modelId: 1,
})
const masks = [
  m(1, 'proposed', 'auto', 0.8, 10),
  m(2, 'accepted', 'manual', null, 30),
  m(3, 'auto_accepted', 'auto', 0.95, 20),
  m(4, 'rejected', 'auto', 0.5, 5),
  m(5, 'deleted', 'manual', null, 1),
]

describe('mask list', () => {
  it('filters by state group and hides deleted masks everywhere', () => {
    expect(listMasks(masks, 'all', 'id', false).map((x) => x.id)).toEqual([1, 2, 3, 4])
    expect(listMasks(masks, 'review', 'id', false).map((x) => x.id)).toEqual([1])
    expect(listMasks(masks, 'kept', 'id', false).map((x) => x.id)).toEqual([2, 3])
    expect(listMasks(masks, 'rejected', 'id', false).map((x) => x.id)).toEqual([4])
    expect(listMasks(masks, 'manual', 'id', false).map((x) => x.id)).toEqual([2])
    expect(filterCounts(masks)).toEqual({ all: 4, review: 1, kept: 2, rejected: 1, manual: 1 })
  })
  it('sorts by a column either way, missing scores lowest, ties by id', () => {
    expect(listMasks(masks, 'all', 'area', true).map((x) => x.id)).toEqual([2, 3, 1, 4])
    expect(listMasks(masks, 'all', 'predictedIou', false).map((x) => x.id)).toEqual([2, 4, 1, 3])
    expect(listMasks(masks, 'all', 'state', false).map((x) => x.id)).toEqual([1, 3, 2, 4])
  })
})
