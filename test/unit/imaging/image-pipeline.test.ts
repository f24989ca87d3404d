import { createHash } from 'node:crypto'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fitWithin,
  ImageDecodeError,
  processImageBytes,
  processImageFile,
  THUMBNAIL_MAX_SIDE,
} from '../../../src-main/core/imaging/image-pipeline'
import { encodePicture, makeTempDir, orientedJpeg, truncatedJpeg, writeFiles, type ImageFormat } from '../../support/make-images'

async function rawOf(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true })
  const at = (fx: number, fy: number) => {
    const x = Math.min(info.width - 1, Math.floor(fx * info.width))
    const y = Math.min(info.height - 1, Math.floor(fy * info.height))
    const i = (y * info.width + x) * info.channels
    return [data[i] as number, data[i + 1] as number, data[i + 2] as number]
  }
  return { info, at }
}

/** The test pictures are red in their top-left quadrant. */
function isRed([r, g, b]: number[]): boolean {
  return (r as number) > 180 && (g as number) < 70 && (b as number) < 70
}

async function decodeError(promise: Promise<unknown>): Promise<ImageDecodeError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError)
    return error as ImageDecodeError
  }
  throw new Error('expected an ImageDecodeError')
}

describe('fitWithin', () => {
  it('never enlarges and fits the longest side to maxSide, rounding half up', () => {
    expect(fitWithin(100, 50, 200)).toEqual({ width: 100, height: 50 })
    expect(fitWithin(3000, 2000, 1500)).toEqual({ width: 1500, height: 1000 })
    expect(fitWithin(2000, 3000, 1500)).toEqual({ width: 1000, height: 1500 })
    expect(fitWithin(1001, 3, 500)).toEqual({ width: 500, height: 1 }) // 1.4985 → 1
    expect(fitWithin(1000, 1, 10)).toEqual({ width: 10, height: 1 }) // never 0
    expect(fitWithin(300, 101, 200)).toEqual({ width: 200, height: 67 }) // 67.33
    expect(fitWithin(400, 101, 200)).toEqual({ width: 200, height: 51 }) // 50.5 rounds up
  })
})

describe('processImageBytes', () => {
  const formats: ImageFormat[] = ['jpeg', 'png', 'webp', 'tiff', 'bmp']

  for (const format of formats) {
    it(`reads ${format}: sizes, hash, annotation copy and thumbnail with the right pixels`, async () => {
      const bytes = await encodePicture(format, { width: 300, height: 200, seed: 3 })
      const image = await processImageBytes(bytes, 256)
      expect(image.contentHash).toBe(createHash('sha256').update(bytes).digest('hex'))
      expect([image.width, image.height, image.orientation]).toEqual([300, 200, 1])
      expect([image.annotationWidth, image.annotationHeight]).toEqual([256, 171])

      const annotation = await rawOf(image.annotationJpeg)
      expect([annotation.info.width, annotation.info.height, annotation.info.channels]).toEqual([256, 171, 3])
      expect(isRed(annotation.at(0.1, 0.1)), `top-left of ${format}`).toBe(true)
      expect(isRed(annotation.at(0.9, 0.9)), `bottom-right of ${format}`).toBe(false)
      expect(isRed(annotation.at(0.1, 0.9)), `bottom-left of ${format}`).toBe(false)

      const thumb = await rawOf(image.thumbnailJpeg)
      expect(Math.max(thumb.info.width, thumb.info.height)).toBeLessThanOrEqual(THUMBNAIL_MAX_SIDE)
      expect(isRed(thumb.at(0.1, 0.1))).toBe(true)
    })
  }

  it('keeps a small image at its own size', async () => {
    const image = await processImageBytes(await encodePicture('png', { width: 64, height: 40, seed: 1 }), 1500)
    expect([image.annotationWidth, image.annotationHeight]).toEqual([64, 40])
    expect((await sharp(image.thumbnailJpeg).metadata()).width).toBe(64)
  })

  it('uses an upright JPEG that already fits as its own annotation copy, byte for byte', async () => {
    const bytes = await encodePicture('jpeg', { width: 600, height: 300, seed: 4 })
    const image = await processImageBytes(bytes, 1500)
    expect(image.annotationJpeg.equals(bytes)).toBe(true)
    expect([image.annotationWidth, image.annotationHeight]).toEqual([600, 300])
    const thumb = await rawOf(image.thumbnailJpeg)
    expect([thumb.info.width, thumb.info.height]).toEqual([256, 128])
    expect(isRed(thumb.at(0.1, 0.1))).toBe(true)
    // Too large, or rotated by EXIF: re-encoded at the annotation size.
    expect((await processImageBytes(bytes, 300)).annotationJpeg.equals(bytes)).toBe(false)
    const rotated = await orientedJpeg({ width: 60, height: 40, seed: 4 }, 8)
    expect((await processImageBytes(rotated, 1500)).annotationJpeg.equals(rotated)).toBe(false)
  })

  it('applies EXIF orientation 6: the stored size is swapped and the picture turned clockwise', async () => {
    const bytes = await orientedJpeg({ width: 120, height: 80, seed: 2 }, 6)
    const stored = await sharp(bytes).metadata()
    expect([stored.width, stored.height, stored.orientation]).toEqual([120, 80, 6])

    const image = await processImageBytes(bytes, 60)
    expect([image.width, image.height, image.orientation]).toEqual([80, 120, 6])
    expect([image.annotationWidth, image.annotationHeight]).toEqual([40, 60])
    const annotation = await rawOf(image.annotationJpeg)
    expect([annotation.info.width, annotation.info.height]).toEqual([40, 60])
    // The stored top-left (red) is shown top-right after a quarter turn clockwise.
    expect(isRed(annotation.at(0.8, 0.2))).toBe(true)
    expect(isRed(annotation.at(0.2, 0.2))).toBe(false)
    const thumb = await sharp(image.thumbnailJpeg).metadata()
    expect([thumb.width, thumb.height]).toEqual([40, 60])
  })

  it('makes three-channel sRGB copies of grey, transparent, 16-bit and CMYK pictures', async () => {
    const solid = (channels: 3 | 4) =>
      sharp({ create: { width: 50, height: 30, channels, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } })
    const inputs = {
      greyPng: await solid(3).greyscale().png().toBuffer(),
      greyJpeg: await solid(3).greyscale().jpeg().toBuffer(),
      transparentPng: await solid(4).png().toBuffer(),
      png16: await solid(3).toColourspace('rgb16').png().toBuffer(),
      cmykJpeg: await solid(3).toColourspace('cmyk').jpeg().toBuffer(),
    }
    expect((await sharp(inputs.cmykJpeg).metadata()).space).toBe('cmyk')
    for (const [name, bytes] of Object.entries(inputs)) {
      const image = await processImageBytes(bytes, 1500)
      const copy = await sharp(image.annotationJpeg).metadata()
      expect([copy.format, copy.space, copy.channels, copy.width, copy.height], name).toEqual(['jpeg', 'srgb', 3, 50, 30])
    }
  })

  it('names what is wrong with files that are not readable images', async () => {
    expect((await decodeError(processImageBytes(Buffer.from('just some text, named .png'), 1500))).reason).toMatch(
      /not an image in a format Tessera reads/,
    )
    expect((await decodeError(processImageBytes(await truncatedJpeg({ width: 200, height: 150, seed: 1 }), 1500))).reason).toMatch(
      /cut off/,
    )
    const bmp = await encodePicture('bmp', { width: 40, height: 40, seed: 1 })
    expect((await decodeError(processImageBytes(bmp.subarray(0, 200), 1500))).reason).toMatch(/BMP/)
  })

  it('calls cut-off JPEGs and PNGs cut off even while other decodes run alongside', async () => {
    const png = await encodePicture('png', { width: 200, height: 150, seed: 2 })
    const broken = [await truncatedJpeg({ width: 200, height: 150, seed: 1 }), png.subarray(0, png.length - 40)]
    const fine = await Promise.all([3, 4, 5, 6].map((seed) => encodePicture('jpeg', { width: 400, height: 300, seed })))
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled([...broken, ...fine, ...broken].map((bytes) => processImageBytes(bytes, 256)))
      const reasons = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as ImageDecodeError).reason] : []))
      expect(reasons).toHaveLength(4)
      for (const reason of reasons) expect(reason).toMatch(/cut off/)
    }
  })
})

describe('processImageFile', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await makeTempDir('pipeline'))
    await writeFiles(dir, { 'empty.jpg': new Uint8Array(0), 'ok.webp': await encodePicture('webp', { width: 30, height: 20, seed: 5 }) })
  })
  afterAll(async () => cleanup())

  it('reads a file from disk', async () => {
    const image = await processImageFile(join(dir, 'ok.webp'), 1500)
    expect([image.width, image.height]).toEqual([30, 20])
  })

  it('reports an empty file and a missing file specifically', async () => {
    expect((await decodeError(processImageFile(join(dir, 'empty.jpg'), 1500))).reason).toBe('the file is empty')
    expect((await decodeError(processImageFile(join(dir, 'gone.jpg'), 1500))).reason).toMatch(/cannot read the file \(ENOENT\)/)
  })
})
