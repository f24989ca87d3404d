import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspectFile, summarise } from '../../../src-main/core/exchange/inspect'
import { compressRle, encodeMask, rleToBbox, rleToSa1bBbox } from '../../../src-main/core/masks'
import { sharedFixture } from '../../support/shared-fixtures'

let dir: string

/** A 20×30 image with a 5×4 rectangle at x 10..14, y 6..9. */
function rectangleMask(): Uint8Array {
  const mask = new Uint8Array(20 * 30)
  for (let y = 6; y < 10; y++) for (let x = 10; x < 15; x++) mask[y * 30 + x] = 1
  return mask
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-inspect-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('tessera inspect', () => {
  it('passes a consistent SA-1B file and reports each kind of inconsistency of a bad one', async () => {
    const rle = encodeMask(rectangleMask(), 20, 30)
    const good = {
      id: 1,
      segmentation: compressRle(rle),
      area: 20,
      bbox: rleToSa1bBbox(rle),
      point_coords: [[12.5, 7.5]],
      predicted_iou: 0.9,
      stability_score: 0.97,
      crop_box: [0, 0, 30, 20],
    }
    const file = join(dir, 'sa.json')
    await writeFile(
      file,
      JSON.stringify({
        image: { image_id: 1, width: 30, height: 20, file_name: 'a.jpg' },
        annotations: [
          good,
          { ...good, id: 2, area: 21 },
          { ...good, id: 3, bbox: rleToBbox(rle) },
          { ...good, id: 4, point_coords: [[1, 1]] },
          { ...good, id: 5, segmentation: { size: [20, 30], counts: 'x!' } },
          { ...good, id: 1 },
        ],
      }),
    )
    const lines = await inspectFile(file)
    expect(lines.map((line) => line.problems)).toEqual([
      [],
      ['area differs from the decoded pixel count'],
      ["bbox follows the COCO convention, not this file's"],
      ['point_coords lie outside the mask'],
      [expect.stringMatching(/^cannot decode segmentation: /)],
      ['duplicate annotation id'],
    ])
    expect(lines[0]).toMatchObject({
      area_decoded: 20,
      coco_bbox: [10, 6, 5, 4],
      sa1b_bbox: [10, 6, 4, 3],
      reencode_identical: true,
      point_inside: true,
    })
    const summary = summarise(lines, 1)
    expect(summary.errors).toBe(4)
    expect(summary.notes).toBe(1)
  })

  it('reads COCO files with RLE and polygon segmentations in the COCO box convention', async () => {
    const rle = encodeMask(rectangleMask(), 20, 30)
    const file = join(dir, 'coco.json')
    await writeFile(
      file,
      JSON.stringify({
        images: [{ id: 7, width: 30, height: 20, file_name: 'a.jpg' }],
        categories: [{ id: 1, name: 'object' }],
        annotations: [
          { id: 1, image_id: 7, category_id: 1, segmentation: compressRle(rle), area: 20, bbox: rleToBbox(rle), iscrowd: 0 },
          { id: 2, image_id: 7, category_id: 1, segmentation: [[10, 6, 15, 6, 15, 10, 10, 10]], area: 20, bbox: [10, 6, 5, 4], iscrowd: 0 },
          {
            id: 3,
            image_id: 7,
            category_id: 1,
            segmentation: { size: [20, 30], counts: Array.from(rle.counts) },
            area: 20,
            bbox: rleToSa1bBbox(rle),
            iscrowd: 1,
          },
        ],
      }),
    )
    const lines = await inspectFile(file)
    expect(lines[0]?.problems).toEqual([])
    expect(lines[1]).toMatchObject({ area_decoded: 20, coco_bbox: [10, 6, 5, 4], reencode_identical: null, problems: [] })
    expect(lines[2]?.problems).toEqual(["bbox follows the SA-1B (inclusive, one pixel short) convention, not this file's"])
  })

  it('says what is wrong with a file that is not JSON or not an annotation file', async () => {
    const broken = join(dir, 'broken.json')
    await writeFile(broken, '{"image": ')
    expect((await inspectFile(broken))[0]?.problems[0]).toMatch(/^cannot read the file as JSON/)
    const other = join(dir, 'other.json')
    await writeFile(other, '{"hello": 1}')
    expect((await inspectFile(other))[0]?.problems[0]).toMatch(/not an SA-1B file/)
  })

  const fixture = sharedFixture('sa1b/sa_226381.json', 'tessera inspect on the real SA-1B file')
  it.skipIf(fixture === null)('finds the real SA-1B file consistent, with 6 of 113 points outside their masks as notes', async () => {
    const lines = await inspectFile(fixture as string)
    expect(lines).toHaveLength(113)
    expect(lines.every((line) => line.reencode_identical === true)).toBe(true)
    const summary = summarise(lines, 1)
    expect(summary.errors).toBe(0)
    expect(summary.byProblem).toEqual({ 'point_coords lie outside the mask': 6 })
  })
})
