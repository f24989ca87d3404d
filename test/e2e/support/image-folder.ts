/** A folder of generated photos-like images (synthetic scenes) plus chosen corrupt files. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { generateScene } from '../../../src-main/core/demo/synthetic-scene'

export async function makeImageFolder(dir: string, count: number): Promise<string[]> {
  const names: string[] = []
  for (let index = 0; index < count; index++) {
    const width = 240 + (index % 5) * 40
    const height = 180 + (index % 3) * 40
    const scene = generateScene(500 + index, width, height, 4)
    const sub = index % 10 === 9 ? 'nested' : '.'
    await mkdir(join(dir, sub), { recursive: true })
    const name = join(sub, `img-${String(index).padStart(3, '0')}.${index % 4 === 3 ? 'png' : 'jpg'}`).replace(/^\.\//, '')
    const pipeline = sharp(scene.rgb, { raw: { width, height, channels: 3 } })
    await writeFile(join(dir, name), await (name.endsWith('.png') ? pipeline.png() : pipeline.jpeg({ quality: 85 })).toBuffer())
    names.push(name)
  }
  return names
}

/** Three kinds of bad file: truncated JPEG, empty file, text named as an image. */
export async function addCorruptFiles(dir: string): Promise<string[]> {
  const good = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#884422' } })
    .jpeg()
    .toBuffer()
  await writeFile(join(dir, 'broken-truncated.jpg'), good.subarray(0, Math.floor(good.length / 3)))
  await writeFile(join(dir, 'broken-empty.png'), Buffer.alloc(0))
  await writeFile(join(dir, 'broken-text.webp'), 'this is not an image\n')
  return ['broken-empty.png', 'broken-text.webp', 'broken-truncated.jpg']
}
