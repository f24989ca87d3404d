/**
 * The draft's one reusable buffer: after any sequence of shown steps, live brush segments, copies and
 * restores it holds exactly what draftPixels (a fresh buffer per step) computes, its bounds hold
 * every set pixel, and every pixel that changed lies in the rectangles it reported.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bitmapFromFull, type BrushStroke, type PixelRect } from '../../../src-main/core/masks'
import { DraftRaster, type RasterCopy } from '../../../src-renderer/tools/draft-raster'
import { draftPixels, EMPTY_DRAFT, type DraftCandidate, type DraftSnapshot } from '../../../src-renderer/tools/object-draft'

const W = 23
const H = 17

function blob(x0: number, y0: number, w: number, h: number, hole = false): Uint8Array {
  const pixels = new Uint8Array(W * H)
  for (let y = y0; y < Math.min(H, y0 + h); y++)
    for (let x = x0; x < Math.min(W, x0 + w); x++) if (!hole || (x + y) % 3 !== 0) pixels[y * W + x] = 1
  return pixels
}

function candidate(pixels: Uint8Array, withCrop: boolean): DraftCandidate {
  return {
    handle: 'h',
    token: 0,
    predictedIou: 0.9,
    stabilityScore: 0.9,
    area: pixels.reduce((sum, value) => sum + value, 0),
    pixels,
    ...(withCrop ? { bitmap: bitmapFromFull(pixels, W, H) } : {}),
  }
}

const CANDIDATES = [candidate(blob(2, 3, 7, 5), true), candidate(blob(10, 1, 12, 14, true), false), candidate(blob(0, 0, 23, 17), true)]

const strokeArbitrary: fc.Arbitrary<BrushStroke> = fc.record({
  mode: fc.constantFrom('paint' as const, 'erase' as const),
  radius: fc.integer({ min: 1, max: 4 }),
  points: fc.array(fc.record({ x: fc.double({ min: -3, max: 26, noNaN: true }), y: fc.double({ min: -3, max: 20, noNaN: true }) }), {
    minLength: 1,
    maxLength: 4,
  }),
})

const stepArbitrary = fc.record({
  shown: fc.integer({ min: -1, max: 2 }),
  strokes: fc.array(strokeArbitrary, { maxLength: 3 }),
})

function snapshotOf(step: { shown: number; strokes: BrushStroke[] }): DraftSnapshot {
  return { ...EMPTY_DRAFT, candidates: step.shown < 0 ? [] : CANDIDATES, shown: Math.max(0, step.shown), strokes: step.strokes }
}

function inside(rects: readonly PixelRect[], index: number): boolean {
  const x = index % W
  const y = Math.floor(index / W)
  return rects.some((rect) => x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height)
}

function expectBounded(raster: DraftRaster): void {
  const bounds = raster.bounds
  raster.pixels.forEach((value, index) => {
    if (value !== 0) expect(bounds !== null && inside([bounds], index)).toBe(true)
  })
}

describe('DraftRaster', () => {
  it('shows each step exactly as draftPixels computes it, and reports every changed pixel', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 6 }), (steps) => {
        const raster = new DraftRaster(W, H)
        for (const step of steps) {
          const before = raster.pixels.slice()
          const snapshot = snapshotOf(step)
          const changed = raster.show(snapshot)
          expect(raster.pixels).toEqual(draftPixels(snapshot, W, H))
          expectBounded(raster)
          raster.pixels.forEach((value, index) => {
            if (value !== before[index]) expect(inside(changed, index)).toBe(true)
          })
        }
      }),
    )
  })

  it('paints live segments like applyStrokes, inside the rectangles they return, and restores copies exactly', () => {
    fc.assert(
      fc.property(stepArbitrary, strokeArbitrary, stepArbitrary, (first, live, other) => {
        const raster = new DraftRaster(W, H)
        const snapshot = snapshotOf(first)
        raster.show(snapshot)
        for (let index = 0; index < live.points.length; index++) {
          const before = raster.pixels.slice()
          const rect = raster.paintSegment(live, index)
          raster.pixels.forEach((value, i) => {
            if (value !== before[i]) expect(rect !== null && inside([rect], i)).toBe(true)
          })
        }
        const withStroke = { ...snapshot, strokes: [...snapshot.strokes, live] }
        expect(raster.pixels).toEqual(draftPixels(withStroke, W, H))
        expectBounded(raster)
        const copy: RasterCopy = raster.copy()
        raster.show(snapshotOf(other))
        const before = raster.pixels.slice()
        const changed = raster.restore(copy)
        expect(raster.pixels).toEqual(draftPixels(withStroke, W, H))
        raster.pixels.forEach((value, index) => {
          if (value !== before[index]) expect(inside(changed, index)).toBe(true)
        })
        expect(raster.hasPixels()).toBe(raster.pixels.includes(1))
      }),
    )
  })

  it('reset clears everything it held, and a copy of nothing restores nothing', () => {
    const raster = new DraftRaster(W, H)
    expect(raster.copy()).toEqual({ bounds: null, crop: new Uint8Array(0) })
    raster.show(snapshotOf({ shown: 1, strokes: [] }))
    expect(raster.hasPixels()).toBe(true)
    const changed = raster.reset()
    expect(changed).toEqual([{ x: 10, y: 1, width: 12, height: 14 }])
    expect(raster.pixels.every((value) => value === 0)).toBe(true)
    expect(raster.bounds).toBeNull()
    expect(raster.hasPixels()).toBe(false)
  })
})
