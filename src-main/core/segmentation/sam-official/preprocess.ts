/**
 * Official SAM ViT-B/L/H (and MobileSAM) image preprocessing, as done by segment-anything's
 * `ResizeLongestSide.apply_image` + `Sam.preprocess`:
 *
 * 1. resize so the long side is 1024, with PIL's BILINEAR filter on uint8 RGB (antialiased when shrinking);
 * 2. normalise each channel with SAM's mean/std on the 0–255 scale, in float32;
 * 3. pad right and bottom with 0 (in normalised space, i.e. the mean colour) to 1024×1024;
 * 4. lay out as float32 NCHW [1, 3, 1024, 1024].
 *
 * The resize reproduces Pillow's `ImagingResample` for 8-bit images: a separable triangle filter whose
 * support widens with the reduction factor, coefficients converted to 22-bit fixed point, a horizontal
 * pass into a uint8 buffer, then a vertical pass, each rounding half up and clipping to 0–255. It matches
 * Pillow's integer output exactly (tested against Pillow 9.4 hashes). Doubles carry the coefficient maths
 * just as Pillow's C code does; integer sums stay far below 2^53, so no precision is lost.
 */

/** An 8-bit RGB image, interleaved R,G,B per pixel, rows top to bottom. */
export interface RgbImage {
  readonly data: Uint8Array
  readonly width: number
  readonly height: number
}

/** SAM's encoder input side: the long side is resized to this and the square is padded to it. */
export const SAM_IMAGE_SIZE = 1024
/** Encoder input shape, NCHW. */
export const SAM_ENCODER_INPUT_SHAPE = [1, 3, SAM_IMAGE_SIZE, SAM_IMAGE_SIZE] as const
/** Per-channel mean and std in RGB order on the 0–255 scale (`Sam.pixel_mean`, `Sam.pixel_std`). */
export const SAM_PIXEL_MEAN = [123.675, 116.28, 103.53] as const
export const SAM_PIXEL_STD = [58.395, 57.12, 57.375] as const

export interface ImageSize {
  readonly width: number
  readonly height: number
}

/**
 * The size after resizing the long side to `longSide` (`get_preprocess_shape`): scale = longSide / max(H, W),
 * newH = floor(H·scale + 0.5), newW = floor(W·scale + 0.5), in double precision.
 * Examples (H×W): 1500×2250 → 683×1024, 480×640 → 768×1024, 1080×1920 → 576×1024, 1×3 → 341×1024.
 */
export function samResizedSize(size: ImageSize, longSide = SAM_IMAGE_SIZE): ImageSize {
  assertPositiveSize(size)
  const scale = longSide / Math.max(size.width, size.height)
  return {
    width: Math.floor(size.width * scale + 0.5),
    height: Math.floor(size.height * scale + 0.5),
  }
}

function assertPositiveSize(size: ImageSize): void {
  if (!Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 1 || size.height < 1) {
    throw new RangeError(`image size must be positive integers, got ${size.width}×${size.height}`)
  }
}

function assertRgb(image: RgbImage): void {
  assertPositiveSize(image)
  if (image.data.length !== image.width * image.height * 3) {
    throw new RangeError(`RGB image ${image.width}×${image.height} needs ${image.width * image.height * 3} bytes, got ${image.data.length}`)
  }
}

/** Pillow: `PRECISION_BITS = 32 - 8 - 2`, fixed-point bits of the 8-bit resampling coefficients. */
const PRECISION_BITS = 22
const FIXED_ONE = 1 << PRECISION_BITS
const FIXED_HALF = 1 << (PRECISION_BITS - 1)

/** Triangle filter of PIL's BILINEAR, support 1. */
function triangle(x: number): number {
  const a = Math.abs(x)
  return a < 1 ? 1 - a : 0
}

interface ResampleTaps {
  /** First source index of each output sample. */
  readonly start: Int32Array
  /** Number of taps of each output sample. */
  readonly count: Int32Array
  /** Fixed-point weights, `ksize` per output sample. */
  readonly weights: Int32Array
  readonly ksize: number
}

/**
 * Pillow's `precompute_coeffs` for the triangle filter followed by `normalize_coeffs_8bpc`.
 * `(int)` casts in C truncate toward zero, hence Math.trunc.
 */
function resampleTaps(inSize: number, outSize: number): ResampleTaps {
  const scale = inSize / outSize
  const filterScale = Math.max(scale, 1)
  const support = 1 * filterScale
  const ksize = Math.ceil(support) * 2 + 1
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights = new Int32Array(outSize * ksize)
  const k = new Float64Array(ksize)
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale
    const ss = 1 / filterScale
    const xmin = Math.max(0, Math.trunc(center - support + 0.5))
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin
    let ww = 0
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) * ss)
      k[x] = w
      ww += w
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? (k[x] as number) / ww : (k[x] as number)
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * FIXED_ONE) : Math.trunc(0.5 + w * FIXED_ONE)
    }
    start[xx] = xmin
    count[xx] = Math.max(0, xmax)
  }
  return { start, count, weights, ksize }
}

/** Pillow's `clip8`: arithmetic shift out the fraction, clamp to 0–255. */
function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS
  return v < 0 ? 0 : v > 255 ? 255 : v
}

/**
 * Resizes 8-bit RGB exactly like Pillow's `Image.resize(size, Image.BILINEAR)` (no `reducing_gap`,
 * which is how torchvision calls it). Shrinking is antialiased: the triangle filter is stretched by the
 * reduction factor. A pass is skipped when its axis keeps its size, as in Pillow.
 */
export function resizeRgbBilinearPil(image: RgbImage, width: number, height: number): RgbImage {
  assertRgb(image)
  assertPositiveSize({ width, height })
  const { width: inW, height: inH } = image
  const needHorizontal = width !== inW
  const needVertical = height !== inH
  if (!needHorizontal && !needVertical) return { data: image.data.slice(), width, height }

  const vert = resampleTaps(inH, height)
  // Rows the vertical pass reads; the horizontal pass only needs those.
  const firstRow = vert.start[0] as number
  const lastRow = (vert.start[height - 1] as number) + (vert.count[height - 1] as number)

  let src = image.data
  let srcW = inW
  let rowOffset = 0
  if (needHorizontal) {
    const horiz = resampleTaps(inW, width)
    const rows = lastRow - firstRow
    const tmp = new Uint8Array(rows * width * 3)
    for (let y = 0; y < rows; y++) {
      const inRow = (y + firstRow) * inW * 3
      const outRow = y * width * 3
      for (let xx = 0; xx < width; xx++) {
        const xmin = horiz.start[xx] as number
        const n = horiz.count[xx] as number
        const kOff = xx * horiz.ksize
        let r = FIXED_HALF
        let g = FIXED_HALF
        let b = FIXED_HALF
        for (let x = 0; x < n; x++) {
          const w = horiz.weights[kOff + x] as number
          const p = inRow + (xmin + x) * 3
          r += (src[p] as number) * w
          g += (src[p + 1] as number) * w
          b += (src[p + 2] as number) * w
        }
        const o = outRow + xx * 3
        tmp[o] = clip8(r)
        tmp[o + 1] = clip8(g)
        tmp[o + 2] = clip8(b)
      }
    }
    src = tmp
    srcW = width
    rowOffset = firstRow
  }
  if (!needVertical) return { data: src, width, height }

  const out = new Uint8Array(width * height * 3)
  const rowStride = srcW * 3
  for (let yy = 0; yy < height; yy++) {
    const ymin = (vert.start[yy] as number) - rowOffset
    const n = vert.count[yy] as number
    const kOff = yy * vert.ksize
    const outRow = yy * width * 3
    for (let i = 0; i < width * 3; i++) {
      let acc = FIXED_HALF
      for (let y = 0; y < n; y++) acc += (src[(ymin + y) * rowStride + i] as number) * (vert.weights[kOff + y] as number)
      out[outRow + i] = clip8(acc)
    }
  }
  return { data: out, width, height }
}

export interface SamEncoderInput {
  /** float32 NCHW [1, 3, 1024, 1024], normalised, zero-padded right and bottom. 12 MiB. */
  readonly tensor: Float32Array
  readonly dims: typeof SAM_ENCODER_INPUT_SHAPE
  /** Size of the resized image inside the padded square (the h′×w′ the decoder crops to). */
  readonly resized: ImageSize
  /** Size of the image that was given, which is `orig_im_size` for the decoder. */
  readonly original: ImageSize
}

/**
 * Full official preprocessing of an RGB image for SAM ViT-B/L/H and MobileSAM encoders that take
 * `input_image` float32 [1,3,1024,1024] (the form without built-in preprocessing).
 *
 * Normalisation mirrors PyTorch's float32 arithmetic: (uint8 − mean) then ÷ std, each rounded to float32.
 */
export function preprocessSamImage(image: RgbImage): SamEncoderInput {
  assertRgb(image)
  const resized = samResizedSize(image)
  const small = resizeRgbBilinearPil(image, resized.width, resized.height)
  const plane = SAM_IMAGE_SIZE * SAM_IMAGE_SIZE
  // Zero-initialised, so the padding is already 0 in normalised space (= the mean colour).
  const tensor = new Float32Array(3 * plane)
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(SAM_PIXEL_MEAN[c] as number)
    const std = Math.fround(SAM_PIXEL_STD[c] as number)
    // Lookup table: 256 possible values per channel.
    const lut = new Float32Array(256)
    for (let v = 0; v < 256; v++) lut[v] = Math.fround(Math.fround(v - mean) / std)
    const base = c * plane
    for (let y = 0; y < resized.height; y++) {
      const inRow = y * resized.width * 3 + c
      const outRow = base + y * SAM_IMAGE_SIZE
      for (let x = 0; x < resized.width; x++) tensor[outRow + x] = lut[small.data[inRow + x * 3] as number] as number
    }
  }
  return {
    tensor,
    dims: SAM_ENCODER_INPUT_SHAPE,
    resized,
    original: { width: image.width, height: image.height },
  }
}
