/**
 * Pure pixel rules of the mask overlay: how one mask is painted (fill, solid or dashed outline,
 * corner mark, ghosting) and compositing a rectangle of the overlay from a stack of masks. No
 * WebGL, no DOM: the viewer uploads what these functions write, and tests compare them with a
 * brute-force painter.
 *
 * The overlay is one RGBA buffer at annotation resolution (width·height·4 bytes, 6 MB for
 * 1500×1000), PREMULTIPLIED alpha, so the GPU samples it without converting and linear filtering
 * stays correct. A later mask replaces the pixels it paints (no blending between masks): the top
 * mask's colour is the one you see, and a mask with no fill leaves the fill under it visible.
 *
 * Every pixel a mask paints lies inside its bitmap's crop (outlines are drawn inward, the corner
 * mark sits in the crop's corner), so repainting the union of the crops of the masks that changed
 * is enough for an incremental update.
 */
import type { MaskBitmap } from '../../src-main/core/masks'

export type Rgb = readonly [r: number, g: number, b: number]

export interface MaskStyle {
  /** Fill colour. */
  rgb: Rgb
  /** Fill opacity, 0–1 (0 = outline only). */
  fillAlpha: number
  outline: 'solid' | 'dashed' | 'none'
  outlineRgb: Rgb
  /** Outline thickness in image pixels, 1–3 (drawn inside the mask); default 1. */
  outlineWidth?: number
  /** A small L-shaped bracket in the top-left corner of the mask's box (e.g. manual masks). */
  cornerMark?: boolean
  /** Rejected/discarded masks shown on demand: faint outline and fill. */
  ghost?: boolean
}

export interface OverlayItem {
  /** The mask id; unique within one overlay. */
  id: number
  bitmap: MaskBitmap
  style: MaskStyle
}

/** Integer pixel rectangle [x, x + width) × [y, y + height). */
export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface PixelSize {
  width: number
  height: number
}

/** Dashes: DASH_LENGTH pixels on, DASH_LENGTH off, counted along x on horizontal edges and along y on vertical ones. */
export const DASH_LENGTH = 5
const DASH_PERIOD = 2 * DASH_LENGTH
export const MAX_OUTLINE_WIDTH = 3
/** Ghosted masks: outline opacity, and the factor on the fill opacity. */
export const GHOST_OUTLINE_ALPHA = 0.45
export const GHOST_FILL_FACTOR = 0.35
/** Corner mark: arm length and thickness in image pixels. */
export const CORNER_MARK_LENGTH = 9
export const CORNER_MARK_WIDTH = 2

/** The crop of a bitmap as a rectangle. */
export function bitmapRect(bitmap: MaskBitmap): Rect {
  return { x: bitmap.x, y: bitmap.y, width: bitmap.width, height: bitmap.height }
}

/** The overlap of two rectangles (width or height 0 when they do not overlap). */
export function intersectRects(a: Rect, b: Rect): Rect {
  const x = Math.max(a.x, b.x)
  const y = Math.max(a.y, b.y)
  const width = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - x)
  const height = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - y)
  return { x, y, width, height }
}

export function rectArea(rect: Rect): number {
  return rect.width * rect.height
}

/** Whether the image pixel (x, y) is inside the mask (integer coordinates). */
export function bitmapCovers(bitmap: MaskBitmap, x: number, y: number): boolean {
  const cx = x - bitmap.x
  const cy = y - bitmap.y
  if (cx < 0 || cy < 0 || cx >= bitmap.width || cy >= bitmap.height) return false
  return bitmap.pixels[cy * bitmap.width + cx] !== 0
}

/** Premultiplied RGBA of a colour at an opacity (0–1). */
export function premultiply(rgb: Rgb, alpha: number): [number, number, number, number] {
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255)
  return [Math.round((rgb[0] * a) / 255), Math.round((rgb[1] * a) / 255), Math.round((rgb[2] * a) / 255), a]
}

/** The two colours a style paints with, premultiplied; alpha 0 = that part is not painted. */
export function styleColours(style: MaskStyle): { outline: [number, number, number, number]; fill: [number, number, number, number] } {
  const ghost = style.ghost === true
  return {
    outline: style.outline === 'none' ? [0, 0, 0, 0] : premultiply(style.outlineRgb, ghost ? GHOST_OUTLINE_ALPHA : 1),
    fill: premultiply(style.rgb, ghost ? style.fillAlpha * GHOST_FILL_FACTOR : style.fillAlpha),
  }
}

export function outlineWidthOf(style: MaskStyle): number {
  if (style.outline === 'none') return 0
  return Math.min(MAX_OUTLINE_WIDTH, Math.max(1, Math.round(style.outlineWidth ?? 1)))
}

/** Whether a dashed outline pixel is drawn: dashes run along x on horizontal edges, along y on vertical ones. */
export function dashOn(x: number, y: number, horizontalEdge: boolean): boolean {
  const phase = horizontalEdge ? x : y
  return ((phase % DASH_PERIOD) + DASH_PERIOD) % DASH_PERIOD < DASH_LENGTH
}

/** Whether (x, y) of the crop lies on the corner mark (crop coordinates). */
export function onCornerMark(cx: number, cy: number): boolean {
  return (cx < CORNER_MARK_LENGTH && cy < CORNER_MARK_WIDTH) || (cy < CORNER_MARK_LENGTH && cx < CORNER_MARK_WIDTH)
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** RGBA bytes as one 32-bit word of a Uint32Array view over the same memory. */
function packRgba(rgba: readonly number[]): number {
  const [r = 0, g = 0, b = 0, a = 0] = rgba
  return LITTLE_ENDIAN ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0
}

/**
 * Clears `rect` of the overlay buffer and paints every item that meets it, in order (later over
 * earlier). `rgba` is the whole overlay (image.width·image.height·4, premultiplied). Cost: the
 * rect's area plus, per item, its crop ∩ rect — never the whole image per mask.
 */
export function compositeRect(rgba: Uint8Array | Uint8ClampedArray, image: PixelSize, rect: Rect, items: readonly OverlayItem[]): void {
  const area = intersectRects(rect, { x: 0, y: 0, width: image.width, height: image.height })
  if (area.width === 0 || area.height === 0) return
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2)
  for (let y = area.y; y < area.y + area.height; y++) words.fill(0, y * image.width + area.x, y * image.width + area.x + area.width)
  for (const item of items) {
    const part = intersectRects(area, bitmapRect(item.bitmap))
    if (part.width > 0 && part.height > 0) paintItem(words, image, part, item)
  }
}

/**
 * Paints one item's pixels within `part` (already clipped to the image and the item's crop).
 * The hot loop of the overlay (millions of pixels for a full repaint): direct indexing, one word
 * written per pixel.
 */
function paintItem(words: Uint32Array, image: PixelSize, part: Rect, item: OverlayItem): void {
  const { bitmap, style } = item
  const { x: bx, y: by, width: bw, height: bh, pixels } = bitmap
  const colours = styleColours(style)
  const outlineWord = packRgba(colours.outline)
  const fillWord = packRgba(colours.fill)
  const paintsFill = colours.fill[3] > 0
  const markWord = packRgba(premultiply(style.outlineRgb, style.ghost ? GHOST_OUTLINE_ALPHA : 1))
  const t = outlineWidthOf(style)
  const dashed = style.outline === 'dashed'
  const mark = style.cornerMark === true
  const imageWidth = image.width
  // The crop clipped to the image: beyond it every pixel counts as outside.
  const left = Math.max(bx, 0)
  const top = Math.max(by, 0)
  const right = Math.min(bx + bw, imageWidth)
  const bottom = Math.min(by + bh, image.height)
  const x1 = part.x + part.width
  const y1 = part.y + part.height
  for (let y = part.y; y < y1; y++) {
    const cy = y - by
    const cropRow = cy * bw - bx // index of image column x in this crop row = cropRow + x
    // Rows up to `t` away: inside the clipped crop or not.
    let word = y * imageWidth + part.x
    for (let x = part.x; x < x1; x++, word++) {
      if (mark && onCornerMark(x - bx, cy)) {
        words[word] = markWord
        continue
      }
      const index = cropRow + x
      if (pixels[index] === 0) continue
      let edge = false
      if (t === 1) {
        // The common case, unrolled: an outside 4-neighbour makes an edge pixel.
        const vertical = y === top || y + 1 === bottom || pixels[index - bw] === 0 || pixels[index + bw] === 0
        if (vertical || x === left || x + 1 === right || pixels[index - 1] === 0 || pixels[index + 1] === 0)
          edge = !dashed || (vertical ? x : y) % DASH_PERIOD < DASH_LENGTH
      } else if (t > 1) {
        let vertical = false
        for (let d = 1; d <= t; d++) {
          if (y - d < top || y + d >= bottom || pixels[index - d * bw] === 0 || pixels[index + d * bw] === 0) {
            vertical = true
            break
          }
        }
        let horizontal = false
        if (!vertical)
          for (let d = 1; d <= t; d++) {
            if (x - d < left || x + d >= right || pixels[index - d] === 0 || pixels[index + d] === 0) {
              horizontal = true
              break
            }
          }
        edge = (vertical || horizontal) && (!dashed || (vertical ? x : y) % DASH_PERIOD < DASH_LENGTH)
      }
      if (edge) words[word] = outlineWord
      else if (paintsFill) words[word] = fillWord
    }
  }
}

/** A small RGBA picture (premultiplied) placed at `rect` in image pixels. */
export interface Patch {
  rect: Rect
  rgba: Uint8Array
}

/**
 * Distance along a row or a column (whichever is shorter) from each pixel of `rect` to the nearest
 * pixel of the other state (inside ↔ outside), capped at `cap + 1`. Pixels beyond `rect` and off
 * the image count as outside. O(area of rect) whatever the cap.
 */
export function plusDistances(bitmap: MaskBitmap, rect: Rect, cap: number): Uint8Array {
  const { width, height } = rect
  const inside = new Uint8Array(width * height)
  // Copy the crop's rows into the rect (the rest is outside).
  const part = intersectRects(rect, bitmapRect(bitmap))
  for (let y = part.y; y < part.y + part.height; y++) {
    const from = (y - bitmap.y) * bitmap.width + (part.x - bitmap.x)
    inside.set(bitmap.pixels.subarray(from, from + part.width), (y - rect.y) * width + (part.x - rect.x))
  }
  for (let i = 0; i < inside.length; i++) if (inside[i] !== 0) inside[i] = 1
  const limit = Math.min(255, cap + 1)
  const out = new Uint8Array(width * height).fill(limit)
  // One line (a row or a column) in both directions, remembering the position of the last inside
  // and the last outside pixel; beyond the line's start is outside, never inside.
  const scan = (start: number, step: number, length: number): void => {
    let lastIn = -Infinity
    let lastOut = -1
    for (let i = 0, index = start; i < length; i++, index += step) {
      const d = inside[index] === 1 ? i - lastOut : i - lastIn
      if (d < (out[index] as number)) out[index] = d
      if (inside[index] === 1) lastIn = i
      else lastOut = i
    }
    lastIn = Infinity
    lastOut = length
    for (let i = length - 1, index = start + (length - 1) * step; i >= 0; i--, index -= step) {
      const d = inside[index] === 1 ? lastOut - i : lastIn - i
      if (d < (out[index] as number)) out[index] = d
      if (inside[index] === 1) lastIn = i
      else lastOut = i
    }
  }
  for (let y = 0; y < height; y++) scan(y * width, 1, width)
  for (let x = 0; x < width; x++) scan(x, width, height)
  return out
}

export interface HighlightStyle {
  /** Band inside the mask's edge, `width` image pixels thick. */
  band: { rgb: Rgb; alpha: number; width: number }
  /** Optional dark halo just outside the edge, for contrast on light images. */
  halo?: { rgb: Rgb; alpha: number; width: number }
  /** Optional tint of the interior. */
  tint?: { rgb: Rgb; alpha: number }
}

/**
 * The selection / hover picture of one mask: a band along its edge (inside), an optional halo
 * (outside) and tint. Sized to the crop plus the halo, clipped to the image: cheap to redo.
 */
export function paintHighlight(bitmap: MaskBitmap, image: PixelSize, style: HighlightStyle): Patch | null {
  const pad = style.halo ? style.halo.width : 0
  const rect = intersectRects(
    { x: bitmap.x - pad, y: bitmap.y - pad, width: bitmap.width + 2 * pad, height: bitmap.height + 2 * pad },
    { x: 0, y: 0, width: image.width, height: image.height },
  )
  if (rect.width === 0 || rect.height === 0) return null
  const cap = Math.max(style.band.width, pad)
  const distances = plusDistances(bitmap, rect, cap)
  const band = premultiply(style.band.rgb, style.band.alpha)
  const halo = style.halo ? premultiply(style.halo.rgb, style.halo.alpha) : null
  const tint = style.tint ? premultiply(style.tint.rgb, style.tint.alpha) : null
  const rgba = new Uint8Array(rect.width * rect.height * 4)
  const words = new Uint32Array(rgba.buffer)
  const bandWord = packRgba(band)
  const haloWord = halo ? packRgba(halo) : 0
  const tintWord = tint ? packRgba(tint) : 0
  const bandWidth = style.band.width
  const haloWidth = style.halo?.width ?? 0
  for (let y = 0; y < rect.height; y++) {
    const cy = rect.y + y - bitmap.y
    for (let x = 0; x < rect.width; x++) {
      const index = y * rect.width + x
      const d = distances[index] as number
      const cx = rect.x + x - bitmap.x
      const inside = cx >= 0 && cy >= 0 && cx < bitmap.width && cy < bitmap.height && bitmap.pixels[cy * bitmap.width + cx] !== 0
      if (inside) words[index] = d <= bandWidth ? bandWord : tintWord
      else if (d <= haloWidth) words[index] = haloWord
    }
  }
  return { rect, rgba }
}

/** Coverage gaps: a magenta diagonal hatch over a faint tint, with a solid outline. */
export const GAP_RGB: Rgb = [236, 44, 214]
export const GAP_HATCH_ALPHA = 0.38
export const GAP_TINT_ALPHA = 0.1
export const GAP_OUTLINE_ALPHA = 0.9
/** Hatch: lines of HATCH_WIDTH pixels every HATCH_PERIOD pixels, running diagonally (x + y constant). */
export const HATCH_PERIOD = 8
export const HATCH_WIDTH = 3

/** Paints the gaps (clipped to the image) into one patch covering their union; null when there are none. */
export function paintGaps(gaps: readonly MaskBitmap[], image: PixelSize): Patch | null {
  const bounds = { x: 0, y: 0, width: image.width, height: image.height }
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  for (const gap of gaps) {
    const r = intersectRects(bitmapRect(gap), bounds)
    if (r.width === 0 || r.height === 0) continue
    x0 = Math.min(x0, r.x)
    y0 = Math.min(y0, r.y)
    x1 = Math.max(x1, r.x + r.width)
    y1 = Math.max(y1, r.y + r.height)
  }
  if (x0 === Infinity) return null
  const rect = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
  const rgba = new Uint8Array(rect.width * rect.height * 4)
  const hatch = premultiply(GAP_RGB, GAP_HATCH_ALPHA)
  const tint = premultiply(GAP_RGB, GAP_TINT_ALPHA)
  const outline = premultiply(GAP_RGB, GAP_OUTLINE_ALPHA)
  for (const gap of gaps) {
    const part = intersectRects(bitmapRect(gap), rect)
    for (let y = part.y; y < part.y + part.height; y++) {
      for (let x = part.x; x < part.x + part.width; x++) {
        if (!bitmapCovers(gap, x, y)) continue
        const edge =
          x === 0 ||
          y === 0 ||
          x === image.width - 1 ||
          y === image.height - 1 ||
          !bitmapCovers(gap, x - 1, y) ||
          !bitmapCovers(gap, x + 1, y) ||
          !bitmapCovers(gap, x, y - 1) ||
          !bitmapCovers(gap, x, y + 1)
        const colour = edge ? outline : (x + y) % HATCH_PERIOD < HATCH_WIDTH ? hatch : tint
        rgba.set(colour, ((y - rect.y) * rect.width + (x - rect.x)) * 4)
      }
    }
  }
  return { rect, rgba }
}

/**
 * The picture with the overlay burnt in, for `rect`: out = image · (1 − α·opacity) + overlay · opacity
 * (overlay premultiplied, image opaque RGBA). One textured quad per frame then shows both, which
 * halves the fill cost of a frame under software WebGL; the price is this blend on every repaint
 * (the rect's area) and a full one when the opacity changes. Rounds to nearest.
 */
export function blendRect(
  out: Uint8Array,
  image: Uint8Array | Uint8ClampedArray,
  overlay: Uint8Array | Uint8ClampedArray,
  size: PixelSize,
  rect: Rect,
  opacity: number,
): void {
  const area = intersectRects(rect, { x: 0, y: 0, width: size.width, height: size.height })
  if (area.width === 0 || area.height === 0) return
  const o = Math.round(Math.min(1, Math.max(0, opacity)) * 255)
  const outWords = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2)
  const imageWords = new Uint32Array(image.buffer, image.byteOffset, image.length >> 2)
  const overlayWords = new Uint32Array(overlay.buffer, overlay.byteOffset, overlay.length >> 2)
  for (let y = area.y; y < area.y + area.height; y++) {
    const start = y * size.width + area.x
    const end = start + area.width
    if (o === 0) {
      outWords.set(imageWords.subarray(start, end), start)
      continue
    }
    for (let word = start; word < end; word++) {
      if (overlayWords[word] === 0) {
        outWords[word] = imageWords[word] as number
        continue
      }
      const index = word * 4
      const k = (overlay[index + 3] as number) * o // α·opacity, 0–65025
      const keep = 65025 - k
      out[index] = (((image[index] as number) * keep + (overlay[index] as number) * o * 255 + 32512) / 65025) | 0
      out[index + 1] = (((image[index + 1] as number) * keep + (overlay[index + 1] as number) * o * 255 + 32512) / 65025) | 0
      out[index + 2] = (((image[index + 2] as number) * keep + (overlay[index + 2] as number) * o * 255 + 32512) / 65025) | 0
      out[index + 3] = 255
    }
  }
}
