/**
 * Brush rasterisation against two references: a brute-force capsule test over every pixel (the exact
 * definition), and stamping a disk at densely spaced points along the path (what a brush is), which
 * must agree except on pixels whose centre lies within a hair of the brush's edge.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyStrokes, paintCapsule, segmentDistanceSquared, type BrushStroke } from '../../../src-main/core/masks'

const RUNS = { numRuns: 300 }

const sizeArbitrary = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }))
/** Points inside and somewhat outside the image, sub-pixel. */
const coordinate = (extent: number) => fc.double({ min: -6, max: extent + 6, noNaN: true })
/** An image size and a segment's two ends: [width, height, ax, ay, bx, by]. */
const capsuleCase = sizeArbitrary.chain(([w, h]) =>
  fc.tuple(fc.constant(w), fc.constant(h), coordinate(w), coordinate(h), coordinate(w), coordinate(h)),
)
const radiusArbitrary = fc.oneof(fc.double({ min: 0.3, max: 9, noNaN: true }), fc.constantFrom(0.5, 1, 1.5, 2, 3, 4.5))

function bruteCapsule(width: number, height: number, ax: number, ay: number, bx: number, by: number, radius: number): Uint8Array {
  const out = new Uint8Array(width * height)
  for (let j = 0; j < height; j++)
    for (let i = 0; i < width; i++) if (segmentDistanceSquared(i + 0.5, j + 0.5, ax, ay, bx, by) <= radius * radius) out[j * width + i] = 1
  return out
}

function diskStamps(width: number, height: number, ax: number, ay: number, bx: number, by: number, radius: number): Uint8Array {
  const out = new Uint8Array(width * height)
  const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / 0.01))
  for (let s = 0; s <= steps; s++) {
    const cx = ax + ((bx - ax) * s) / steps
    const cy = ay + ((by - ay) * s) / steps
    for (let j = Math.max(0, Math.floor(cy - radius)); j <= Math.min(height - 1, Math.ceil(cy + radius)); j++)
      for (let i = Math.max(0, Math.floor(cx - radius)); i <= Math.min(width - 1, Math.ceil(cx + radius)); i++)
        if ((i + 0.5 - cx) ** 2 + (j + 0.5 - cy) ** 2 <= radius * radius) out[j * width + i] = 1
  }
  return out
}

describe('brush capsules', () => {
  it('paint exactly the pixels whose centre is within the radius of the segment, and report their bounds', () => {
    fc.assert(
      fc.property(capsuleCase, radiusArbitrary, ([width, height, ax, ay, bx, by], radius) => {
        const pixels = new Uint8Array(width * height)
        const rect = paintCapsule(pixels, width, height, { x: ax, y: ay }, { x: bx, y: by }, radius, 1)
        const expected = bruteCapsule(width, height, ax, ay, bx, by, radius)
        expect(pixels).toEqual(expected)
        const set = [...expected.keys()].filter((k) => expected[k] === 1)
        if (set.length === 0) {
          expect(rect).toBeNull()
          return
        }
        const xs = set.map((k) => k % width)
        const ys = set.map((k) => Math.floor(k / width))
        expect(rect).toEqual({
          x: Math.min(...xs),
          y: Math.min(...ys),
          width: Math.max(...xs) - Math.min(...xs) + 1,
          height: Math.max(...ys) - Math.min(...ys) + 1,
        })
      }),
      RUNS,
    )
  })

  it('agree with stamping a disk at every point along the path, up to pixels on the brush’s edge', () => {
    fc.assert(
      fc.property(capsuleCase, radiusArbitrary, ([width, height, ax, ay, bx, by], radius) => {
        const pixels = new Uint8Array(width * height)
        paintCapsule(pixels, width, height, { x: ax, y: ay }, { x: bx, y: by }, radius, 1)
        const stamped = diskStamps(width, height, ax, ay, bx, by, radius)
        for (let k = 0; k < pixels.length; k++) {
          if (pixels[k] === stamped[k]) continue
          const d = Math.sqrt(segmentDistanceSquared((k % width) + 0.5, Math.floor(k / width) + 0.5, ax, ay, bx, by))
          expect(Math.abs(d - radius)).toBeLessThan(0.01)
        }
      }),
      RUNS,
    )
  })

  it('erase clears what a brush set, and later strokes win where they overlap', () => {
    const width = 30
    const height = 20
    const pixels = new Uint8Array(width * height)
    const paint: BrushStroke = {
      mode: 'paint',
      radius: 4,
      points: [
        { x: 5, y: 10 },
        { x: 25, y: 10 },
      ],
    }
    const erase: BrushStroke = {
      mode: 'erase',
      radius: 2,
      points: [
        { x: 15, y: 2 },
        { x: 15, y: 18 },
      ],
    }
    applyStrokes(pixels, width, height, [paint, erase])
    const painted = bruteCapsule(width, height, 5, 10, 25, 10, 4)
    const erased = bruteCapsule(width, height, 15, 2, 15, 18, 2)
    for (let k = 0; k < pixels.length; k++) expect(pixels[k]).toBe(painted[k] === 1 && erased[k] === 0 ? 1 : 0)
    // A hole through the middle: two separate parts, kept as raster.
    expect(pixels[10 * width + 15]).toBe(0)
    expect(pixels[10 * width + 10]).toBe(1)
    expect(pixels[10 * width + 20]).toBe(1)
  })

  it('refuses a zero or negative radius and a buffer of the wrong size', () => {
    expect(() => paintCapsule(new Uint8Array(4), 2, 2, { x: 0, y: 0 }, { x: 1, y: 1 }, 0, 1)).toThrow(/radius/)
    expect(() => paintCapsule(new Uint8Array(3), 2, 2, { x: 0, y: 0 }, { x: 1, y: 1 }, 1, 1)).toThrow(/bytes/)
  })
})
