import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeMask, encodeMask, encodeMaskWithRowTransitions, encodeRowTransitions } from '../../../src-main/core/masks'
import { compileWat } from '../../../scripts/compile-wat'
import { MaskKernelArena } from '../../../src-main/core/masks/kernels/mask-kernels'
import { MASK_KERNELS_WASM_BASE64 } from '../../../src-main/core/masks/kernels/mask-kernels.wasm'
import { binarisedFromLowRes, candidatesFromFullRes } from '../../../src-main/core/segmentation/variants/common'
import { composedUpscaleTaps, createLowResUpscaler } from '../../../src-main/core/segmentation/sam-official/postprocess'
import { samResizedSize } from '../../../src-main/core/segmentation/sam-official/preprocess'
import type { Resample2d, ResampleAxis } from '../../../src-main/core/masks/kernels/mask-kernels'

const KERNEL_DIR = join(__dirname, '../../../src-main/core/masks/kernels')

/** Scalar reference: logit > 0 (float32 compare), the stability counts, and the vertical transitions. */
function reference(logits: Float32Array, width: number, height: number, offset: number) {
  const hi = Math.fround(offset)
  const lo = -hi
  const mask = Uint8Array.from(logits, (v) => (v > 0 ? 1 : 0))
  const transitions: number[] = []
  for (let i = width; i < mask.length; i++) if (mask[i] !== mask[i - width]) transitions.push(i)
  return {
    mask,
    above: logits.filter((v) => v > hi).length,
    aboveLow: logits.filter((v) => v > lo).length,
    transitions,
  }
}

/** Logits that hit the comparisons' edges: ±0, ±offset, NaN, infinities, and values close to them. */
const logit = (offset: number) =>
  fc.oneof(
    fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, offset, -offset, Math.fround(offset + 1e-6), 1e-30, -1e-30),
    fc.float({ min: -3, max: 3 }),
  )

const plane = fc
  .record({ width: fc.integer({ min: 1, max: 70 }), height: fc.integer({ min: 1, max: 12 }), offset: fc.constantFrom(1, 0.5, 0.95, 2) })
  .chain(({ width, height, offset }) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      offset: fc.constant(offset),
      // Runs of one value make masks with real regions, not just noise.
      values: fc.array(fc.tuple(logit(offset), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 30 }).map((runs) => {
        const out = new Float32Array(width * height)
        let i = 0
        for (let r = 0; i < out.length; r = (r + 1) % runs.length) {
          const [v, n] = runs[r]!
          for (let k = 0; k < n && i < out.length; k++) out[i++] = v
        }
        return out
      }),
    }),
  )

describe('SIMD mask kernels', () => {
  it('are committed as the compilation of mask-kernels.wat (run `npx tsx scripts/build-mask-kernels.ts` after editing it)', async () => {
    const fresh = await compileWat(readFileSync(join(KERNEL_DIR, 'mask-kernels.wat'), 'utf8'), 'mask-kernels.wat')
    expect(Buffer.from(fresh).toString('base64')).toBe(MASK_KERNELS_WASM_BASE64)
  })

  it('binarise, count and list transitions exactly as the scalar reference, for any width (SIMD body and tail)', () => {
    const arena = new MaskKernelArena()
    fc.assert(
      fc.property(plane, ({ width, height, offset, values }) => {
        arena.layout({ width, height, logitPlanes: 2, maskPlanes: 2 })
        // Plane 1 so that the offsets of the second plane are exercised too.
        arena.logitPlane(1).set(values)
        const result = arena.threshold(1, 1, offset)
        const want = reference(values, width, height, offset)
        expect([...result.mask]).toEqual([...want.mask])
        expect(result.above).toBe(want.above)
        expect(result.aboveLow).toBe(want.aboveLow)
        expect([...result.rowTransitions]).toEqual(want.transitions)
        const rle = arena.rleOf(result)
        expect([...rle.counts]).toEqual([...encodeMask(want.mask, height, width).counts])
      }),
      { numRuns: 300 },
    )
  })

  it('encodeMaskWithRowTransitions equals encodeMask for any mask given its transitions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer(), (width, height, seed) => {
        let state = seed >>> 0
        const mask = Uint8Array.from({ length: width * height }, () => {
          state = (state * 1103515245 + 12345) >>> 0
          return state >>> 30 === 0 ? 1 : 0
        })
        const transitions: number[] = []
        for (let i = width; i < mask.length; i++) if (mask[i] !== mask[i - width]) transitions.push(i)
        const rle = encodeMaskWithRowTransitions(mask, height, width, Uint32Array.from(transitions), transitions.length)
        expect([...rle.counts]).toEqual([...encodeMask(mask, height, width).counts])
      }),
    )
  })

  it('grow the arena for a larger frame and keep results right after the move', () => {
    const arena = new MaskKernelArena()
    arena.layout({ width: 4, height: 4, logitPlanes: 1, maskPlanes: 1 })
    const small = arena.logitPlane(0)
    arena.layout({ width: 1500, height: 1000, logitPlanes: 4, maskPlanes: 3 })
    // Growing the memory detaches the views handed out before.
    expect(small.length).toBe(0)
    const logits = arena.logitPlane(3)
    logits.fill(-5)
    logits.fill(5, 1500 * 400 + 100, 1500 * 400 + 300)
    const result = arena.threshold(3, 2, 1)
    expect(result.above).toBe(200)
    expect(result.aboveLow).toBe(200)
    expect([...result.rowTransitions]).toHaveLength(400)
    expect(arena.holds(result.mask)).toBe(true)
    expect(arena.holds(new Uint8Array(4))).toBe(false)
    expect(() => arena.threshold(4, 0, 1)).toThrow(/logit plane 4 is outside the arena's 4 planes/)
    expect(() => arena.layout({ width: 1.5, height: 2, logitPlanes: 1, maskPlanes: 1 })).toThrow(/width must be a non-negative integer/)
  })

  it('give adapters the same candidates as the scalar path', () => {
    const frame = { width: 37, height: 23 }
    const n = frame.width * frame.height
    const planes = Float32Array.from({ length: 4 * n }, (_, i) => Math.sin(i * 0.37) * 3 + Math.cos(i * 0.011))
    const base = {
      count: 4,
      frame,
      iou: Float32Array.of(0.5, 0.9, 0.8, 0.7),
      lowRes: null,
      picks: [1, 2, 3].map((t) => ({ index: t, token: t })),
      stabilityOffset: 0.5,
    }
    const scalar = candidatesFromFullRes({ ...base, planes })
    const arena = new MaskKernelArena()
    const copied = candidatesFromFullRes({ ...base, planes, arena })
    const summary = (c: (typeof scalar)[number]) => ({
      token: c.token,
      mask: [...c.mask],
      counts: c.stabilityCounts,
      rle: [...encodeMask(c.mask, frame.height, frame.width).counts],
    })
    expect(copied.map(summary)).toEqual(scalar.map(summary))
    for (const c of copied) {
      expect(c.rowTransitions).toBeDefined()
      const rle = encodeMaskWithRowTransitions(c.mask, frame.height, frame.width, c.rowTransitions!, c.rowTransitions!.length)
      expect([...rle.counts]).toEqual(summary(c).rle)
    }
  })

  it('resample then binarise exactly as the documented float32 sums, for any taps, sizes and source rows', () => {
    const f = Math.fround
    // A separable filter: per output, a start and 1–4 taps inside the input (weights may be 0). Convex
    // taps (non-negative, summing to 1, as bilinear ones) turn on the kernel's background skips.
    const axis = (inSize: number, outSize: number, convex: boolean) =>
      fc
        .array(
          fc.record({
            start: fc.integer({ min: 0, max: inSize - 1 }),
            weights: fc.array(fc.oneof(fc.constant(0), fc.float({ min: convex ? 0 : -2, max: 2, noNaN: true })), {
              minLength: 4,
              maxLength: 4,
            }),
          }),
          { minLength: outSize, maxLength: outSize },
        )
        .map((taps): ResampleAxis => {
          const start = Int32Array.from(taps, (t) => t.start)
          const weights = new Float32Array(outSize * 4)
          taps.forEach((t, o) => {
            const used = t.weights.map((w, k) => (t.start + k < inSize ? w : 0))
            const sum = used.reduce((a, b) => a + b, 0)
            if (convex && sum === 0) used[0] = 1
            used.forEach((w, k) => (weights[o * 4 + k] = convex && sum > 0 ? w / sum : w))
          })
          return { inSize, start, weights }
        })
    // Source rows with long strongly negative stretches (background) between random values.
    const sourceValues = (n: number) =>
      fc
        .array(fc.tuple(fc.oneof(fc.constant(-10), fc.float({ min: -4, max: 4, noNaN: true })), fc.integer({ min: 1, max: 60 })), {
          minLength: 1,
          maxLength: 20,
        })
        .map((runs) => {
          const out: number[] = []
          for (let r = 0; out.length < n; r = (r + 1) % runs.length)
            for (let k = 0; k < runs[r]![1] && out.length < n; k++) out.push(runs[r]![0])
          return out
        })
    const scene = fc
      .record({
        srcWidth: fc.integer({ min: 4, max: 40 }),
        srcHeight: fc.integer({ min: 1, max: 24 }), // tall enough for rows outside the resampled band
        width: fc.integer({ min: 1, max: 70 }),
        height: fc.integer({ min: 1, max: 10 }),
        offset: fc.constantFrom(1, 0.5),
        convex: fc.boolean(),
      })
      .chain((size) =>
        fc.record({
          ...Object.fromEntries(Object.entries(size).map(([k, v]) => [k, fc.constant(v)])),
          horizontal: axis(size.srcWidth, size.width, size.convex),
          vertical: axis(size.srcHeight, size.height, size.convex),
          source: sourceValues(size.srcWidth * size.srcHeight),
        }),
      ) as fc.Arbitrary<{
      srcWidth: number
      srcHeight: number
      width: number
      height: number
      offset: number
      horizontal: ResampleAxis
      vertical: ResampleAxis
      source: number[]
    }>
    const arena = new MaskKernelArena()
    fc.assert(
      fc.property(scene, ({ srcWidth, srcHeight, width, height, offset, horizontal, vertical, source }) => {
        // Reference: the window shifted left to fit the row, (s0·w0 + s2·w2) + (s1·w1 + s3·w3); then rows
        // ((t0·w0 + t1·w1) + t2·w2) + t3·w3 over the taps up to the last non-zero weight.
        const rows: number[][] = []
        for (let r = 0; r < srcHeight; r++) {
          rows.push(
            Array.from({ length: width }, (_, x) => {
              const start = horizontal.start[x]!
              const window = Math.min(start, srcWidth - 4)
              const w = [0, 0, 0, 0]
              for (let k = 0; k < 4; k++) if (horizontal.weights[x * 4 + k]) w[start - window + k] = horizontal.weights[x * 4 + k]!
              const s = (k: number) => source[r * srcWidth + window + k]!
              return f(f(f(s(0) * w[0]!) + f(s(2) * w[2]!)) + f(f(s(1) * w[1]!) + f(s(3) * w[3]!)))
            }),
          )
        }
        const logits = new Float32Array(width * height)
        let fits = true
        for (let y = 0; y < height; y++) {
          let n = 4
          while (n > 1 && vertical.weights[y * 4 + n - 1] === 0) n--
          const start = vertical.start[y]!
          if (start + n > srcHeight) fits = false
          for (let x = 0; x < width && fits; x++) {
            let v = f(rows[start]![x]! * vertical.weights[y * 4]!)
            for (let k = 1; k < n; k++) v = f(v + f(rows[start + k]![x]! * vertical.weights[y * 4 + k]!))
            logits[y * width + x] = v
          }
        }
        arena.layout({ width, height, logitPlanes: 2, maskPlanes: 2, source: { width: srcWidth, height: srcHeight, planes: 2 } })
        arena.sourcePlane(1).set(source)
        const resample: Resample2d = { horizontal, vertical }
        if (!fits) {
          expect(() => arena.resampleThreshold(1, 1, resample, offset)).toThrow(/vertical taps .* are outside the source/)
          return
        }
        const result = arena.resampleThreshold(1, 1, resample, offset, 1)
        expect([...arena.logitPlane(1)]).toEqual([...logits])
        const want = reference(logits, width, height, offset)
        const wantRle = [...encodeMask(want.mask, height, width).counts]
        expect([...result.firstRow]).toEqual([...want.mask.subarray(0, width)])
        expect([...result.lastRow]).toEqual([...want.mask.subarray((height - 1) * width)])
        expect([result.above, result.aboveLow]).toEqual([want.above, want.aboveLow])
        expect([...result.rowTransitions]).toEqual(want.transitions)
        expect([...arena.rleOf(result).counts]).toEqual(wantRle)
        // Without the logits written the answer is the same (the tables are reused for the same taps).
        const again = arena.resampleThreshold(1, 0, resample, offset)
        expect([again.above, again.aboveLow]).toEqual([want.above, want.aboveLow])
        expect([...again.rowTransitions]).toEqual(want.transitions)
        expect([...arena.rleOf(again).counts]).toEqual(wantRle)
      }),
      { numRuns: 300 },
    )
  })

  it('answer each of a run of candidates on one frame as a fresh arena does (no rows of an earlier one leak in)', () => {
    // One arena per worker serves every candidate of a frame: the rows it resamples for one object must
    // not stand in for the next object's background rows, nor its columns for the next one's.
    const frame = { width: 150, height: 100 }
    const crop = samResizedSize(frame)
    const resample: Resample2d = {
      horizontal: composedUpscaleTaps(crop.width, frame.width),
      vertical: composedUpscaleTaps(crop.height, frame.height),
    }
    const rect = fc.record({
      x: fc.integer({ min: 0, max: 255 }),
      y: fc.integer({ min: 0, max: 255 }),
      w: fc.integer({ min: 1, max: 120 }),
      h: fc.integer({ min: 1, max: 120 }),
      value: fc.float({ min: -3, max: 8, noNaN: true }),
    })
    // Now and then an object over the whole source, whose values would show wherever they outlived it.
    const whole = fc.constant({ x: 0, y: 0, w: 256, h: 256, value: 5 })
    const plane = fc.array(fc.oneof(rect, rect, whole), { minLength: 0, maxLength: 3 }).map((rects) => {
      const values = new Float32Array(256 * 256).fill(-10)
      for (const { x, y, w, h, value } of rects)
        for (let r = y; r < Math.min(256, y + h); r++) values.fill(value, r * 256 + x, r * 256 + Math.min(256, x + w))
      return values
    })
    const shared = new MaskKernelArena()
    const layout = { ...frame, logitPlanes: 1, maskPlanes: 1, source: { width: 256, height: 256, planes: 1 } }
    fc.assert(
      fc.property(fc.array(plane, { minLength: 2, maxLength: 4 }), (planes) => {
        for (const values of planes) {
          shared.layout(layout)
          shared.sourcePlane(0).set(values)
          const got = shared.resampleThreshold(0, 0, resample, 1)
          const gotRle = [...shared.rleOf(got).counts]
          const fresh = new MaskKernelArena()
          fresh.layout(layout)
          fresh.sourcePlane(0).set(values)
          const want = fresh.resampleThreshold(0, 0, resample, 1, 0) // logits written: every row and column resampled
          expect([got.above, got.aboveLow]).toEqual([want.above, want.aboveLow])
          expect([...got.rowTransitions]).toEqual([...want.rowTransitions])
          expect(gotRle).toEqual([...fresh.rleOf(want).counts])
        }
      }),
      { numRuns: 40 },
    )
  })

  it("upscale 256² logits as SAM's postprocess_masks (256 → 1024, crop, → frame), for thin and wide frames", () => {
    const low = Float32Array.from(
      { length: 256 * 256 },
      (_, i) => Math.sin((i % 256) * 0.11) * 4 + Math.cos(Math.floor(i / 256) * 0.07) * 3 - 1,
    )
    const arena = new MaskKernelArena()
    for (const frame of [
      { width: 1500, height: 1000 },
      { width: 1, height: 700 },
      { width: 900, height: 1 },
      { width: 333, height: 517 },
    ]) {
      const want = createLowResUpscaler(frame)(low)
      const [candidate] = binarisedFromLowRes({
        lowRes: low,
        iou: Float32Array.of(0.9),
        frame,
        crop: samResizedSize(frame),
        picks: [{ index: 0, token: 0 }],
        arena,
        stabilityOffset: 1,
      })
      const { firstRow, lastRow, rowTransitions } = candidate!
      const mask = decodeMask(encodeRowTransitions(firstRow, lastRow, frame.height, frame.width, rowTransitions, rowTransitions.length))
      let differing = 0
      let nearZero = 0
      for (let i = 0; i < want.length; i++) {
        if ((want[i]! > 0 ? 1 : 0) !== mask[i]) differing++
        if (Math.abs(want[i]!) < 1e-4) nearZero++
      }
      // float32 sums against the double-precision composition: only logits within rounding of 0 may differ.
      expect(differing).toBeLessThanOrEqual(nearZero)
      expect(Math.abs(candidate!.stabilityCounts.above - want.filter((v) => v > 1).length)).toBeLessThanOrEqual(nearZero + 2)
      expect(mask.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    }
    const taps = composedUpscaleTaps(683, 1024)
    expect(() => arena.resampleThreshold(0, 0, { horizontal: taps, vertical: taps }, 1)).toThrow(
      /taps for 1024×1024 do not match the 333×517 frame/,
    )
  })
})
