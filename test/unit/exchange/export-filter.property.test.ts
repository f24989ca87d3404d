/**
 * The export preview counts in SQL what the exporters select in JavaScript: for any masks and any
 * filter, ExportSelection.counts() agrees with walking ExportSelection.images().
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ExportSelection, type ExportFilter, type ImageSelection } from '../../../src-main/core/exchange/export-filter'
import { MASK_STATES, MaskRepository, type MaskState } from '../../../src-main/core/project/mask-repository'
import { createProject, maskWithGivenMeasure } from './exchange-helpers'

const IMAGES = [
  { relPath: 'a.jpg', width: 60, height: 40 },
  { relPath: 'b.jpg', width: 30, height: 30 },
  { relPath: 'c.jpg', width: 17, height: 90 },
]

const score = fc.option(fc.constantFrom(0, 0.3, 0.5, 0.88, 0.95, 0.98, 1, 0.1 + 0.2, 0.1 * 3), { nil: null })
const threshold = fc.option(fc.constantFrom(0, 0.3, 0.30000000000000004, 0.5, 0.88, 0.95, 0.98, 1), { nil: undefined })
const areaBound = fc.option(fc.constantFrom(0, 1, 50, 100, 500, 1199, 1200, 2400), { nil: undefined })

describe('export selection counts', () => {
  it('counts in SQL exactly the masks and images the exporters write, for any filter', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            image: fc.nat(2),
            state: fc.constantFrom(...(MASK_STATES as readonly MaskState[])),
            area: fc.constantFrom(0, 1, 50, 100, 499, 500, 1199, 1200, 1530, 2400),
            predictedIou: score,
            stabilityScore: score,
          }),
          { maxLength: 25 },
        ),
        fc.record({
          states: fc.option(fc.subarray([...MASK_STATES], { minLength: 1 }), { nil: undefined }),
          minPredictedIou: threshold,
          minStabilityScore: threshold,
          minArea: areaBound,
          maxArea: areaBound,
          maxRelativeArea: fc.option(fc.constantFrom(0.001, 0.5, 0.95, 1, 0.1 + 0.2), { nil: undefined }),
          images: fc.constantFrom<ImageSelection | undefined>(
            undefined,
            { kind: 'all' },
            { kind: 'status', status: 'done' },
            { kind: 'ids', ids: [1, 3, 3] },
            { kind: 'ids', ids: [2] },
          ),
        }),
        (masks, draft) => {
          const { db, ids } = createProject(IMAGES)
          db.prepare("UPDATE images SET status = 'done' WHERE id IN (?, ?)").run(ids[0], ids[2])
          new MaskRepository(db).insertMany(
            masks.map((mask) => {
              const image = IMAGES[mask.image] as (typeof IMAGES)[number]
              return maskWithGivenMeasure({
                imageId: ids[mask.image] as number,
                height: image.height,
                width: image.width,
                area: mask.area,
                bbox: [0, 0, 1, 1],
                state: mask.state,
                predictedIou: mask.predictedIou,
                stabilityScore: mask.stabilityScore,
              })
            }),
          )
          const filter = Object.fromEntries(Object.entries(draft).filter(([, value]) => value !== undefined)) as ExportFilter
          const selection = new ExportSelection(db, filter)
          let images = 0
          let written = 0
          let withMasks = 0
          for (const { masks: selected } of selection.images()) {
            images++
            written += selected.length
            if (selected.length > 0) withMasks++
          }
          expect(selection.counts()).toEqual({ images, masks: written, imagesWithMasks: withMasks })
          db.close()
        },
      ),
      { numRuns: 300 },
    )
  })
})
