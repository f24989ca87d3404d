/**
 * The bundled demo project: synthetic scenes generated on first use into the data folder (nothing
 * is read from outside the app), with their true masks saved beside them as COCO RLE.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { writeFileAtomic } from '../app/atomic-write'
import { compressRle, encodeMask } from '../masks'
import { generateScene } from './synthetic-scene'

/** (width, height) of each demo scene: landscape, portrait and square, as real folders mix them. */
export const DEMO_SCENE_SIZES: readonly [number, number][] = [
  [1500, 1000],
  [1000, 1500],
  [1200, 900],
  [900, 900],
  [1600, 900],
  [1500, 1000],
  [1024, 768],
  [1400, 1050],
  [800, 1200],
  [1500, 1000],
  [1280, 720],
  [1100, 1100],
]

export const DEMO_GROUND_TRUTH_FILE = 'ground-truth.json'

/** One demo object's true mask (COCO RLE at the scene's size); parts point at the object they belong to. */
export interface DemoTruthObject {
  id: number
  kind: string
  parentId: number | null
  area: number
  segmentation: { size: [number, number]; counts: string }
}

/** `ground-truth.json`: per file name, the scene's size and its objects. */
export type DemoGroundTruth = Record<string, { width: number; height: number; objects: DemoTruthObject[] }>

/** The true masks of the demo images in `imageDir` (tests and benchmarks measure against them). */
export async function readDemoGroundTruth(imageDir: string): Promise<DemoGroundTruth> {
  return JSON.parse(await readFile(join(imageDir, DEMO_GROUND_TRUTH_FILE), 'utf8')) as DemoGroundTruth
}

/** Writes the demo images (once) into `imageDir` and returns the folder. */
export async function ensureDemoImages(imageDir: string): Promise<string> {
  const truthFile = join(imageDir, DEMO_GROUND_TRUTH_FILE)
  if (existsSync(truthFile)) return imageDir
  await mkdir(imageDir, { recursive: true })
  const truth: DemoGroundTruth = {}
  for (const [index, [width, height]] of DEMO_SCENE_SIZES.entries()) {
    const scene = generateScene(1000 + index, width, height, 7 + (index % 4))
    const fileName = `scene-${String(index + 1).padStart(2, '0')}.jpg`
    const jpeg = await sharp(scene.rgb, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 94 })
      .toBuffer()
    await writeFileAtomic(join(imageDir, fileName), jpeg)
    truth[fileName] = {
      width,
      height,
      objects: scene.objects.map((object) => ({
        id: object.id,
        kind: object.kind,
        parentId: object.parentId,
        area: object.area,
        segmentation: compressRle(encodeMask(object.mask, height, width)),
      })),
    }
  }
  // Written last: its presence means the folder is complete.
  await writeFileAtomic(truthFile, JSON.stringify(truth))
  return imageDir
}
