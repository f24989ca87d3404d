/**
 * Decoding one image file with sharp: content hash, EXIF orientation, original (oriented) size,
 * the annotation-size copy and the grid thumbnail. The file is decoded once; both outputs are
 * made from the oriented annotation-size raw pixels.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { decode as decodeBmp } from 'bmp-ts'
import sharp, { type Sharp } from 'sharp'

/** Longest side of a grid thumbnail, in pixels. */
export const THUMBNAIL_MAX_SIDE = 256
/** JPEG quality of the annotation copy; high, since people judge mask edges against it (4:2:0 chroma: 4:4:4 costs 2× the encode time). */
const ANNOTATION_JPEG_QUALITY = 92
const THUMBNAIL_JPEG_QUALITY = 80
/** Refuse images above this many pixels (about 16k × 16k) instead of exhausting memory. */
const MAX_INPUT_PIXELS = 268_402_689

export interface ProcessedImage {
  contentHash: string
  /** Size after EXIF orientation, in pixels. */
  width: number
  height: number
  orientation: number
  annotationWidth: number
  annotationHeight: number
  annotationJpeg: Buffer
  thumbnailJpeg: Buffer
}

/** Thrown for files that are not readable images; `reason` is shown to the person. */
export class ImageDecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'ImageDecodeError'
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Size that fits `maxSide` on the longest side, never enlarging; rounding as SAM's resize rule. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const longest = Math.max(width, height)
  if (longest <= maxSide) return { width, height }
  const scale = maxSide / longest
  return { width: Math.max(1, Math.floor(width * scale + 0.5)), height: Math.max(1, Math.floor(height * scale + 0.5)) }
}

export async function processImageFile(absPath: string, annotationMaxSide: number): Promise<ProcessedImage> {
  let bytes: Buffer
  try {
    bytes = await readFile(absPath)
  } catch (error) {
    throw new ImageDecodeError(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  if (bytes.length === 0) throw new ImageDecodeError('the file is empty')
  return processImageBytes(bytes, annotationMaxSide)
}

export async function processImageBytes(bytes: Buffer, annotationMaxSide: number): Promise<ProcessedImage> {
  const contentHash = sha256Hex(bytes)
  try {
    // failOn 'truncated' rejects cut-off JPEGs/PNGs instead of silently padding them grey.
    const input = openWithSharp(bytes)
    const meta = await input.metadata()
    if (!meta.width || !meta.height) throw new ImageDecodeError('the image has no size')
    const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1
    const swapsAxes = orientation >= 5
    const width = swapsAxes ? meta.height : meta.width
    const height = swapsAxes ? meta.width : meta.height
    const annotation = fitWithin(width, height, annotationMaxSide)
    const thumbSize = fitWithin(annotation.width, annotation.height, THUMBNAIL_MAX_SIDE)
    // (Only for 3-channel sRGB files: a CMYK or grey JPEG still needs converting like every other copy.)
    const upright = meta.format === 'jpeg' && meta.space === 'srgb' && meta.channels === 3 && orientation === 1
    if (upright && annotation.width === width && annotation.height === height) {
      // Already an upright JPEG at annotation size: the original bytes are the annotation copy
      // (no generation loss), and the thumbnail decodes at reduced scale (JPEG shrink-on-load).
      const thumbnailJpeg = await input
        .resize(thumbSize.width, thumbSize.height, { fit: 'fill' })
        .removeAlpha()
        .toColourspace('srgb')
        .jpeg({ quality: THUMBNAIL_JPEG_QUALITY })
        .toBuffer()
      return {
        contentHash,
        width,
        height,
        orientation,
        annotationWidth: width,
        annotationHeight: height,
        annotationJpeg: bytes,
        thumbnailJpeg,
      }
    }
    const { data, info } = await input
      .rotate() // applies EXIF orientation
      .resize(annotation.width, annotation.height, { fit: 'fill', kernel: 'lanczos3' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true })
    const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const
    const [annotationJpeg, thumbnailJpeg] = await Promise.all([
      sharp(data, raw).jpeg({ quality: ANNOTATION_JPEG_QUALITY }).toBuffer(),
      sharp(data, raw).resize(thumbSize.width, thumbSize.height, { fit: 'fill' }).jpeg({ quality: THUMBNAIL_JPEG_QUALITY }).toBuffer(),
    ])
    return {
      contentHash,
      width,
      height,
      orientation,
      annotationWidth: info.width,
      annotationHeight: info.height,
      annotationJpeg,
      thumbnailJpeg,
    }
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error
    throw new ImageDecodeError(endsEarly(bytes) ? TRUNCATED : describeSharpError((error as Error).message))
  }
}

/**
 * The original file upright (EXIF orientation applied), in its own format: what an export at the
 * original frame writes beside masks, which are made on the upright image. A file with no rotation
 * to apply comes back byte for byte; a rotated one is re-encoded once, JPEG at quality 95 with full
 * chroma (a generation loss far below the annotation copy's), PNG, TIFF and WebP losslessly.
 */
export async function uprightOriginal(bytes: Buffer): Promise<Buffer> {
  // BMP (decoded apart) has no EXIF orientation: it is upright as stored.
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return bytes
  const input = openWithSharp(bytes)
  const meta = await input.metadata()
  if (!meta.orientation || meta.orientation === 1) return bytes
  const upright = input.rotate()
  if (meta.format === 'jpeg') return upright.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()
  if (meta.format === 'webp') return upright.webp({ lossless: true }).toBuffer()
  if (meta.format === 'png' || meta.format === 'tiff') return upright.toFormat(meta.format).toBuffer()
  throw new ImageDecodeError(`cannot write a rotated ${meta.format ?? 'unknown'} image`)
}

/** libvips reads every supported format but BMP; BMP is decoded by bmp-ts into raw RGBA first. */
function openWithSharp(bytes: Buffer): Sharp {
  const options = { failOn: 'truncated', limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true } as const
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) return sharp(bytes, options) // not "BM"
  let decoded
  try {
    decoded = decodeBmp(bytes, { toRGBA: true })
  } catch (error) {
    throw new ImageDecodeError(`the BMP file cannot be decoded: ${(error as Error).message}`)
  }
  const { width, height, data } = decoded
  if (!width || !height || data.length < width * Math.abs(height) * 4) {
    throw new ImageDecodeError('the BMP file is cut off or has no pixels')
  }
  // 24-bit files (and 32-bit ones without an alpha mask) decode with alpha 0 everywhere. Taken
  // literally, the resize (which premultiplies by alpha) would turn the whole picture black.
  let alphaUnused = true
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 0) {
      alphaUnused = false
      break
    }
  }
  if (alphaUnused) for (let i = 3; i < data.length; i += 4) data[i] = 255
  return sharp(data, { raw: { width, height: Math.abs(height), channels: 4 }, limitInputPixels: MAX_INPUT_PIXELS })
}

const TRUNCATED = 'the image data is cut off or corrupt (truncated file?)'
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/**
 * A JPEG without its end-of-image marker, or a PNG without its IEND chunk, was cut off. Checked on
 * the bytes because libvips' error text is process-wide: with several decodes in flight a failed
 * one may only say "Unknown error".
 */
function endsEarly(bytes: Buffer): boolean {
  const n = bytes.length
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return !(bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9)
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return bytes.subarray(n - 12, n - 8).toString('latin1') !== 'IEND'
  return false
}

/** libvips repeats itself across lines; people need one specific sentence. */
function describeSharpError(message: string): string {
  if (/unsupported image format/i.test(message)) return 'not an image in a format Tessera reads (jpg, png, webp, bmp, tiff)'
  if (/premature end|truncated|unexpected end|corrupt/i.test(message)) return TRUNCATED
  if (/pixel limit/i.test(message)) return 'the image is larger than 268 megapixels'
  const firstLine = message.split('\n')[0]?.slice(0, 200) ?? message
  return `the image cannot be decoded: ${firstLine}`
}
