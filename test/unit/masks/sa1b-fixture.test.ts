/**
 * Real SA-1B data (../shared/fixtures/sa1b/sa_226381.json, 113 masks on a 2000×1500 image): the strings were
 * written by pycocotools, so decoding and re-encoding must reproduce them byte for byte.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compressRle, decodeMask, decompressRle, encodeMask, rleArea, rleToBbox, rleToSa1bBbox } from '../../../src-main/core/masks'
import type { CompressedRle } from '../../../src-main/core/masks'
import { sharedFixture } from '../../support/shared-fixtures'

interface Sa1bAnnotation {
  id: number
  segmentation: CompressedRle
  bbox: number[]
  area: number
  predicted_iou: number
  stability_score: number
  crop_box: number[]
  point_coords: number[][]
}

interface Sa1bFile {
  image: { image_id: number; width: number; height: number; file_name: string }
  annotations: Sa1bAnnotation[]
}

const file = sharedFixture('sa1b/sa_226381.json', 'SA-1B fixture')

describe.skipIf(file === null)('SA-1B fixture sa_226381.json', () => {
  const data = file === null ? null : (JSON.parse(readFileSync(file, 'utf8')) as Sa1bFile)
  const image = data?.image
  const annotations = data?.annotations ?? []
  const HEIGHT = 1500
  const WIDTH = 2000

  it('has 113 annotations on a 2000×1500 image', () => {
    expect(image).toMatchObject({ width: WIDTH, height: HEIGHT })
    expect(annotations).toHaveLength(113)
  })

  it('every mask decodes to 1500×2000 with `area` pixels and re-encodes to the identical string', () => {
    for (const annotation of annotations) {
      expect(annotation.segmentation.size).toEqual([HEIGHT, WIDTH])
      const rle = decompressRle(annotation.segmentation)
      const mask = decodeMask(rle)
      expect(mask.length).toBe(HEIGHT * WIDTH)
      let pixelCount = 0
      for (const value of mask) pixelCount += value
      expect(pixelCount, `annotation ${annotation.id}`).toBe(annotation.area)
      expect(rleArea(rle)).toBe(annotation.area)
      const reencoded = compressRle(encodeMask(mask, HEIGHT, WIDTH))
      expect(reencoded.size).toEqual([HEIGHT, WIDTH])
      expect(reencoded.counts === annotation.segmentation.counts, `annotation ${annotation.id}`).toBe(true)
    }
  })

  it('SA-1B bbox = COCO toBbox with width and height one less, for all 113 masks', () => {
    for (const annotation of annotations) {
      const rle = decompressRle(annotation.segmentation)
      const [x, y, w, h] = rleToBbox(rle)
      // bbox entries are sometimes floats such as 12.0; JSON.parse already makes them numbers.
      expect(annotation.bbox.map(Number), `annotation ${annotation.id}`).toEqual([x, y, w - 1, h - 1])
      expect(rleToSa1bBbox(rle)).toEqual(annotation.bbox.map(Number))
    }
  })

  it('107 of 113 point_coords lie inside their own mask, with point (x, y) → pixel (floor(x), floor(y))', () => {
    const outside: number[] = []
    for (const annotation of annotations) {
      const mask = decodeMask(decompressRle(annotation.segmentation))
      const [pointX, pointY] = annotation.point_coords[0]!
      const column = Math.floor(pointX!)
      const row = Math.floor(pointY!)
      const inside = column >= 0 && column < WIDTH && row >= 0 && row < HEIGHT && mask[row * WIDTH + column] === 1
      if (!inside) outside.push(annotation.id)
    }
    expect(annotations.length - outside.length).toBe(107)
    // Cross-checked with pycocotools: the same six ids miss with floor (and with int truncation); rounding to the
    // nearest pixel would give 108, ceil 105. The points are on a 1/4 × 1/16 pixel lattice (AMG grid in crops).
    expect(outside).toEqual([333521572, 333521589, 333521598, 333521631, 333521643, 333521658])
  })
})
