/**
 * The object's pixels as the canvas shows them: ONE annotation-size buffer (1 = inside), reused from
 * prompt to prompt, and a box holding every set pixel (`bounds`, loose: strokes grow it, erasing
 * does not shrink it). Changing what it shows costs the boxes involved — the old content is cleared
 * over its box, the shown candidate's crop is copied in, strokes are painted — never a pass over
 * the whole image, and never a new full-size buffer per prompt. The canvas repaints the same boxes.
 *
 * Copies kept for undo (`copy`, `restore`) hold the bounds' rows only.
 *
 * Pure: no Svelte, no DOM.
 */
import { applyStrokes, bitmapFromFull, paintStrokeSegment, unionRect } from '../../src-main/core/masks'
import type { BrushStroke, MaskBitmap, PixelRect } from '../../src-main/core/masks'
import { shownCandidate, type DraftCandidate, type DraftSnapshot } from './object-draft'

/** What the raster held: its bounds and those pixels (bounds.width·bounds.height, row-major). */
export interface RasterCopy {
  readonly bounds: PixelRect | null
  readonly crop: Uint8Array
}

/** Candidates without a crop of their own (tests, old callers) are cropped once from their full pixels. */
const crops = new WeakMap<DraftCandidate, MaskBitmap>()

/** A candidate's pixels cropped to their box. */
export function candidateBitmap(candidate: DraftCandidate, width: number, height: number): MaskBitmap {
  if (candidate.bitmap) return candidate.bitmap
  let crop = crops.get(candidate)
  if (!crop) crops.set(candidate, (crop = bitmapFromFull(candidate.pixels, width, height)))
  return crop
}

export class DraftRaster {
  /** width·height bytes, row-major, 1 = inside. Changed in place. */
  readonly pixels: Uint8Array
  private box: PixelRect | null = null

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height)
  }

  /** A box holding every set pixel (null: none is set). */
  get bounds(): PixelRect | null {
    return this.box
  }

  /** Shows a step: its shown candidate with its strokes applied in order. Returns the old and new bounds (what changed). */
  show(snapshot: Pick<DraftSnapshot, 'candidates' | 'shown' | 'strokes'>): PixelRect[] {
    const old = this.clearBox()
    const candidate = shownCandidate(snapshot as DraftSnapshot)
    let box: PixelRect | null = null
    if (candidate) {
      const bitmap = candidateBitmap(candidate, this.width, this.height)
      box = this.put(bitmap)
    }
    if (snapshot.strokes.length > 0) box = unionRect(box, clip(applyStrokes(this.pixels, this.width, this.height, snapshot.strokes), this))
    this.box = box
    return changed(old, box)
  }

  /** Clears everything; returns what was set. */
  reset(): PixelRect[] {
    return changed(this.clearBox(), null)
  }

  /** Paints one segment of a live stroke; returns the pixels it may have changed (null: none). */
  paintSegment(stroke: BrushStroke, index: number): PixelRect | null {
    const rect = clip(paintStrokeSegment(this.pixels, this.width, this.height, stroke, index), this)
    if (rect && stroke.mode === 'paint') this.box = unionRect(this.box, rect)
    return rect
  }

  copy(): RasterCopy {
    const box = this.box
    if (!box) return { bounds: null, crop: new Uint8Array(0) }
    const crop = new Uint8Array(box.width * box.height)
    for (let row = 0; row < box.height; row++) {
      const from = (box.y + row) * this.width + box.x
      crop.set(this.pixels.subarray(from, from + box.width), row * box.width)
    }
    return { bounds: { ...box }, crop }
  }

  /** Shows a copy made earlier; returns the old and new bounds. */
  restore(copy: RasterCopy): PixelRect[] {
    const old = this.clearBox()
    const box = copy.bounds
    if (box) {
      for (let row = 0; row < box.height; row++)
        this.pixels.set(copy.crop.subarray(row * box.width, (row + 1) * box.width), (box.y + row) * this.width + box.x)
    }
    this.box = box ? { ...box } : null
    return changed(old, this.box)
  }

  /** Whether any pixel is set (a pass over the bounds). */
  hasPixels(): boolean {
    const box = this.box
    if (!box) return false
    for (let row = 0; row < box.height; row++) {
      const from = (box.y + row) * this.width + box.x
      if (this.pixels.subarray(from, from + box.width).includes(1)) return true
    }
    return false
  }

  private clearBox(): PixelRect | null {
    const box = this.box
    if (box)
      for (let row = 0; row < box.height; row++)
        this.pixels.fill(0, (box.y + row) * this.width + box.x, (box.y + row) * this.width + box.x + box.width)
    this.box = null
    return box
  }

  /** Copies a crop in (its set pixels; the raster is clear there); returns its box clipped to the image. */
  private put(bitmap: MaskBitmap): PixelRect | null {
    const rect = clip({ x: bitmap.x, y: bitmap.y, width: bitmap.width, height: bitmap.height }, this)
    if (!rect) return null
    for (let row = 0; row < rect.height; row++) {
      const from = (rect.y - bitmap.y + row) * bitmap.width + (rect.x - bitmap.x)
      this.pixels.set(bitmap.pixels.subarray(from, from + rect.width), (rect.y + row) * this.width + rect.x)
    }
    return rect
  }
}

function clip(rect: PixelRect | null, size: { width: number; height: number }): PixelRect | null {
  if (!rect) return null
  const x = Math.max(0, rect.x)
  const y = Math.max(0, rect.y)
  const width = Math.min(size.width, rect.x + rect.width) - x
  const height = Math.min(size.height, rect.y + rect.height) - y
  return width > 0 && height > 0 ? { x, y, width, height } : null
}

function changed(before: PixelRect | null, after: PixelRect | null): PixelRect[] {
  return [before, after].filter((rect): rect is PixelRect => rect !== null)
}
