import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RleFormatError, compressRle, decodeMask, rleArea } from '../../../src-main/core/masks'
import { rleFromPolygon, rleFromPolygons } from '../../../src-main/core/masks/polygon'

interface PolygonCase {
  height: number
  width: number
  polygons: number[][]
  counts: string
  area: number
}

const golden = JSON.parse(readFileSync(join(__dirname, 'golden', 'polygon-golden.json'), 'utf8')) as { cases: PolygonCase[] }

describe('COCO polygons to RLE', () => {
  it('matches pycocotools frPyObjects + merge on 120 random polygons', () => {
    expect(golden.cases.length).toBe(120)
    for (const testCase of golden.cases) {
      const rle = rleFromPolygons(testCase.polygons, testCase.height, testCase.width)
      expect(compressRle(rle).counts).toBe(testCase.counts)
      expect(rleArea(rle)).toBe(testCase.area)
    }
  })

  it('fills an axis-aligned square with the pixels whose centres it covers', () => {
    // Square from (1,1) to (3,3) in a 5×5 image: pixel columns/rows 1..2 are inside.
    const mask = decodeMask(rleFromPolygon([1, 1, 3, 1, 3, 3, 1, 3], 5, 5))
    const inside = [...mask].map((value, index) => (value ? `${index % 5},${Math.floor(index / 5)}` : null)).filter(Boolean)
    expect(inside).toEqual(['1,1', '2,1', '1,2', '2,2'])
  })

  it('refuses malformed polygons with a specific error', () => {
    expect(() => rleFromPolygon([1, 2, 3], 4, 4)).toThrow(RleFormatError)
    expect(() => rleFromPolygon([0, 0, Number.NaN, 1, 2, 2], 4, 4)).toThrow(/finite/)
    expect(() => rleFromPolygons([], 4, 4)).toThrow(/no polygons/)
  })
})
