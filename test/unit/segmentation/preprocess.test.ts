import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  SAM_PIXEL_MEAN,
  SAM_PIXEL_STD,
  preprocessSamImage,
  resizeRgbBilinearPil,
  samResizedSize,
} from '../../../src-main/core/segmentation/sam-official/preprocess'
import { testPattern } from './test-pattern'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const float32Sha = (a: Float32Array): string => sha256(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))

describe('samResizedSize (get_preprocess_shape)', () => {
  it.each([
    [1500, 2250, 683, 1024],
    [480, 640, 768, 1024],
    [1080, 1920, 576, 1024],
    [1, 3, 341, 1024],
    [2250, 1500, 1024, 683],
    [1024, 1024, 1024, 1024],
    [3000, 17, 1024, 6],
  ])('H×W %i×%i → %i×%i', (h, w, nh, nw) => {
    expect(samResizedSize({ width: w, height: h })).toEqual({ width: nw, height: nh })
  })

  it('rejects empty or fractional sizes', () => {
    expect(() => samResizedSize({ width: 0, height: 5 })).toThrow(RangeError)
    expect(() => samResizedSize({ width: 2.5, height: 5 })).toThrow(RangeError)
  })
})

describe('resizeRgbBilinearPil matches Pillow BILINEAR exactly', () => {
  // Literal outputs of Pillow 9.4 `Image.resize((w, h), Image.BILINEAR)` on testPattern.
  it.each([
    [7, 5, 3, 2, [45, 114, 163, 110, 154, 156, 152, 133, 120, 150, 135, 111, 150, 129, 128, 147, 128, 114]],
    [10, 1, 4, 1, [12, 83, 154, 81, 152, 192, 178, 147, 146, 127, 82, 153]],
  ])('%i×%i → %i×%i (shrink, antialiased)', (w, h, nw, nh, expected) => {
    expect(Array.from(resizeRgbBilinearPil(testPattern(w, h), nw, nh).data)).toEqual(expected)
  })

  it('4×3 → 9×5 (enlarge, mixed rounding)', () => {
    const out = resizeRgbBilinearPil(testPattern(4, 3), 9, 5)
    // First row and last three pixels of Pillow's output.
    expect(Array.from(out.data.slice(0, 27))).toEqual([
      0, 71, 142, 1, 72, 143, 4, 75, 146, 8, 79, 150, 18, 89, 160, 27, 98, 169, 42, 113, 184, 57, 128, 199, 63, 134, 205,
    ])
    expect(Array.from(out.data.slice(-9))).toEqual([135, 206, 21, 155, 226, 41, 163, 234, 49])
  })

  // sha256 of Pillow's uint8 output at the SAM target size, for shrinking, enlarging and extreme shapes.
  it.each([
    [2250, 1500, 'c60665fc3b54c35e88227ed2a95c1eceb7d3715f6a88cb8bc1be511c3e8adfd3'],
    [640, 480, '7f5ec9cbcca1ee6a17afe0e112cb77187e3971e7f729769e220ccbab20398016'],
    [37, 23, '685c2ac0483eedfccdeb931025e4088574500890e312c28693ea9740e23d3139'],
    [3, 1, '8ac3b9872274ff55e4038f14bb4e41960b2c8fb7f95929c7baecc18abb895980'],
    [1, 3, 'b2b26680e9cdbe5e4dbcc4913cdd98c92b8ebdf89397abb84dc2dd3d0c7142d7'],
    [17, 3000, 'a5f2c93c4331a80c84e0712bb56882ed58a57daa630e0013263e7e7ceb92ddfd'],
    [1023, 5, 'd18aa16fee42cca0ef9ae3fe73ec2ea0fd99628a48eb40b008edd11a33e97e0d'],
  ])('W×H %i×%i at SAM size', (w, h, expected) => {
    const size = samResizedSize({ width: w, height: h })
    const out = resizeRgbBilinearPil(testPattern(w, h), size.width, size.height)
    expect(out.data.length).toBe(size.width * size.height * 3)
    expect(sha256(out.data)).toBe(expected)
  })

  it('returns a copy when the size does not change', () => {
    const img = testPattern(5, 4)
    const out = resizeRgbBilinearPil(img, 5, 4)
    expect(out.data).toEqual(img.data)
    expect(out.data).not.toBe(img.data)
  })

  it('rejects a buffer of the wrong length', () => {
    expect(() => resizeRgbBilinearPil({ data: new Uint8Array(10), width: 2, height: 2 }, 4, 4)).toThrow(RangeError)
  })
})

describe('preprocessSamImage', () => {
  it('matches numpy float32 normalisation and zero padding (Pillow resize, (x − mean) / std)', () => {
    // sha256 of the little-endian float32 [1,3,1024,1024] tensor built with Pillow + numpy float32.
    const a = preprocessSamImage(testPattern(37, 23))
    expect(a.dims).toEqual([1, 3, 1024, 1024])
    expect(a.resized).toEqual({ width: 1024, height: 637 })
    expect(a.original).toEqual({ width: 37, height: 23 })
    expect(float32Sha(a.tensor)).toBe('1bc548320fef31e16a341fcf3b8d0ca2803b56fb3aa458fd7f80c520b253c925')
    const b = preprocessSamImage(testPattern(3, 1))
    expect(float32Sha(b.tensor)).toBe('1919f222517482c674bd1f0942dd698ca404066c267978744723106a408f8236')
  })

  it('lays out RGB planes NCHW, normalised, with 0 in the padding', () => {
    const img = { data: Uint8Array.from([255, 0, 128, 10, 20, 30]), width: 2, height: 1 } // 1×2 → 512×1024
    const { tensor, resized } = preprocessSamImage(img)
    expect(resized).toEqual({ width: 1024, height: 512 })
    const plane = 1024 * 1024
    for (let c = 0; c < 3; c++) {
      const expected = Math.fround(
        Math.fround((img.data[c] as number) - Math.fround(SAM_PIXEL_MEAN[c] as number)) / Math.fround(SAM_PIXEL_STD[c] as number),
      )
      expect(tensor[c * plane]).toBe(expected) // top-left pixel is the first source pixel
      expect(tensor[c * plane + 511 * 1024 + 1023]).not.toBe(0) // last resized pixel
      expect(tensor[c * plane + 512 * 1024]).toBe(0) // first padded row
      expect(tensor[c * plane + plane - 1]).toBe(0)
    }
  })
})
