import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeMask, encodeMaskWithRowTransitions } from '../../../src-main/core/masks'
import { compileWat } from '../../../scripts/compile-wat'
import { MaskKernelArena } from '../../../src-main/core/masks/kernels/mask-kernels'
import { MASK_KERNELS_WASM_BASE64 } from '../../../src-main/core/masks/kernels/mask-kernels.wasm'
import { candidatesFromFullRes } from '../../../src-main/core/segmentation/variants/common'

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

  it('give adapters the same candidates as the scalar path, copied in or already in place', () => {
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
    arena.layout({ ...frame, logitPlanes: 4, maskPlanes: 3 })
    arena.logits().set(planes)
    const inPlace = candidatesFromFullRes({ ...base, planes: arena.logits(), arena })
    expect(inPlace.map(summary)).toEqual(scalar.map(summary))
    for (const c of inPlace) {
      expect(c.rowTransitions).toBeDefined()
      const rle = encodeMaskWithRowTransitions(c.mask, frame.height, frame.width, c.rowTransitions!, c.rowTransitions!.length)
      expect([...rle.counts]).toEqual(summary(c).rle)
    }
  })
})
