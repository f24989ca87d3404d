import { describe, expect, it } from 'vitest'
import {
  createLowResUpscaler,
  resizeBilinear,
  selectMaskTokens,
  stabilityScore,
  thresholdLogits,
  upscaleLowResLogits,
} from '../../../src-main/core/segmentation/sam-official/postprocess'
import type { SamDecoderOutputs } from '../../../src-main/core/segmentation/sam-official/postprocess'
import { maxAbsDiff, referenceResize } from './reference-resize'

const LOW = 256 * 256

/** Deterministic pseudo-random logits in [−10, 10] with some smooth structure. */
function lowResLogits(seed: number): Float32Array {
  const out = new Float32Array(LOW)
  let s = seed >>> 0
  for (let i = 0; i < LOW; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const x = i % 256
    const y = Math.floor(i / 256)
    out[i] = 6 * Math.sin(x / 9) * Math.cos(y / 13) + ((s / 2 ** 32) * 8 - 4)
  }
  return out
}

/** The official two-step postprocessing: 256 → 1024, crop h′×w′, → H×W. */
function referenceUpscale(low: Float32Array, w: number, h: number, rw: number, rh: number): Float64Array {
  const mid = referenceResize(low, 256, 256, 1024, 1024)
  const crop = new Float32Array(rw * rh)
  for (let y = 0; y < rh; y++) crop.set(mid.subarray(y * 1024, y * 1024 + rw), y * rw)
  return referenceResize(crop, rw, rh, w, h)
}

describe('resizeBilinear', () => {
  it('follows align_corners=False with edge clamping', () => {
    expect(Array.from(resizeBilinear(Float32Array.of(0, 1), 2, 1, 4, 1))).toEqual([0, 0.25, 0.75, 1])
    expect(Array.from(resizeBilinear(Float32Array.of(0, 1, 2, 3), 4, 1, 2, 1))).toEqual([0.5, 2.5])
    expect(Array.from(resizeBilinear(Float32Array.of(0, 1, 2, 3), 4, 1, 1, 1))).toEqual([1.5])
  })
})

describe('upscaleLowResLogits (one pass) equals the two-step official composition', () => {
  it.each([
    [1500, 1000, 1024, 683], // shrink after crop
    [2250, 1500, 1024, 683],
    [3, 1, 1024, 341], // 1×3 image: extreme aspect ratio
    [1, 3, 341, 1024],
    [700, 700, 1024, 1024], // square
    [17, 3000, 6, 1024],
  ])('W×H %i×%i (crop %i×%i)', (w, h, rw, rh) => {
    const low = lowResLogits(w * 31 + h)
    const fast = upscaleLowResLogits(low, { width: w, height: h })
    expect(fast.length).toBe(w * h)
    expect(maxAbsDiff(fast, referenceUpscale(low, w, h, rw, rh))).toBeLessThan(1e-4)
  })

  it('accepts an explicit resized size and reuses taps across planes', () => {
    const up = createLowResUpscaler({ width: 300, height: 200 }, { resized: { width: 1024, height: 683 } })
    const a = lowResLogits(1)
    const b = lowResLogits(2)
    expect(maxAbsDiff(up(a), referenceUpscale(a, 300, 200, 1024, 683))).toBeLessThan(1e-4)
    expect(maxAbsDiff(up(b), referenceUpscale(b, 300, 200, 1024, 683))).toBeLessThan(1e-4)
    expect(() => up(new Float32Array(5))).toThrow(RangeError)
  })
})

describe('selectMaskTokens', () => {
  const outputs = (channels: number, h = 2, w = 3): SamDecoderOutputs => {
    const masks = new Float32Array(channels * h * w)
    for (let c = 0; c < channels; c++) masks.fill(c + 0.5, c * h * w, (c + 1) * h * w)
    const low = new Float32Array(channels * LOW)
    for (let c = 0; c < channels; c++) low.fill(-c, c * LOW, (c + 1) * LOW)
    return {
      masks: { data: masks, dims: [1, channels, h, w] },
      iouPredictions: { data: Float32Array.from({ length: channels }, (_, c) => 0.1 * (c + 1)), dims: [1, channels] },
      lowResMasks: { data: low, dims: [1, channels, 256, 256] },
    }
  }

  it('4-token export: multimask gives tokens 1–3, single gives token 0', () => {
    const multi = selectMaskTokens(outputs(4), true)
    expect(multi.map((m) => m.token)).toEqual([1, 2, 3])
    expect(multi.map((m) => m.logits[0])).toEqual([1.5, 2.5, 3.5])
    expect(multi.map((m) => m.predictedIou)).toEqual([0.2, 0.3, 0.4].map(Math.fround))
    expect(multi[2]?.lowResLogits[0]).toBe(-3)
    expect(multi[0]).toMatchObject({ width: 3, height: 2 })
    const single = selectMaskTokens(outputs(4), false)
    expect(single.map((m) => m.token)).toEqual([0])
    expect(single[0]?.logits.length).toBe(6)
  })

  it('1-token export returns its only mask either way', () => {
    expect(selectMaskTokens(outputs(1), true).map((m) => m.token)).toEqual([0])
    expect(selectMaskTokens(outputs(1), false).map((m) => m.token)).toEqual([0])
  })

  it('rejects other layouts', () => {
    expect(() => selectMaskTokens(outputs(3), true)).toThrow(/4 or 1/)
  })
})

describe('thresholdLogits and stabilityScore', () => {
  it('thresholds strictly above 0', () => {
    expect(Array.from(thresholdLogits(Float32Array.of(-1, 0, 1e-7, 5)))).toEqual([0, 0, 1, 1])
  })

  it('stability = #(> t + o) / #(> t − o)', () => {
    const logits = Float32Array.of(-2, -0.5, 0.5, 1.5, 3, 0.99)
    // > 1: {1.5, 3} = 2; > −1: {−0.5, 0.5, 1.5, 3, 0.99} = 5
    expect(stabilityScore(logits)).toBeCloseTo(2 / 5, 10)
    expect(stabilityScore(logits, 0.5)).toBeCloseTo(3 / 4, 10)
    expect(stabilityScore(Float32Array.of(-5, -3))).toBeNaN()
  })
})
