import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  cameraAfterResize,
  centredCamera,
  clampScale,
  FIT_MARGIN,
  fitCamera,
  imageToScreen,
  MAX_SCALE,
  MIN_SCALE,
  panBy,
  screenToImage,
  wheelZoomFactor,
  zoomAt,
  type Camera,
} from '../../../src-renderer/canvas/camera'

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
const cameraArb: fc.Arbitrary<Camera> = fc.record({
  scale: finite(MIN_SCALE, MAX_SCALE),
  offsetX: finite(-1e4, 1e4),
  offsetY: finite(-1e4, 1e4),
})
const sizeArb = fc.record({ width: fc.integer({ min: 1, max: 20_000 }), height: fc.integer({ min: 1, max: 20_000 }) })
const viewArb = fc.record({ width: fc.integer({ min: 100, max: 4000 }), height: fc.integer({ min: 100, max: 3000 }) })

/** |a − b| within `rel` of the larger magnitude (or of 1 near zero). */
function close(a: number, b: number, rel = 1e-6): boolean {
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b))
}

describe('camera', () => {
  it('screenToImage undoes imageToScreen (and back)', () => {
    fc.assert(
      fc.property(cameraArb, finite(-1e5, 1e5), finite(-1e5, 1e5), (camera, x, y) => {
        const screen = imageToScreen(camera, x, y)
        const image = screenToImage(camera, screen.x, screen.y)
        expect(close(image.x, x, 1e-9) && close(image.y, y, 1e-9)).toBe(true)
        const again = imageToScreen(camera, image.x, image.y)
        expect(close(again.x, screen.x, 1e-9) && close(again.y, screen.y, 1e-9)).toBe(true)
      }),
    )
  })

  it('zoomAt keeps the image point under the cursor where it was, and clamps the scale', () => {
    fc.assert(
      fc.property(cameraArb, finite(0, 4000), finite(0, 3000), finite(0.01, 100), (camera, sx, sy, factor) => {
        const before = screenToImage(camera, sx, sy)
        const zoomed = zoomAt(camera, sx, sy, factor)
        expect(zoomed.scale).toBe(clampScale(camera.scale * factor))
        expect(zoomed.scale).toBeGreaterThanOrEqual(MIN_SCALE)
        expect(zoomed.scale).toBeLessThanOrEqual(MAX_SCALE)
        const after = screenToImage(zoomed, sx, sy)
        expect(close(after.x, before.x), `x ${before.x} → ${after.x}`).toBe(true)
        expect(close(after.y, before.y), `y ${before.y} → ${after.y}`).toBe(true)
      }),
    )
  })

  it('zooming in then out by the same factor returns to the same camera when not clamped', () => {
    fc.assert(
      fc.property(cameraArb, finite(0, 4000), finite(0, 3000), finite(0.25, 4), (camera, sx, sy, factor) => {
        fc.pre(camera.scale * factor >= MIN_SCALE && camera.scale * factor <= MAX_SCALE)
        const back = zoomAt(zoomAt(camera, sx, sy, factor), sx, sy, 1 / factor)
        expect(close(back.scale, camera.scale, 1e-9)).toBe(true)
        expect(close(back.offsetX, camera.offsetX)).toBe(true)
        expect(close(back.offsetY, camera.offsetY)).toBe(true)
      }),
    )
  })

  it('fitCamera shows the whole image inside the margin, centred, as large as fits', () => {
    fc.assert(
      fc.property(sizeArb, viewArb, (image, view) => {
        const ideal = Math.min((view.width - 2 * FIT_MARGIN) / image.width, (view.height - 2 * FIT_MARGIN) / image.height)
        fc.pre(ideal >= MIN_SCALE && ideal <= MAX_SCALE)
        const camera = fitCamera(image, view)
        const topLeft = imageToScreen(camera, 0, 0)
        const bottomRight = imageToScreen(camera, image.width, image.height)
        const eps = 1e-6
        expect(topLeft.x).toBeGreaterThanOrEqual(FIT_MARGIN - eps)
        expect(topLeft.y).toBeGreaterThanOrEqual(FIT_MARGIN - eps)
        expect(bottomRight.x).toBeLessThanOrEqual(view.width - FIT_MARGIN + eps)
        expect(bottomRight.y).toBeLessThanOrEqual(view.height - FIT_MARGIN + eps)
        // centred on both axes
        expect(close(topLeft.x, view.width - bottomRight.x)).toBe(true)
        expect(close(topLeft.y, view.height - bottomRight.y)).toBe(true)
        // as large as fits: it touches the margin on one axis
        const touchesX = close(topLeft.x, FIT_MARGIN)
        const touchesY = close(topLeft.y, FIT_MARGIN)
        expect(touchesX || touchesY).toBe(true)
      }),
    )
  })

  it('fitCamera clamps the scale for tiny images and tiny views, still centred', () => {
    const tiny = fitCamera({ width: 2, height: 2 }, { width: 1000, height: 800 })
    expect(tiny.scale).toBe(MAX_SCALE)
    expect(tiny).toEqual(centredCamera({ width: 2, height: 2 }, { width: 1000, height: 800 }, MAX_SCALE))
    const cramped = fitCamera({ width: 4000, height: 3000 }, { width: 30, height: 30 })
    expect(cramped.scale).toBe(MIN_SCALE)
    expect(cramped.offsetX).toBeCloseTo((30 - 4000 * MIN_SCALE) / 2)
    expect(fitCamera({ width: 1000, height: 500 }, { width: 1048, height: 1048 })).toEqual({ scale: 1, offsetX: 24, offsetY: 274 })
  })

  it('pans by screen pixels without changing the scale', () => {
    fc.assert(
      fc.property(cameraArb, finite(-500, 500), finite(-500, 500), finite(-1e3, 1e3), finite(-1e3, 1e3), (camera, dx, dy, x, y) => {
        const moved = panBy(camera, dx, dy)
        expect(moved.scale).toBe(camera.scale)
        const a = imageToScreen(camera, x, y)
        const b = imageToScreen(moved, x, y)
        expect(close(b.x - a.x, dx, 1e-9) && close(b.y - a.y, dy, 1e-9)).toBe(true)
      }),
    )
  })

  it('turns wheel deltas into zoom factors: down zooms out, up zooms in, symmetric', () => {
    expect(wheelZoomFactor(0)).toBe(1)
    expect(wheelZoomFactor(100)).toBeLessThan(1)
    expect(wheelZoomFactor(-100)).toBeGreaterThan(1)
    fc.assert(
      fc.property(finite(-2000, 2000), (d) => {
        expect(close(wheelZoomFactor(d) * wheelZoomFactor(-d), 1, 1e-12)).toBe(true)
      }),
    )
  })
})

describe('cameraAfterResize (window resizes, rails collapsing)', () => {
  const image = { width: 1500, height: 1000 }
  const before = { width: 886, height: 834 }
  const after = { width: 1110, height: 834 } // the image rail (224 px) collapsed

  it('fits a fitted image to the new view, centred', () => {
    const fitted = fitCamera(image, before)
    expect(cameraAfterResize(fitted, image, before, after)).toEqual(fitCamera(image, after))
    expect(cameraAfterResize(fitCamera(image, after), image, after, before)).toEqual(fitted)
  })

  it('keeps the zoom and the image point at the view centre otherwise', () => {
    fc.assert(
      fc.property(cameraArb, viewArb, viewArb, (camera, from, to) => {
        fc.pre(!close(camera.scale, fitCamera(image, from).scale, 1e-6))
        const moved = cameraAfterResize(camera, image, from, to)
        expect(moved.scale).toBe(camera.scale)
        const centreBefore = screenToImage(camera, from.width / 2, from.height / 2)
        const centreAfter = screenToImage(moved, to.width / 2, to.height / 2)
        expect(close(centreBefore.x, centreAfter.x)).toBe(true)
        expect(close(centreBefore.y, centreAfter.y)).toBe(true)
      }),
    )
  })

  it('treats a zoomed or panned image as not fitted, and fits when there was no view before', () => {
    const zoomed = zoomAt(fitCamera(image, before), 100, 100, 2)
    expect(cameraAfterResize(zoomed, image, before, after).scale).toBe(zoomed.scale)
    const panned = panBy(fitCamera(image, before), 40, 0)
    expect(cameraAfterResize(panned, image, before, after)).toEqual(panBy(panned, (after.width - before.width) / 2, 0))
    expect(cameraAfterResize(zoomed, image, { width: 0, height: 0 }, after)).toEqual(fitCamera(image, after))
  })
})
