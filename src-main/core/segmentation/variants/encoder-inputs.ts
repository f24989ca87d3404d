/**
 * Encoder input tensors for each preprocessing rule of sam-reference.md §1. The official SAM rule (PIL
 * bilinear long side 1024, SAM mean/std, zero pad after normalising) lives in sam-official/preprocess.ts
 * and is reused as is for SAM, MobileSAM, EdgeSAM and SAM-HQ.
 */
import { SAM_IMAGE_SIZE, preprocessSamImage, resizeRgbBilinearPil, samResizedSize } from '../sam-official/preprocess'
import type { RgbImage } from '../sam-official/preprocess'
import { SegmentationError } from '../errors'
import type { TensorData } from './types'

export function assertRgbImage(image: RgbImage): void {
  const { width, height, data } = image
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SegmentationError('invalid_image', `image size must be positive integers, got ${width}×${height}`)
  }
  if (data.length !== width * height * 3) {
    throw new SegmentationError('invalid_image', `an RGB image of ${width}×${height} needs ${width * height * 3} bytes, got ${data.length}`)
  }
}

/** float32 [1,3,1024,1024], SAM-normalised and zero-padded (SAM ViT-B/L/H, MobileSAM, EdgeSAM, SAM-HQ). 12 MiB. */
export function samNchwInput(image: RgbImage): TensorData {
  const { tensor, dims } = preprocessSamImage(image)
  return { type: 'float32', data: tensor, dims }
}

/**
 * float32 [h,w,3] RGB 0–255 resized so the long side is 1024 (PIL bilinear), for encoders exported with
 * built-in normalisation and padding (samexporter `--use-preprocess`).
 */
export function samHwcResizedInput(image: RgbImage): TensorData {
  const resized = samResizedSize(image, SAM_IMAGE_SIZE)
  const small = resizeRgbBilinearPil(image, resized.width, resized.height)
  return { type: 'float32', data: Float32Array.from(small.data), dims: [resized.height, resized.width, 3] }
}

/** float32 [1,3,H,W] RGB ÷ 255 at the image's own size (EfficientSAM resizes and normalises in-graph). */
export function rgb01NchwInput(image: RgbImage): TensorData {
  const { width, height, data } = image
  const plane = width * height
  const out = new Float32Array(3 * plane)
  const lut = new Float32Array(256)
  for (let v = 0; v < 256; v++) lut[v] = v / 255
  for (let i = 0; i < plane; i++) {
    out[i] = lut[data[i * 3] as number] as number
    out[plane + i] = lut[data[i * 3 + 1] as number] as number
    out[2 * plane + i] = lut[data[i * 3 + 2] as number] as number
  }
  return { type: 'float32', data: out, dims: [1, 3, height, width] }
}

/** ImageNet mean and std (SAM 2's `SAM2Transforms`, EfficientSAM's in-graph normalisation). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const

interface FloatTaps {
  readonly start: Int32Array
  readonly count: Int32Array
  readonly weights: Float64Array
  readonly ksize: number
}

/**
 * Antialiased bilinear (triangle) taps as in torchvision's tensor resize with antialias=True, which uses
 * Pillow's coefficient rule: support widens with the reduction factor, weights normalised to sum 1, in
 * floating point (no 8-bit fixed point, no rounding between passes).
 */
function antialiasTaps(inSize: number, outSize: number): FloatTaps {
  const scale = inSize / outSize
  const filterScale = Math.max(scale, 1)
  const support = filterScale
  const ksize = Math.ceil(support) * 2 + 1
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights = new Float64Array(outSize * ksize)
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale
    const xmin = Math.max(0, Math.trunc(center - support + 0.5))
    const xsize = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin
    let total = 0
    for (let j = 0; j < xsize; j++) {
      const a = Math.abs((j + xmin - center + 0.5) / filterScale)
      const w = a < 1 ? 1 - a : 0
      weights[o * ksize + j] = w
      total += w
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) weights[o * ksize + j] = (weights[o * ksize + j] as number) / total
    start[o] = xmin
    count[o] = Math.max(0, xsize)
  }
  return { start, count, weights, ksize }
}

/**
 * float32 [1,3,1024,1024] for SAM 2: ToTensor (÷255), Resize((1024, 1024)) — aspect ratio not kept, no
 * padding, antialiased bilinear — then ImageNet mean/std. 12 MiB.
 */
export function sam2Input(image: RgbImage, size = SAM_IMAGE_SIZE): TensorData {
  const { width, height, data } = image
  const xs = antialiasTaps(width, size)
  const ys = antialiasTaps(height, size)
  // Horizontal pass on the rows the vertical pass reads, per channel, in doubles.
  const tmp = new Float64Array(height * size * 3)
  for (let y = 0; y < height; y++) {
    const inRow = y * width * 3
    const outRow = y * size * 3
    for (let x = 0; x < size; x++) {
      const s = xs.start[x] as number
      const n = xs.count[x] as number
      const k = x * xs.ksize
      let r = 0
      let g = 0
      let b = 0
      for (let j = 0; j < n; j++) {
        const w = xs.weights[k + j] as number
        const p = inRow + (s + j) * 3
        r += w * (data[p] as number)
        g += w * (data[p + 1] as number)
        b += w * (data[p + 2] as number)
      }
      const o = outRow + x * 3
      tmp[o] = r
      tmp[o + 1] = g
      tmp[o + 2] = b
    }
  }
  const plane = size * size
  const out = new Float32Array(3 * plane)
  const scale = IMAGENET_STD.map((s) => 1 / (255 * s))
  const offset = IMAGENET_MEAN.map((m, c) => m / (IMAGENET_STD[c] as number))
  for (let y = 0; y < size; y++) {
    const s = ys.start[y] as number
    const n = ys.count[y] as number
    const k = y * ys.ksize
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0
        for (let j = 0; j < n; j++) acc += (ys.weights[k + j] as number) * (tmp[((s + j) * size + x) * 3 + c] as number)
        out[c * plane + y * size + x] = acc * (scale[c] as number) - (offset[c] as number)
      }
    }
  }
  return { type: 'float32', data: out, dims: [1, 3, size, size] }
}
