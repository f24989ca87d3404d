/**
 * The view transform of the image canvas, as pure functions: screen = image · scale + offset.
 * Units: image pixels (of the annotation copy) and CSS pixels of the canvas.
 */
export interface Camera {
  /** CSS pixels per image pixel. */
  scale: number
  offsetX: number
  offsetY: number
}

export interface Size {
  width: number
  height: number
}

export const MIN_SCALE = 0.02
export const MAX_SCALE = 32
/** Space left around a fitted image, in CSS pixels. */
export const FIT_MARGIN = 24

export function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale))
}

/** Whole image visible and centred. */
export function fitCamera(image: Size, view: Size, margin = FIT_MARGIN): Camera {
  const scale = clampScale(Math.min((view.width - 2 * margin) / image.width, (view.height - 2 * margin) / image.height))
  return centredCamera(image, view, scale > 0 ? scale : MIN_SCALE)
}

/**
 * The camera once the view has changed size (a window resize, a rail collapsing or expanding): an
 * image that was fitted is fitted to the new view; otherwise the zoom is kept and the image point
 * at the view's centre stays at its centre. Sizes in CSS pixels.
 */
export function cameraAfterResize(camera: Camera, image: Size, before: Size, after: Size): Camera {
  if (before.width <= 0 || before.height <= 0) return fitCamera(image, after)
  const fitted = fitCamera(image, before)
  const wasFitted =
    Math.abs(fitted.scale - camera.scale) <= 1e-9 * fitted.scale &&
    Math.abs(fitted.offsetX - camera.offsetX) < 0.5 &&
    Math.abs(fitted.offsetY - camera.offsetY) < 0.5
  if (wasFitted) return fitCamera(image, after)
  return panBy(camera, (after.width - before.width) / 2, (after.height - before.height) / 2)
}

export function centredCamera(image: Size, view: Size, scale: number): Camera {
  return { scale, offsetX: (view.width - image.width * scale) / 2, offsetY: (view.height - image.height * scale) / 2 }
}

/** Zooms by `factor` keeping the image point under (screenX, screenY) fixed. */
export function zoomAt(camera: Camera, screenX: number, screenY: number, factor: number): Camera {
  const scale = clampScale(camera.scale * factor)
  const ratio = scale / camera.scale
  return { scale, offsetX: screenX - (screenX - camera.offsetX) * ratio, offsetY: screenY - (screenY - camera.offsetY) * ratio }
}

export function panBy(camera: Camera, dx: number, dy: number): Camera {
  return { ...camera, offsetX: camera.offsetX + dx, offsetY: camera.offsetY + dy }
}

export function screenToImage(camera: Camera, screenX: number, screenY: number): { x: number; y: number } {
  return { x: (screenX - camera.offsetX) / camera.scale, y: (screenY - camera.offsetY) / camera.scale }
}

export function imageToScreen(camera: Camera, x: number, y: number): { x: number; y: number } {
  return { x: x * camera.scale + camera.offsetX, y: y * camera.scale + camera.offsetY }
}

/** Wheel delta (pixels, as browsers report with deltaMode 0) → zoom factor; smooth on trackpads. */
export function wheelZoomFactor(deltaY: number): number {
  return Math.exp(-deltaY * 0.0015)
}

/** How `centreOnBox` may change the zoom. */
export type CentreZoom = 'keep' | 'fit-if-small' | 'fit'

/** The most `centreOnBox` magnifies to show a small mask: tiny masks keep some surroundings. */
export const MAX_FOCUS_SCALE = 16
/** 'fit-if-small' zooms in until the box's larger side (relative to the view) fills this fraction of the view. */
export const FOCUS_FRACTION = 1 / 3

/**
 * A camera with the centre of `box` ([x, y, w, h], image pixels) in the middle of the view.
 * - 'keep': same scale.
 * - 'fit': the box fills the view (less the margin), at most MAX_FOCUS_SCALE.
 * - 'fit-if-small': a box smaller than a third of the view is zoomed in to a third (at most
 *   MAX_FOCUS_SCALE); a box that does not fit is zoomed out until it does; never below the
 *   whole-image fit (nor below the current scale when that is already lower).
 */
export function centreOnBox(
  camera: Camera,
  box: readonly [number, number, number, number],
  view: Size,
  image: Size,
  zoom: CentreZoom = 'keep',
): Camera {
  const [x, y, w, h] = box
  const bw = Math.max(1, w)
  const bh = Math.max(1, h)
  const boxFit = Math.min((view.width - 2 * FIT_MARGIN) / bw, (view.height - 2 * FIT_MARGIN) / bh)
  let scale = camera.scale
  if (zoom === 'fit') scale = Math.min(boxFit, MAX_FOCUS_SCALE)
  else if (zoom === 'fit-if-small') {
    const floor = Math.min(fitCamera(image, view).scale, camera.scale)
    const onScreen = Math.max((bw * scale) / view.width, (bh * scale) / view.height)
    if (scale > boxFit) scale = Math.max(boxFit, floor)
    else if (onScreen < FOCUS_FRACTION) {
      const focus = Math.min(view.width / bw, view.height / bh) * FOCUS_FRACTION
      scale = Math.max(scale, Math.min(focus, MAX_FOCUS_SCALE), floor)
    }
  }
  scale = clampScale(scale > 0 && Number.isFinite(scale) ? scale : camera.scale)
  return { scale, offsetX: view.width / 2 - (x + w / 2) * scale, offsetY: view.height / 2 - (y + h / 2) * scale }
}
