import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_GROUND_TRUTH_FILE, DEMO_SCENE_SIZES, ensureDemoImages } from '../../../src-main/core/demo/demo-project'
import { generateScene } from '../../../src-main/core/demo/synthetic-scene'
import { decodeMask, decompressRle } from '../../../src-main/core/masks'
import { makeTempDir } from '../../support/make-images'

interface Truth {
  width: number
  height: number
  objects: { id: number; kind: string; parentId: number | null; area: number; segmentation: { size: [number, number]; counts: string } }[]
}

describe('ensureDemoImages', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  let truth: Record<string, Truth> = {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await makeTempDir('demo'))
    expect(await ensureDemoImages(join(dir, 'demo-images'))).toBe(join(dir, 'demo-images'))
    truth = JSON.parse(await readFile(join(dir, 'demo-images', DEMO_GROUND_TRUTH_FILE), 'utf8')) as Record<string, Truth>
  })
  afterAll(async () => cleanup())

  it('writes 12 scene JPEGs of the stated sizes, with ground truth for each', async () => {
    expect(DEMO_SCENE_SIZES).toHaveLength(12)
    expect(Object.keys(truth)).toEqual(DEMO_SCENE_SIZES.map((_, i) => `scene-${String(i + 1).padStart(2, '0')}.jpg`))
    for (const [index, [width, height]] of DEMO_SCENE_SIZES.entries()) {
      const name = `scene-${String(index + 1).padStart(2, '0')}.jpg`
      const meta = await sharp(join(dir, 'demo-images', name)).metadata()
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', width, height])
      expect([truth[name]?.width, truth[name]?.height]).toEqual([width, height])
      expect(truth[name]?.objects.length).toBeGreaterThanOrEqual(5)
    }
  })

  it('stores each true mask as a COCO RLE that decodes to the generated mask', () => {
    const index = 3 // 900 × 900
    const [width, height] = DEMO_SCENE_SIZES[index] as [number, number]
    const scene = generateScene(1000 + index, width, height, 7 + (index % 4))
    const stored = truth['scene-04.jpg']
    expect(stored?.objects.map((o) => o.id)).toEqual(scene.objects.map((o) => o.id))
    for (const [i, object] of scene.objects.entries()) {
      const entry = stored?.objects[i]
      expect(entry?.segmentation.size).toEqual([height, width])
      expect(entry?.area).toBe(object.area)
      const mask = decodeMask(decompressRle(entry?.segmentation ?? { size: [0, 0], counts: '' }))
      expect(Buffer.from(mask).equals(Buffer.from(object.mask)), `object ${object.id}`).toBe(true)
    }
  })

  it('does nothing the second time', async () => {
    const file = join(dir, 'demo-images', 'scene-01.jpg')
    const before = (await stat(file)).mtimeMs
    await ensureDemoImages(join(dir, 'demo-images'))
    expect((await stat(file)).mtimeMs).toBe(before)
  })
})
