import { describe, expect, it } from 'vitest'
import { UpscalePlanCache, createUpscalePlan, thresholdInto } from '../../../src-main/core/segmentation/variants/logit-upscaler'
import { createLowResUpscaler } from '../../../src-main/core/segmentation/sam-official/postprocess'
import { samResizedSize } from '../../../src-main/core/segmentation/sam-official/preprocess'
import { maxAbsDiff, referenceResize } from './reference-resize'

const LOW = 256 * 256

function lowRes(seed: number): Float32Array {
  const out = new Float32Array(LOW)
  let s = seed >>> 0
  for (let i = 0; i < LOW; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = 6 * Math.sin((i % 256) / 9) * Math.cos(Math.floor(i / 256) / 13) + ((s / 2 ** 32) * 8 - 4)
  }
  return out
}

function referenceTwoStep(low: Float32Array, w: number, h: number): Float64Array {
  const crop = samResizedSize({ width: w, height: h })
  const mid = referenceResize(low, 256, 256, 1024, 1024)
  const cropped = new Float64Array(crop.width * crop.height)
  for (let y = 0; y < crop.height; y++) cropped.set(mid.subarray(y * 1024, y * 1024 + crop.width), y * crop.width)
  return referenceResize(cropped, crop.width, crop.height, w, h)
}

function run(plan: ReturnType<typeof createUpscalePlan>, low: Float32Array): { logits: Float32Array; mask: Uint8Array } {
  const logits = new Float32Array(plan.width * plan.height)
  const mask = new Uint8Array(plan.width * plan.height)
  plan.run(low, 0, logits, mask, 0)
  return { logits, mask }
}

describe('createUpscalePlan', () => {
  it.each([
    [37, 23],
    [300, 200],
    [1, 1],
    [700, 500],
    [2000, 3],
    [3, 200],
  ])('one step (SAM 2) equals PyTorch bilinear 256 → %i×%i', (w, h) => {
    const low = lowRes(w * 7 + h)
    const { logits, mask } = run(createUpscalePlan({ out: { width: w, height: h }, crop: null }), low)
    const ref = referenceResize(low, 256, 256, w, h)
    expect(maxAbsDiff(logits, ref)).toBeLessThan(1e-4)
    let wrong = 0
    for (let i = 0; i < mask.length; i++) if (mask[i] !== ((logits[i] as number) > 0 ? 1 : 0)) wrong++
    expect(wrong).toBe(0)
  })

  it.each([
    [300, 200],
    [200, 300],
    [1500, 1000],
    [2000, 3],
    [3, 2000],
    [640, 480],
  ])('two steps (SAM, EdgeSAM) equal 256 → 1024, crop, → %i×%i', (w, h) => {
    const low = lowRes(w + h * 3)
    const plan = createUpscalePlan({ out: { width: w, height: h }, crop: samResizedSize({ width: w, height: h }) })
    const { logits } = run(plan, low)
    expect(maxAbsDiff(logits, referenceTwoStep(low, w, h))).toBeLessThan(1e-4)
    // And agrees with sam-official's composed upscaler.
    expect(maxAbsDiff(logits, createLowResUpscaler({ width: w, height: h })(low))).toBeLessThan(1e-4)
  })

  it('writes at an offset into shared buffers and leaves the rest alone', () => {
    const plan = createUpscalePlan({ out: { width: 10, height: 5 }, crop: null })
    const logits = new Float32Array(150).fill(7)
    const mask = new Uint8Array(150).fill(9)
    const low = new Float32Array(LOW * 2)
    low.set(lowRes(1), LOW)
    plan.run(low, LOW, logits, mask, 50)
    expect(logits.subarray(0, 50).every((v) => v === 7)).toBe(true)
    expect(logits.subarray(100).every((v) => v === 7)).toBe(true)
    expect(maxAbsDiff(logits.subarray(50, 100), referenceResize(lowRes(1), 256, 256, 10, 5))).toBeLessThan(1e-4)
    expect(mask.subarray(100).every((v) => v === 9)).toBe(true)
    expect(() => plan.run(low, LOW * 2, logits, mask, 0)).toThrow(/out of bounds/)
    expect(() => plan.run(low, 0, logits, mask, 120)).toThrow(/too small/)
  })

  it('rejects impossible sizes', () => {
    expect(() => createUpscalePlan({ out: { width: 0, height: 5 }, crop: null })).toThrow(RangeError)
    expect(() => createUpscalePlan({ out: { width: 5, height: 5 }, crop: { width: 2000, height: 5 } })).toThrow(RangeError)
  })
})

describe('thresholdInto', () => {
  it('is logit > 0 for every length and alignment (packed 32-bit stores in the middle)', () => {
    const src = new Float32Array(103).map((_, i) => [0, -0, 1e-30, -1e-30, 5, -5, Number.NaN, Infinity, -Infinity][i % 9] as number)
    for (const dstOffset of [0, 1, 2, 3, 5]) {
      for (const n of [0, 1, 3, 4, 7, 64, 98]) {
        const dst = new Uint8Array(110).fill(9)
        thresholdInto(src, 2, n, dst, dstOffset)
        for (let i = 0; i < n; i++) expect(dst[dstOffset + i]).toBe((src[2 + i] as number) > 0 ? 1 : 0)
        expect(dst[dstOffset + n]).toBe(9)
        if (dstOffset > 0) expect(dst[dstOffset - 1]).toBe(9)
      }
    }
  })
})

describe('UpscalePlanCache', () => {
  it('returns the same plan for the same size and keeps only the most recent ones', () => {
    const cache = new UpscalePlanCache(2)
    const a = cache.get({ out: { width: 10, height: 10 }, crop: null })
    expect(cache.get({ out: { width: 10, height: 10 }, crop: null })).toBe(a)
    const b = cache.get({ out: { width: 10, height: 10 }, crop: { width: 10, height: 10 } })
    expect(b).not.toBe(a)
    cache.get({ out: { width: 11, height: 10 }, crop: null })
    // a was least recently used: evicted, so a new plan comes back.
    expect(cache.get({ out: { width: 10, height: 10 }, crop: null })).not.toBe(a)
  })
})
