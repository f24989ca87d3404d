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
