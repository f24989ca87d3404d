import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { computeAgreement } from '../../../src-main/core/audit/agreement'
import { compareWithGold } from '../../../src-main/core/audit/gold'
import { importAnnotationFiles } from '../../../src-main/core/exchange/import-annotations'
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { makeTempDir } from '../../support/make-images'
import { HEIGHT, WIDTH, openReviewDb, rectPixels, type Rect } from '../review/review-fixture'

const rect = fc
  .tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }))
  .map(([x, y, w, h]): Rect => [x, y, w, h])

function pixelIou(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0
  let union = 0
  a.forEach((value, i) => {
    if (value && b[i]) intersection++
    if (value || b[i]) union++
  })
  return union === 0 ? 0 : intersection / union
}

/** Reference: greedy by repeated maximum over pixel IoUs; returns the matched IoUs. */
function referenceMatches(a: Uint8Array[], b: Uint8Array[]): number[] {
  const iou = a.map((x) => b.map((y) => pixelIou(x, y)))
  const usedA = new Set<number>()
  const usedB = new Set<number>()
  const matched: number[] = []
  for (;;) {
    let best = { a: -1, b: -1, iou: 0 }
    iou.forEach((row, i) =>
      row.forEach((value, j) => {
        if (!usedA.has(i) && !usedB.has(j) && value > best.iou) best = { a: i, b: j, iou: value }
      }),
    )
    if (best.a < 0) return matched
    usedA.add(best.a)
    usedB.add(best.b)
    matched.push(best.iou)
  }
}

const rle = (rects: Rect[]) => compressRle(encodeMask(rectPixels(rects), HEIGHT, WIDTH))

describe('gold-standard comparison', () => {
  it('uses the annotation importer’s gold masks and scores the final masks against them as a brute-force greedy match does', async () => {
    const { dir, cleanup } = await makeTempDir('gold')
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(rect, { minLength: 1, maxLength: 4 }), fc.array(rect, { maxLength: 4 }), async (gold, predicted) => {
          const db = openReviewDb(':memory:', 1)
          try {
            new MaskRepository(db).insertMany(
              predicted.map((r, index) => ({
                imageId: 1,
                rle: rle([r]),
                source: 'auto',
                state: index % 2 ? 'accepted' : 'auto_accepted',
                actor: 'tessera',
              })),
            )
            const file = join(dir, 'gold.json')
            await writeFile(
              file,
              JSON.stringify({
                images: [{ id: 7, file_name: 'image-000.jpg', width: WIDTH, height: HEIGHT }],
                annotations: gold.map((r, index) => ({ id: index + 1, image_id: 7, segmentation: rle([r]) })),
              }),
            )
            await importAnnotationFiles(db, [file], { actor: 'lead', as: 'gold' })
            const result = compareWithGold(db)
            const matched = referenceMatches(
              predicted.map((r) => rectPixels([r])),
              gold.map((r) => rectPixels([r])),
            )
            // The importer skips a gold mask whose pixels repeat one already imported.
            const goldCount = new Set(gold.map((r) => rle([r]).counts)).size
            expect(result).toMatchObject({ images: 1, gold: goldCount, predicted: predicted.length, matched: matched.length })
            for (const score of result.scores) {
              const tp = matched.filter((iou) => iou >= score.threshold).length
              expect(score.truePositives).toBe(tp)
              expect(score.recall).toBeCloseTo(tp / goldCount, 12)
              if (predicted.length > 0) expect(score.precision).toBeCloseTo(tp / predicted.length, 12)
            }
            expect(result.iouHistogram.reduce((sum, bin) => sum + bin.count, 0)).toBe(matched.length)
          } finally {
            db.close()
          }
        }),
        { numRuns: 25 },
      )
    } finally {
      await cleanup()
    }
  })

  it('lists the worst images first', async () => {
    const db = openReviewDb(':memory:', 2)
    const { dir, cleanup } = await makeTempDir('gold-worst')
    try {
      const masks = new MaskRepository(db)
      masks.insertMany([
        { imageId: 1, rle: rle([[0, 0, 10, 10]]), source: 'auto', state: 'auto_accepted', actor: 'tessera' },
        { imageId: 2, rle: rle([[20, 20, 5, 5]]), source: 'auto', state: 'auto_accepted', actor: 'tessera' },
      ])
      const file = join(dir, 'gold.json')
      await writeFile(
        file,
        JSON.stringify({
          images: [
            { id: 1, file_name: 'image-000.jpg', width: WIDTH, height: HEIGHT },
            { id: 2, file_name: 'image-001.jpg', width: WIDTH, height: HEIGHT },
          ],
          annotations: [
            { image_id: 1, segmentation: rle([[0, 0, 10, 10]]) },
            { image_id: 2, segmentation: rle([[0, 0, 10, 10]]) },
          ],
        }),
      )
      await importAnnotationFiles(db, [file], { actor: 'lead', as: 'gold' })
      const result = compareWithGold(db)
      expect(result.worst.map((image) => [image.imageId, image.scores[0]!.f1])).toEqual([
        [2, 0],
        [1, 1],
      ])
      expect(result.meanMatchedIou).toBe(1)
    } finally {
      db.close()
      await cleanup()
    }
  })
})

describe('inter-annotator agreement', () => {
  it('matches two people’s masks per image one-to-one and scores them as a brute-force greedy match does', () => {
    fc.assert(
      fc.property(fc.array(rect, { minLength: 1, maxLength: 4 }), fc.array(rect, { minLength: 1, maxLength: 4 }), (ada, bo) => {
        const db = openReviewDb(':memory:', 2)
        try {
          const add = (imageId: number, actor: string, rects: Rect[]) =>
            new MaskRepository(db).insertMany(rects.map((r) => ({ imageId, rle: rle([r]), source: 'manual', state: 'accepted', actor })))
          add(1, 'ada', ada)
          add(1, 'bo', bo)
          add(2, 'ada', ada) // one person only: not compared
          new MaskRepository(db).insert({
            imageId: 1,
            rle: rle([[0, 0, 40, 30]]),
            source: 'auto',
            state: 'auto_accepted',
            actor: 'tessera',
          })
          const report = computeAgreement(db)
          const matched = referenceMatches(
            ada.map((r) => rectPixels([r])),
            bo.map((r) => rectPixels([r])),
          )
          expect(report.imagesCompared).toBe(1)
          const [pair] = report.pairs
          expect(pair).toMatchObject({
            personA: 'ada',
            personB: 'bo',
            images: 1,
            masksA: ada.length,
            masksB: bo.length,
            matched: matched.length,
          })
          const f1 = (t: number) => (2 * matched.filter((iou) => iou >= t).length) / (ada.length + bo.length)
          expect(pair!.f1At50).toBeCloseTo(f1(0.5), 12)
          expect(pair!.f1At75).toBeCloseTo(f1(0.75), 12)
          if (matched.length > 0) expect(pair!.meanMatchedIou).toBeCloseTo(matched.reduce((a, b) => a + b, 0) / matched.length, 12)
          else expect(pair!.meanMatchedIou).toBeNull()
          expect(report.images[0]).toMatchObject({ imageId: 1, personA: 'ada', personB: 'bo', f1At50: pair!.f1At50 })
        } finally {
          db.close()
        }
      }),
      { numRuns: 60 },
    )
  })
})
