import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MaskBitmap } from '../../../src-main/core/masks'
import {
  CORNER_MARK_LENGTH,
  CORNER_MARK_WIDTH,
  DASH_LENGTH,
  GAP_OUTLINE_ALPHA,
  GHOST_FILL_FACTOR,
  GHOST_OUTLINE_ALPHA,
  blendRect,
  compositeRect,
  paintGaps,
  paintHighlight,
  plusDistances,
  type MaskStyle,
  type OverlayItem,
  type PixelSize,
  type Rect,
} from '../../../src-renderer/canvas/mask-compositor'
import { MaskStack, mergeRects } from '../../../src-renderer/canvas/mask-stack'

// ── a brute-force reference: every pixel of the image, every mask, the rules written out plainly ──

function covers(b: MaskBitmap, x: number, y: number): boolean {
  return x >= b.x && y >= b.y && x < b.x + b.width && y < b.y + b.height && b.pixels[(y - b.y) * b.width + (x - b.x)] !== 0
}

function pm(rgb: readonly number[], alpha: number): number[] {
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255)
  return [Math.round((rgb[0]! * a) / 255), Math.round((rgb[1]! * a) / 255), Math.round((rgb[2]! * a) / 255), a]
}

function referencePaint(image: PixelSize, items: readonly OverlayItem[]): Uint8Array {
  const out = new Uint8Array(image.width * image.height * 4)
  for (const { bitmap: b, style } of items) {
    const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < image.width && y < image.height && covers(b, x, y)
    const t = style.outline === 'none' ? 0 : Math.min(3, Math.max(1, Math.round(style.outlineWidth ?? 1)))
    const outlineAlpha = style.ghost ? GHOST_OUTLINE_ALPHA : 1
    const fill = pm(style.rgb, style.ghost ? style.fillAlpha * GHOST_FILL_FACTOR : style.fillAlpha)
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const cx = x - b.x
        const cy = y - b.y
        if (cx < 0 || cy < 0 || cx >= b.width || cy >= b.height) continue
        let colour: number[]
        const onMark = (cx < CORNER_MARK_LENGTH && cy < CORNER_MARK_WIDTH) || (cy < CORNER_MARK_LENGTH && cx < CORNER_MARK_WIDTH)
        if (style.cornerMark && onMark) colour = pm(style.outlineRgb, outlineAlpha)
        else if (!inside(x, y)) continue
        else {
          let vertical = false
          let horizontal = false
          for (let d = 1; d <= t; d++) {
            if (!inside(x, y - d) || !inside(x, y + d)) vertical = true
            if (!inside(x - d, y) || !inside(x + d, y)) horizontal = true
          }
          const phase = vertical ? x : y
          const drawn = style.outline === 'solid' || Math.floor(phase / DASH_LENGTH) % 2 === 0
          if ((vertical || horizontal) && drawn) colour = pm(style.outlineRgb, outlineAlpha)
          else if (fill[3]! > 0) colour = fill
          else continue
        }
        out.set(colour, (y * image.width + x) * 4)
      }
    }
  }
  return out
}

// ── generators ──

const IMAGE: PixelSize = { width: 37, height: 29 }
const rgbArb = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
const styleArb: fc.Arbitrary<MaskStyle> = fc.record(
  {
    rgb: rgbArb,
    fillAlpha: fc.constantFrom(0, 0.28, 0.45, 1),
    outline: fc.constantFrom('solid' as const, 'dashed' as const, 'none' as const),
    outlineRgb: rgbArb,
    outlineWidth: fc.integer({ min: 1, max: 3 }),
    cornerMark: fc.boolean(),
    ghost: fc.boolean(),
  },
  { requiredKeys: ['rgb', 'fillAlpha', 'outline', 'outlineRgb'] },
)

/** Blob-ish or noisy crops, some reaching past the image's edges. */
const bitmapArb: fc.Arbitrary<MaskBitmap> = fc
  .record({
    x: fc.integer({ min: -4, max: IMAGE.width - 2 }),
    y: fc.integer({ min: -4, max: IMAGE.height - 2 }),
    width: fc.integer({ min: 1, max: 20 }),
    height: fc.integer({ min: 1, max: 16 }),
    kind: fc.constantFrom('ellipse', 'noise', 'full'),
    seed: fc.integer(),
  })
  .map(({ x, y, width, height, kind, seed }) => {
    const pixels = new Uint8Array(width * height)
    let state = seed >>> 0 || 1
    for (let j = 0; j < height; j++)
      for (let i = 0; i < width; i++) {
        state = (state * 1103515245 + 12345) >>> 0
        const dx = (i + 0.5) / width - 0.5
        const dy = (j + 0.5) / height - 0.5
        pixels[j * width + i] = kind === 'full' ? 1 : kind === 'ellipse' ? (dx * dx + dy * dy <= 0.25 ? 1 : 0) : state >>> 31
      }
    return { x, y, width, height, pixels, area: pixels.reduce((a, b) => a + b, 0) }
  })

const itemsArb = (minLength: number, maxLength: number) =>
  fc
    .array(fc.record({ bitmap: bitmapArb, style: styleArb }), { minLength, maxLength })
    .map((list) => list.map((item, index) => ({ id: index + 1, ...item })))

function fullPaint(items: readonly OverlayItem[]): Uint8Array {
  const rgba = new Uint8Array(IMAGE.width * IMAGE.height * 4)
  compositeRect(rgba, IMAGE, { x: 0, y: 0, width: IMAGE.width, height: IMAGE.height }, items)
  return rgba
}

function square(x: number, y: number, size: number): MaskBitmap {
  return { x, y, width: size, height: size, pixels: new Uint8Array(size * size).fill(1), area: size * size }
}

const SOLID: MaskStyle = { rgb: [10, 20, 30], fillAlpha: 0.5, outline: 'solid', outlineRgb: [200, 100, 0] }

function pixel(rgba: Uint8Array, x: number, y: number, width = IMAGE.width): number[] {
  return Array.from(rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4))
}

describe('compositeRect', () => {
  it('paints the whole image exactly as the brute-force reference', () => {
    fc.assert(
      fc.property(itemsArb(0, 8), (items) => {
        expect(fullPaint(items)).toEqual(referencePaint(IMAGE, items))
      }),
      { numRuns: 300 },
    )
  })

  it('repaints a rectangle exactly as the full paint there, and leaves the rest untouched', () => {
    const rectArb = fc.record({
      x: fc.integer({ min: -5, max: 40 }),
      y: fc.integer({ min: -5, max: 30 }),
      width: fc.integer({ min: 0, max: 30 }),
      height: fc.integer({ min: 0, max: 30 }),
    })
    fc.assert(
      fc.property(itemsArb(1, 6), rectArb, fc.integer({ min: 0, max: 255 }), (items, rect, junk) => {
        const expected = referencePaint(IMAGE, items)
        const rgba = new Uint8Array(IMAGE.width * IMAGE.height * 4).fill(junk)
        compositeRect(rgba, IMAGE, rect, items)
        for (let y = 0; y < IMAGE.height; y++)
          for (let x = 0; x < IMAGE.width; x++) {
            const inRect = x >= rect.x && y >= rect.y && x < rect.x + rect.width && y < rect.y + rect.height
            expect(pixel(rgba, x, y)).toEqual(inRect ? pixel(expected, x, y) : [junk, junk, junk, junk])
          }
      }),
      { numRuns: 200 },
    )
  })

  it('paints later masks over earlier ones; a mask without fill leaves the fill under it', () => {
    const bottom: OverlayItem = { id: 1, bitmap: square(2, 2, 10), style: SOLID }
    const top: OverlayItem = { id: 2, bitmap: square(5, 5, 10), style: { ...SOLID, rgb: [250, 0, 0], fillAlpha: 1 } }
    const rgba = fullPaint([bottom, top])
    expect(pixel(rgba, 8, 8)).toEqual([250, 0, 0, 255])
    const hollow: OverlayItem = { id: 3, bitmap: square(5, 5, 10), style: { ...SOLID, fillAlpha: 0 } }
    const under = fullPaint([bottom])
    expect(pixel(fullPaint([bottom, hollow]), 8, 8)).toEqual(pixel(under, 8, 8))
  })

  it('draws outlines inside the mask, 1–3 pixels thick, premultiplied', () => {
    for (const width of [1, 2, 3]) {
      const rgba = fullPaint([{ id: 1, bitmap: square(4, 4, 12), style: { ...SOLID, outlineWidth: width } }])
      expect(pixel(rgba, 3, 8)).toEqual([0, 0, 0, 0]) // outside
      expect(pixel(rgba, 4 + width - 1, 8)).toEqual([200, 100, 0, 255]) // innermost outline column
      expect(pixel(rgba, 4 + width, 8)).toEqual([5, 10, 15, 128]) // first fill column, premultiplied at 0.5
    }
  })

  it('dashes run along x on horizontal edges and along y on vertical ones, with gaps on both', () => {
    const rgba = fullPaint([{ id: 1, bitmap: square(1, 1, 26), style: { ...SOLID, fillAlpha: 0, outline: 'dashed' } }])
    const top = Array.from({ length: 24 }, (_, i) => pixel(rgba, 2 + i, 1)[3])
    const left = Array.from({ length: 24 }, (_, i) => pixel(rgba, 1, 2 + i)[3])
    for (const edge of [top, left]) {
      expect(edge).toContain(255)
      expect(edge).toContain(0)
    }
    // Along a diagonal edge too (a triangle's hypotenuse): some drawn, some not.
    const size = 24
    const pixels = new Uint8Array(size * size)
    for (let y = 0; y < size; y++) for (let x = 0; x <= y; x++) pixels[y * size + x] = 1
    const tri = fullPaint([
      { id: 1, bitmap: { x: 2, y: 2, width: size, height: size, pixels, area: 0 }, style: { ...SOLID, fillAlpha: 0, outline: 'dashed' } },
    ])
    const diagonal = Array.from({ length: size - 2 }, (_, i) => pixel(tri, 2 + i + 1, 2 + i + 1)[3])
    expect(diagonal).toContain(255)
    expect(diagonal).toContain(0)
  })

  it('ghosts: faint outline and fill', () => {
    const rgba = fullPaint([{ id: 1, bitmap: square(4, 4, 10), style: { ...SOLID, fillAlpha: 1, ghost: true } }])
    expect(pixel(rgba, 4, 8)[3]).toBe(Math.round(GHOST_OUTLINE_ALPHA * 255))
    expect(pixel(rgba, 8, 8)[3]).toBe(Math.round(GHOST_FILL_FACTOR * 255))
  })

  it('marks the top-left corner of the box when asked, even where the mask is empty', () => {
    const ring = square(3, 3, 14)
    ring.pixels[0] = 0
    const rgba = fullPaint([{ id: 1, bitmap: ring, style: { ...SOLID, cornerMark: true } }])
    expect(pixel(rgba, 3, 3)).toEqual([200, 100, 0, 255])
    expect(pixel(rgba, 3 + CORNER_MARK_LENGTH - 1, 3 + CORNER_MARK_WIDTH - 1)).toEqual([200, 100, 0, 255])
    expect(pixel(fullPaint([{ id: 1, bitmap: ring, style: SOLID }]), 3, 3)).toEqual([0, 0, 0, 0])
  })
})

describe('incremental updates', () => {
  type Op =
    | { kind: 'restyle'; pick: number; style: MaskStyle }
    | { kind: 'replace'; pick: number; bitmap: MaskBitmap }
    | { kind: 'add'; bitmap: MaskBitmap; style: MaskStyle }
    | { kind: 'remove'; pick: number }
    | { kind: 'same'; pick: number }
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('restyle' as const), pick: fc.nat(), style: styleArb }),
    fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), bitmap: bitmapArb }),
    fc.record({ kind: fc.constant('add' as const), bitmap: bitmapArb, style: styleArb }),
    fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('same' as const), pick: fc.nat() }),
  )

  it('repainting only the dirty rectangles gives the same overlay as a full repaint', () => {
    fc.assert(
      fc.property(
        itemsArb(0, 6),
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        (initial, batches) => {
          const stack = new MaskStack()
          stack.replaceAll(initial)
          const rgba = fullPaint(stack.items)
          // A plain model of the order: replaced items keep their place, new ones go on top, removed ones go.
          let model = [...initial]
          let nextId = 100
          for (const batch of batches) {
            const updates: OverlayItem[] = []
            const removed: number[] = []
            for (const op of batch) {
              const current = model.length > 0 && op.kind !== 'add' ? model[op.pick % model.length]! : null
              if (op.kind === 'add') {
                const item = { id: nextId++, bitmap: op.bitmap, style: op.style }
                updates.push(item)
                model.push(item)
              } else if (!current) continue
              else if (op.kind === 'remove') {
                if (updates.some((u) => u.id === current.id)) continue
                removed.push(current.id)
                model = model.filter((m) => m.id !== current.id)
              } else {
                const item =
                  op.kind === 'restyle'
                    ? { ...current, style: op.style }
                    : op.kind === 'replace'
                      ? { ...current, bitmap: op.bitmap }
                      : current
                updates.push(item)
                model = model.map((m) => (m.id === item.id ? item : m))
              }
            }
            const dirty = stack.update(updates, removed)
            for (const rect of mergeRects(dirty, { x: 0, y: 0, width: IMAGE.width, height: IMAGE.height }))
              compositeRect(rgba, IMAGE, rect, stack.items)
            expect(stack.items.map((item) => item.id)).toEqual(model.map((item) => item.id))
            expect(rgba).toEqual(referencePaint(IMAGE, model))
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('reports nothing dirty for an unchanged item, and both crops for a moved one', () => {
    const stack = new MaskStack()
    const item: OverlayItem = { id: 7, bitmap: square(1, 1, 4), style: SOLID }
    stack.replaceAll([item])
    expect(stack.update([{ ...item, style: { ...SOLID, rgb: [10, 20, 30] } }])).toEqual([])
    const moved = square(20, 20, 3)
    expect(stack.update([{ ...item, bitmap: moved }])).toEqual([
      { x: 1, y: 1, width: 4, height: 4 },
      { x: 20, y: 20, width: 3, height: 3 },
    ])
    expect(stack.update([], [7, 99])).toEqual([{ x: 20, y: 20, width: 3, height: 3 }])
    expect(stack.size).toBe(0)
  })
})

describe('mergeRects', () => {
  const rectArb: fc.Arbitrary<Rect> = fc.record({
    x: fc.integer({ min: -10, max: 60 }),
    y: fc.integer({ min: -10, max: 60 }),
    width: fc.integer({ min: 0, max: 25 }),
    height: fc.integer({ min: 0, max: 25 }),
  })
  const bounds = { x: 0, y: 0, width: 50, height: 40 }

  it('covers every input pixel inside the bounds with rectangles that neither overlap nor touch', () => {
    fc.assert(
      fc.property(fc.array(rectArb, { maxLength: 12 }), (rects) => {
        const merged = mergeRects(rects, bounds)
        for (const m of merged) {
          expect(m.width).toBeGreaterThan(0)
          expect(m.x).toBeGreaterThanOrEqual(0)
          expect(m.y).toBeGreaterThanOrEqual(0)
          expect(m.x + m.width).toBeLessThanOrEqual(bounds.width)
          expect(m.y + m.height).toBeLessThanOrEqual(bounds.height)
        }
        for (let i = 0; i < merged.length; i++)
          for (let j = i + 1; j < merged.length; j++) {
            const a = merged[i]!
            const b = merged[j]!
            const apart = a.x > b.x + b.width || b.x > a.x + a.width || a.y > b.y + b.height || b.y > a.y + a.height
            expect(apart).toBe(true)
          }
        for (const r of rects)
          for (let y = Math.max(0, r.y); y < Math.min(bounds.height, r.y + r.height); y++)
            for (let x = Math.max(0, r.x); x < Math.min(bounds.width, r.x + r.width); x++)
              expect(merged.some((m) => x >= m.x && y >= m.y && x < m.x + m.width && y < m.y + m.height)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})

describe('MaskStack.topAt', () => {
  it('finds the top-most mask under a point by pixel, not just by box, honouring the filter', () => {
    const ring = square(0, 0, 9)
    ring.pixels[4 * 9 + 4] = 0 // a hole in the middle
    const stack = new MaskStack()
    stack.replaceAll([
      { id: 1, bitmap: square(0, 0, 20), style: SOLID },
      { id: 2, bitmap: ring, style: SOLID },
    ])
    expect(stack.topAt(2.5, 2.5)).toBe(2)
    expect(stack.topAt(4.9, 4.1)).toBe(1) // in the hole of 2
    expect(stack.topAt(2, 2, (id) => id !== 2)).toBe(1)
    expect(stack.topAt(25, 2)).toBeNull()
    expect(stack.topAt(-0.5, 2)).toBeNull()
  })

  it('agrees with a scan of every mask from the top', () => {
    fc.assert(
      fc.property(itemsArb(0, 8), fc.integer({ min: -2, max: 40 }), fc.integer({ min: -2, max: 30 }), (items, x, y) => {
        const stack = new MaskStack()
        stack.replaceAll(items)
        const expected = [...items].reverse().find((item) => covers(item.bitmap, x, y))?.id ?? null
        expect(stack.topAt(x + 0.5, y + 0.5)).toBe(expected)
      }),
    )
  })
})

describe('highlights and gaps', () => {
  it('plusDistances: the shorter of the row and column distances to the other state', () => {
    fc.assert(
      fc.property(bitmapArb, fc.integer({ min: 1, max: 5 }), (bitmap, cap) => {
        const rect = { x: bitmap.x - 2, y: bitmap.y - 2, width: bitmap.width + 4, height: bitmap.height + 4 }
        const got = plusDistances(bitmap, rect, cap)
        const state = (x: number, y: number) =>
          x >= rect.x && y >= rect.y && x < rect.x + rect.width && y < rect.y + rect.height && covers(bitmap, x, y)
        for (let j = 0; j < rect.height; j++)
          for (let i = 0; i < rect.width; i++) {
            const x = rect.x + i
            const y = rect.y + j
            const s = state(x, y)
            let d = cap + 1
            for (let k = 1; k <= cap; k++)
              if (state(x - k, y) !== s || state(x + k, y) !== s || state(x, y - k) !== s || state(x, y + k) !== s) {
                d = k
                break
              }
            expect(Math.min(got[j * rect.width + i]!, cap + 1)).toBe(d)
          }
      }),
      { numRuns: 200 },
    )
  })

  it('selection: a band inside the edge and a halo outside it, clipped to the image', () => {
    const patch = paintHighlight(square(10, 10, 8), IMAGE, {
      band: { rgb: [255, 255, 255], alpha: 1, width: 2 },
      halo: { rgb: [0, 0, 0], alpha: 0.6, width: 2 },
    })!
    expect(patch.rect).toEqual({ x: 8, y: 8, width: 12, height: 12 })
    const at = (x: number, y: number) => pixel(patch.rgba, x - 8, y - 8, 12)
    expect(at(10, 13)).toEqual([255, 255, 255, 255])
    expect(at(11, 13)).toEqual([255, 255, 255, 255])
    expect(at(12, 13)).toEqual([0, 0, 0, 0]) // interior, no tint
    expect(at(9, 13)).toEqual([0, 0, 0, 153])
    expect(at(8, 13)).toEqual([0, 0, 0, 153])
    const edge = paintHighlight(square(0, 0, 5), IMAGE, {
      band: { rgb: [255, 255, 255], alpha: 1, width: 1 },
      halo: { rgb: [0, 0, 0], alpha: 1, width: 3 },
    })!
    expect(edge.rect).toEqual({ x: 0, y: 0, width: 8, height: 8 })
  })

  it('gaps: outline, hatch and tint over their union box', () => {
    expect(paintGaps([], IMAGE)).toBeNull()
    const patch = paintGaps([square(2, 2, 10), square(20, 5, 6)], IMAGE)!
    expect(patch.rect).toEqual({ x: 2, y: 2, width: 24, height: 10 })
    const alphas = new Set<number>()
    for (let i = 3; i < patch.rgba.length; i += 4) alphas.add(patch.rgba[i]!)
    expect(alphas.size).toBe(4) // outside, tint, hatch, outline
    expect(pixel(patch.rgba, 0, 0, 24)[3]).toBe(Math.round(GAP_OUTLINE_ALPHA * 255))
    expect(pixel(patch.rgba, 12, 0, 24)[3]).toBe(0) // between the two gaps
  })
})

describe('blendRect', () => {
  const size = { width: 9, height: 7 }
  const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length })

  it('blends the premultiplied overlay over the picture at an opacity, rounding to nearest, inside the rect only', () => {
    fc.assert(
      fc.property(
        bytes(size.width * size.height * 4),
        bytes(size.width * size.height * 4),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.record({ x: fc.integer({ min: -3, max: 10 }), y: fc.integer({ min: -3, max: 8 }), width: fc.nat(12), height: fc.nat(10) }),
        (rawPicture, raw, opacity, rect) => {
          const picture = rawPicture.map((value, index) => (index % 4 === 3 ? 255 : value)) // pictures are opaque
          // A valid premultiplied overlay: colour ≤ alpha; some fully transparent pixels.
          const overlay = raw.map((value, index) => (index % 4 === 3 ? value : Math.min(value, raw[index - (index % 4) + 3]!)))
          for (let i = 0; i < overlay.length; i += 16) overlay.fill(0, i, i + 4)
          const out = new Uint8Array(picture.length).fill(7)
          blendRect(out, picture, overlay, size, rect, opacity)
          const o = Math.round(opacity * 255) / 255
          for (let y = 0; y < size.height; y++)
            for (let x = 0; x < size.width; x++) {
              const i = (y * size.width + x) * 4
              const inRect = x >= rect.x && y >= rect.y && x < rect.x + rect.width && y < rect.y + rect.height
              if (!inRect) {
                expect(Array.from(out.subarray(i, i + 4))).toEqual([7, 7, 7, 7])
                continue
              }
              const a = overlay[i + 3]! / 255
              for (let c = 0; c < 3; c++)
                expect(Math.abs(out[i + c]! - (picture[i + c]! * (1 - a * o) + overlay[i + c]! * o))).toBeLessThanOrEqual(0.5 + 1e-9)
              expect(out[i + 3]).toBe(255)
            }
        },
      ),
      { numRuns: 200 },
    )
  })
})
