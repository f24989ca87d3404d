/**
 * The object being made is shown as a live mask: the draft's one full-image buffer, changed in place,
 * repainted only over what liveRepaintRects says (its old and new bounds for a new step, the padded
 * segment rectangles for a brush stroke). Repainting just those must give the overlay a full repaint
 * gives, whatever the outline (solid or dashed, 1–3 pixels) and the masks under it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BrushStroke, MaskBitmap, PixelRect } from '../../../src-main/core/masks'
import { compositeRect, type MaskStyle, type OverlayItem } from '../../../src-renderer/canvas/mask-compositor'
import { liveRepaintRects, MaskStack, mergeRects } from '../../../src-renderer/canvas/mask-stack'
import { DraftRaster } from '../../../src-renderer/tools/draft-raster'
import { EMPTY_DRAFT, type DraftCandidate } from '../../../src-renderer/tools/object-draft'

const IMAGE = { width: 29, height: 21 }
const BOUNDS = { x: 0, y: 0, ...IMAGE }

function ellipse(x: number, y: number, width: number, height: number): MaskBitmap {
  const pixels = new Uint8Array(width * height)
  for (let j = 0; j < height; j++)
    for (let i = 0; i < width; i++) {
      const dx = (i + 0.5) / width - 0.5
      const dy = (j + 0.5) / height - 0.5
      pixels[j * width + i] = dx * dx + dy * dy <= 0.25 ? 1 : 0
    }
  return { x, y, width, height, pixels, area: pixels.reduce((a, b) => a + b, 0) }
}

function full(bitmap: MaskBitmap): Uint8Array {
  const pixels = new Uint8Array(IMAGE.width * IMAGE.height)
  for (let j = 0; j < bitmap.height; j++)
    for (let i = 0; i < bitmap.width; i++) pixels[(bitmap.y + j) * IMAGE.width + bitmap.x + i] = bitmap.pixels[j * bitmap.width + i]!
  return pixels
}

const CANDIDATES: DraftCandidate[] = [ellipse(3, 2, 9, 7), ellipse(8, 5, 17, 13), ellipse(0, 0, 29, 21)].map((bitmap, token) => ({
  handle: `h${token}`,
  token,
  predictedIou: 0.9,
  stabilityScore: 0.9,
  area: bitmap.area,
  pixels: full(bitmap),
  bitmap,
}))

const UNDER: OverlayItem[] = [
  { id: 1, bitmap: ellipse(1, 1, 14, 10), style: { rgb: [200, 10, 10], fillAlpha: 0.4, outline: 'solid', outlineRgb: [255, 0, 0] } },
  { id: 2, bitmap: ellipse(12, 8, 15, 12), style: { rgb: [10, 200, 10], fillAlpha: 0, outline: 'dashed', outlineRgb: [0, 255, 0] } },
]

const styleArb: fc.Arbitrary<MaskStyle> = fc.record({
  rgb: fc.constant([64, 156, 255] as const),
  fillAlpha: fc.constantFrom(0, 0.42),
  outline: fc.constantFrom('solid' as const, 'dashed' as const),
  outlineRgb: fc.constant([160, 205, 255] as const),
  outlineWidth: fc.integer({ min: 1, max: 3 }),
})

const strokeArb: fc.Arbitrary<BrushStroke> = fc.record({
  mode: fc.constantFrom('paint' as const, 'erase' as const),
  radius: fc.integer({ min: 1, max: 3 }),
  points: fc.array(fc.record({ x: fc.double({ min: -2, max: 31, noNaN: true }), y: fc.double({ min: -2, max: 23, noNaN: true }) }), {
    minLength: 1,
    maxLength: 5,
  }),
})

type Op = { kind: 'show'; shown: number } | { kind: 'stroke'; stroke: BrushStroke } | { kind: 'reset' }
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('show' as const), shown: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('stroke' as const), stroke: strokeArb }),
  fc.constant({ kind: 'reset' as const }),
)

function paintAll(items: readonly OverlayItem[]): Uint8Array {
  const rgba = new Uint8Array(IMAGE.width * IMAGE.height * 4)
  compositeRect(rgba, IMAGE, BOUNDS, items)
  return rgba
}

describe('live masks', () => {
  it('repainting what liveRepaintRects names gives the same overlay as a full repaint', () => {
    fc.assert(
      fc.property(styleArb, fc.array(opArb, { minLength: 1, maxLength: 8 }), (style, ops) => {
        const raster = new DraftRaster(IMAGE.width, IMAGE.height)
        const live: OverlayItem = {
          id: -1,
          bitmap: { x: 0, y: 0, width: IMAGE.width, height: IMAGE.height, pixels: raster.pixels, area: 0 },
          style,
        }
        const stack = new MaskStack()
        stack.replaceAll([...UNDER, live])
        const rgba = paintAll(stack.items)
        for (const op of ops) {
          const before = raster.bounds
          let changed: PixelRect[] | null = null
          if (op.kind === 'show') {
            raster.show({ ...EMPTY_DRAFT, candidates: CANDIDATES, shown: op.shown })
          } else if (op.kind === 'reset') {
            raster.reset()
          } else {
            changed = []
            for (let index = 0; index < op.stroke.points.length; index++) {
              const rect = raster.paintSegment(op.stroke, index)
              if (rect) changed.push(rect)
            }
          }
          for (const rect of mergeRects(liveRepaintRects(before, raster.bounds, changed), BOUNDS))
            compositeRect(rgba, IMAGE, rect, stack.items)
          const expected = paintAll(stack.items)
          // The first differing byte (-1: none); a plain toEqual on the buffers is slow here.
          expect(rgba.findIndex((value, index) => value !== expected[index])).toBe(-1)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('a dab just outside the edge repaints the outline pixels it turned into inner ones, beyond the dab', () => {
    const raster = new DraftRaster(IMAGE.width, IMAGE.height)
    const style: MaskStyle = { rgb: [64, 156, 255], fillAlpha: 0.42, outline: 'solid', outlineRgb: [160, 205, 255], outlineWidth: 3 }
    const stack = new MaskStack()
    stack.replaceAll([{ id: -1, bitmap: { x: 0, y: 0, ...IMAGE, pixels: raster.pixels, area: 0 }, style }])
    raster.show({ ...EMPTY_DRAFT, candidates: [{ ...CANDIDATES[1]!, bitmap: rectangle(4, 4, 10, 10) }], shown: 0 })
    const rgba = paintAll(stack.items)
    const dab: BrushStroke = { mode: 'paint', radius: 1, points: [{ x: 15, y: 9 }] }
    const rect = raster.paintSegment(dab, 0)!
    expect(rect.x).toBeGreaterThanOrEqual(13) // the dab itself does not reach the old outline's inner pixels
    for (const part of mergeRects(liveRepaintRects(null, raster.bounds, [rect]), BOUNDS)) compositeRect(rgba, IMAGE, part, stack.items)
    const expected = paintAll(stack.items)
    expect(rgba.findIndex((value, index) => value !== expected[index])).toBe(-1)
  })
})

function rectangle(x: number, y: number, width: number, height: number): MaskBitmap {
  return { x, y, width, height, pixels: new Uint8Array(width * height).fill(1), area: width * height }
}
