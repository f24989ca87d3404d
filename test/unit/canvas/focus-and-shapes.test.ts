import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { centreOnBox, FOCUS_FRACTION, fitCamera, imageToScreen, MAX_FOCUS_SCALE, type Camera } from '../../../src-renderer/canvas/camera'
import { bandWidthForScale, clipSegment, dashedRect, dashLine, type Segment } from '../../../src-renderer/canvas/screen-shapes'

const view = { width: 1000, height: 700 }
const image = { width: 1500, height: 1000 }
const fitted = fitCamera(image, view)

function boxCentreOnScreen(camera: Camera, box: [number, number, number, number]): { x: number; y: number } {
  return imageToScreen(camera, box[0] + box[2] / 2, box[1] + box[3] / 2)
}

describe('centreOnBox', () => {
  const boxArb = fc
    .record({
      x: fc.integer({ min: 0, max: 1400 }),
      y: fc.integer({ min: 0, max: 900 }),
      w: fc.integer({ min: 1, max: 1500 }),
      h: fc.integer({ min: 1, max: 1000 }),
    })
    .map(({ x, y, w, h }) => [x, y, w, h] as [number, number, number, number])
  const scaleArb = fc.double({ min: 0.05, max: 20, noNaN: true })

  it('puts the box centre in the middle of the view in every mode', () => {
    fc.assert(
      fc.property(boxArb, scaleArb, fc.constantFrom('keep' as const, 'fit' as const, 'fit-if-small' as const), (box, scale, zoom) => {
        const camera = centreOnBox({ scale, offsetX: 13, offsetY: -7 }, box, view, image, zoom)
        const centre = boxCentreOnScreen(camera, box)
        expect(centre.x).toBeCloseTo(view.width / 2, 6)
        expect(centre.y).toBeCloseTo(view.height / 2, 6)
        if (zoom === 'keep') expect(camera.scale).toBe(scale)
      }),
    )
  })

  it("'fit-if-small' zooms a small mask in to a third of the view, keeps a mid-sized one, and never goes below the image fit", () => {
    const small: [number, number, number, number] = [700, 500, 60, 30]
    const zoomed = centreOnBox(fitted, small, view, image, 'fit-if-small')
    expect(Math.max((60 * zoomed.scale) / view.width, (30 * zoomed.scale) / view.height)).toBeCloseTo(FOCUS_FRACTION, 6)
    const mid: [number, number, number, number] = [300, 300, 800, 500]
    expect(centreOnBox(fitted, mid, view, image, 'fit-if-small').scale).toBe(fitted.scale)
    // Zoomed in far, a big mask that no longer fits: zoom out to show it, not below the image fit.
    const whole: [number, number, number, number] = [0, 0, 1500, 1000]
    expect(centreOnBox({ ...fitted, scale: 4 }, whole, view, image, 'fit-if-small').scale).toBeCloseTo(fitted.scale, 6)
    // A tiny mask: capped.
    expect(centreOnBox(fitted, [10, 10, 1, 1], view, image, 'fit-if-small').scale).toBe(MAX_FOCUS_SCALE)
  })

  it("'fit-if-small' never zooms out below the image fit, nor below the current scale when already lower", () => {
    fc.assert(
      fc.property(boxArb, scaleArb, (box, scale) => {
        const camera = centreOnBox({ scale, offsetX: 0, offsetY: 0 }, box, view, image, 'fit-if-small')
        expect(camera.scale).toBeGreaterThanOrEqual(Math.min(scale, fitted.scale) - 1e-9)
      }),
    )
  })

  it("'fit' fills the view with the box", () => {
    const camera = centreOnBox(fitted, [100, 100, 400, 100], view, image, 'fit')
    expect(400 * camera.scale).toBeCloseTo(view.width - 48, 6)
  })
})

describe('screen shapes', () => {
  it('dashLine: dashes of the given length along the line, run on across calls', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 300, noNaN: true }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 40, noNaN: true }),
        (length, dash, gap, phase) => {
          const { segments } = dashLine(0, 5, length, 5, dash, gap, phase)
          let drawn = 0
          let previousEnd = -Infinity
          for (const [x0, y0, x1, y1] of segments) {
            expect(y0).toBe(5)
            expect(y1).toBe(5)
            expect(x1 - x0).toBeLessThanOrEqual(dash + 1e-6)
            expect(x0).toBeGreaterThanOrEqual(previousEnd + gap - 1e-6)
            previousEnd = x1
            drawn += x1 - x0
          }
          expect(drawn).toBeLessThanOrEqual(length + 1e-6)
          if (length >= dash + gap) expect(drawn).toBeGreaterThan(0)
        },
      ),
    )
  })

  it('dashedRect: every dash lies on the rectangle outline', () => {
    const segments = dashedRect(10, 20, 100, 50, 7, 5)
    expect(segments.length).toBeGreaterThan(10)
    const onOutline = (x: number, y: number) =>
      ((Math.abs(x - 10) < 1e-9 || Math.abs(x - 110) < 1e-9) && y >= 20 - 1e-9 && y <= 70 + 1e-9) ||
      ((Math.abs(y - 20) < 1e-9 || Math.abs(y - 70) < 1e-9) && x >= 10 - 1e-9 && x <= 110 + 1e-9)
    for (const [x0, y0, x1, y1] of segments) {
      expect(onOutline(x0, y0)).toBe(true)
      expect(onOutline(x1, y1)).toBe(true)
    }
  })

  it('dashedRect clipped to a view draws exactly the dashes of the whole outline that lie in the view', () => {
    const covered = (segments: Segment[], x: number, y: number) =>
      segments.some(([x0, y0, x1, y1]) => {
        const length = Math.hypot(x1 - x0, y1 - y0)
        const t = ((x - x0) * (x1 - x0) + (y - y0) * (y1 - y0)) / (length * length || 1)
        return t >= -1e-6 && t <= 1 + 1e-6 && Math.hypot(x0 + t * (x1 - x0) - x, y0 + t * (y1 - y0) - y) < 1e-6
      })
    fc.assert(
      fc.property(
        fc.record({
          x: fc.integer({ min: -400, max: 300 }),
          y: fc.integer({ min: -400, max: 300 }),
          w: fc.integer({ min: 1, max: 900 }),
          h: fc.integer({ min: 1, max: 900 }),
        }),
        fc.record({
          x: fc.integer({ min: -50, max: 200 }),
          y: fc.integer({ min: -50, max: 200 }),
          width: fc.integer({ min: 1, max: 400 }),
          height: fc.integer({ min: 1, max: 400 }),
        }),
        ({ x, y, w, h }, clip) => {
          const whole = dashedRect(x, y, w, h, 7, 5)
          const clipped = dashedRect(x, y, w, h, 7, 5, clip)
          const inClip = (px: number, py: number, slack = 0) =>
            px >= clip.x - slack && py >= clip.y - slack && px <= clip.x + clip.width + slack && py <= clip.y + clip.height + slack
          for (const [x0, y0, x1, y1] of clipped) {
            expect(inClip(x0, y0, 1e-9) && inClip(x1, y1, 1e-9)).toBe(true)
            expect(covered(whole, (x0 + x1) / 2, (y0 + y1) / 2)).toBe(true)
          }
          // Midpoints of the whole outline's dashes, when inside the view, are drawn by the clipped one.
          for (const [x0, y0, x1, y1] of whole) {
            const mx = (x0 + x1) / 2
            const my = (y0 + y1) / 2
            if (inClip(mx, my)) expect(covered(clipped, mx, my)).toBe(true)
          }
        },
      ),
      { numRuns: 150 },
    )
    expect(clipSegment(0, 0, 10, 0, { x: 20, y: -1, width: 5, height: 2 })).toBeNull()
    expect(clipSegment(0, 0, 10, 0, { x: 2, y: -1, width: 5, height: 2 })).toEqual({ t0: 0.2, t1: 0.7 })
  })

  it('bandWidthForScale: about that many screen pixels, at least one image pixel', () => {
    expect(bandWidthForScale(0.5, 2.5)).toBe(5)
    expect(bandWidthForScale(8, 2.5)).toBe(1)
    expect(bandWidthForScale(0.01, 2.5)).toBe(12)
  })
})
