/**
 * Real image files for import tests: small JPEG/PNG/WebP/TIFF/BMP pictures with distinct content
 * (so every file has its own content hash), EXIF-rotated JPEGs and broken files, written into a
 * temporary folder that the test removes again.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { encode as encodeBmp } from 'bmp-ts'
import sharp from 'sharp'

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp'

export interface PictureOptions {
  width: number
  height: number
  /** Changes the pattern, and with it the bytes and content hash. */
  seed: number
}

/**
 * Interleaved RGB of a picture whose top-left quadrant is red, the rest a seeded gradient, so
 * orientation and channel order can be checked in the output.
 */
export function pictureRgb({ width, height, seed }: PictureOptions): Buffer {
  const rgb = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      if (x < width / 2 && y < height / 2) {
        rgb[i] = 230
        rgb[i + 1] = 20
        rgb[i + 2] = 20
      } else {
        rgb[i] = (seed * 37 + x) % 200
        rgb[i + 1] = (seed * 91 + y) % 200
        rgb[i + 2] = 120 + ((seed * 13) % 100)
      }
    }
  }
  return rgb
}

/** Encodes the picture of `options` in `format`. */
export async function encodePicture(format: ImageFormat, options: PictureOptions): Promise<Buffer> {
  const rgb = pictureRgb(options)
  const { width, height } = options
  if (format === 'bmp') {
    // bmp-ts takes ABGR, 4 bytes per pixel, and writes a 24-bit file.
    const abgr = Buffer.alloc(width * height * 4)
    for (let p = 0; p < width * height; p++) {
      abgr[p * 4] = 255
      abgr[p * 4 + 1] = rgb[p * 3 + 2] as number
      abgr[p * 4 + 2] = rgb[p * 3 + 1] as number
      abgr[p * 4 + 3] = rgb[p * 3] as number
    }
    return encodeBmp({ width, height, data: abgr, bitPP: 24 }).data
  }
  const image = sharp(rgb, { raw: { width, height, channels: 3 } })
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality: 90 }).toBuffer()
    case 'png':
      return image.png().toBuffer()
    case 'webp':
      return image.webp({ quality: 90 }).toBuffer()
    case 'tiff':
      return image.tiff().toBuffer()
  }
}

/**
 * A JPEG stored `width`×`height` with EXIF orientation `orientation`: viewers show it rotated,
 * so for orientations 5–8 its displayed size is height×width.
 */
export async function orientedJpeg(options: PictureOptions, orientation: number): Promise<Buffer> {
  const { width, height } = options
  return sharp(pictureRgb(options), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .withMetadata({ orientation })
    .toBuffer()
}

/** The first half of a real JPEG: header intact, scan data cut off. */
export async function truncatedJpeg(options: PictureOptions): Promise<Buffer> {
  const full = await encodePicture('jpeg', options)
  return full.subarray(0, Math.floor(full.length / 2))
}

/** A temporary folder and a function that removes it. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tessera-${prefix}-`))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Writes `files` (relative path → bytes) below `root`, creating subfolders. */
export async function writeFiles(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [relPath, bytes] of Object.entries(files)) {
    const target = join(root, relPath)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, bytes)
  }
}

/** Writes `count` distinct small JPEGs named `prefix-NN.jpg` below `root`; returns their names. */
export async function writeJpegSeries(
  root: string,
  count: number,
  options: { prefix?: string; width?: number; height?: number; firstSeed?: number } = {},
): Promise<string[]> {
  const names: string[] = []
  for (let n = 0; n < count; n++) {
    const name = `${options.prefix ?? 'img'}-${String(n + 1).padStart(2, '0')}.jpg`
    const bytes = await encodePicture('jpeg', {
      width: options.width ?? 64,
      height: options.height ?? 48,
      seed: (options.firstSeed ?? 1) + n,
    })
    await writeFiles(root, { [name]: bytes })
    names.push(name)
  }
  return names
}
