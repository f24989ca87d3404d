import { describe, expect, it } from 'vitest'
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  assertRgbImage,
  rgb01NchwInput,
  sam2Input,
  samHwcResizedInput,
  samNchwInput,
} from '../../../src-main/core/segmentation/variants/encoder-inputs'
import { preprocessSamImage, resizeRgbBilinearPil } from '../../../src-main/core/segmentation/sam-official/preprocess'
import { isSegmentationError } from '../../../src-main/core/segmentation/errors'
import type { TensorData } from '../../../src-main/core/segmentation/variants'
import { testPattern } from './test-pattern'

/**
 * torchvision's antialiased bilinear resize written out per output pixel (weights from the triangle
 * filter widened by the reduction factor, normalised), vertical pass first: the opposite order to the code.
 */
function referenceAntialias(src: Float64Array, w: number, h: number, ow: number, oh: number): Float64Array {
  const weights = (inSize: number, outSize: number, o: number): [number, number[]] => {
    const scale = inSize / outSize
    const support = Math.max(scale, 1)
    const center = (o + 0.5) * scale
    const xmin = Math.max(0, Math.trunc(center - support + 0.5))
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5))
    const ws: number[] = []
    for (let j = xmin; j < xmax; j++) ws.push(Math.max(0, 1 - Math.abs((j - center + 0.5) / support)))
    const total = ws.reduce((a, b) => a + b, 0)
    return [xmin, ws.map((v) => v / total)]
  }
  const mid = new Float64Array(w * oh)
  for (let y = 0; y < oh; y++) {
    const [y0, wy] = weights(h, oh, y)
    for (let x = 0; x < w; x++) mid[y * w + x] = wy.reduce((acc, k, j) => acc + k * (src[(y0 + j) * w + x] as number), 0)
  }
  const out = new Float64Array(ow * oh)
  for (let x = 0; x < ow; x++) {
    const [x0, wx] = weights(w, ow, x)
    for (let y = 0; y < oh; y++) out[y * ow + x] = wx.reduce((acc, k, j) => acc + k * (mid[y * w + x0 + j] as number), 0)
  }
  return out
}

function floats(t: TensorData): Float32Array {
  if (t.type !== 'float32') throw new Error('expected float32')
  return t.data
}

/** Exact equality (vitest's deep equality is slow on millions of elements). */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
  )
}

describe('sam2Input', () => {
  it.each([
    [90, 60, 32],
    [50, 70, 32],
    [20, 13, 32],
  ])('stretches %i×%i to a square with antialiased bilinear, ÷255 and ImageNet mean/std', (w, h, size) => {
    const image = testPattern(w, h)
    const t = sam2Input(image, size)
    expect(t.dims).toEqual([1, 3, size, size])
    const data = floats(t)
    for (let c = 0; c < 3; c++) {
      const plane = new Float64Array(w * h)
      for (let i = 0; i < w * h; i++) plane[i] = (image.data[i * 3 + c] as number) / 255
      const ref = referenceAntialias(plane, w, h, size, size)
      let maxDiff = 0
      for (let i = 0; i < size * size; i++) {
        const expected = ((ref[i] as number) - (IMAGENET_MEAN[c] as number)) / (IMAGENET_STD[c] as number)
        maxDiff = Math.max(maxDiff, Math.abs((data[c * size * size + i] as number) - expected))
      }
      expect(maxDiff).toBeLessThan(1e-5)
    }
  })

  it('keeps a flat image flat (weights sum to 1, no padding anywhere)', () => {
    const image = { data: new Uint8Array(300 * 7 * 3).fill(200), width: 300, height: 7 }
    const data = floats(sam2Input(image))
    const expected = (200 / 255 - 0.485) / 0.229
    expect(data.subarray(0, 1024 * 1024).every((v) => Math.abs(v - expected) < 1e-5)).toBe(true)
  })
})

describe('other encoder inputs', () => {
  it('samNchwInput is sam-official preprocessing; samHwcResizedInput is the PIL-resized image in 0–255, [h,w,3]', () => {
    const image = testPattern(150, 100)
    expect(sameFloats(floats(samNchwInput(image)), preprocessSamImage(image).tensor)).toBe(true)
    const hwc = samHwcResizedInput(image)
    expect(hwc.dims).toEqual([683, 1024, 3])
    expect(sameFloats(floats(hwc), Float32Array.from(resizeRgbBilinearPil(image, 1024, 683).data))).toBe(true)
  })

  it('rgb01NchwInput is planar RGB ÷ 255 at the original size', () => {
    const image = testPattern(5, 3)
    const t = rgb01NchwInput(image)
    expect(t.dims).toEqual([1, 3, 3, 5])
    const data = floats(t)
    for (let i = 0; i < 15; i++)
      for (let c = 0; c < 3; c++) expect(data[c * 15 + i]).toBeCloseTo((image.data[i * 3 + c] as number) / 255, 7)
  })

  it('assertRgbImage reports malformed images as invalid_image', () => {
    for (const image of [
      { data: new Uint8Array(5), width: 2, height: 2 },
      { data: new Uint8Array(0), width: 0, height: 0 },
      { data: new Uint8Array(6), width: 2.5, height: 1 },
    ]) {
      let error: unknown
      try {
        assertRgbImage(image)
      } catch (e) {
        error = e
      }
      expect(isSegmentationError(error, 'invalid_image')).toBe(true)
    }
  })
})
