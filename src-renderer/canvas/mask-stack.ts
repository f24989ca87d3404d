/**
 * The ordered masks of the overlay (bottom to top) and what an incremental change dirties. Pure:
 * the viewer repaints the rectangles `update` returns with `compositeRect`.
 */
import {
  bitmapCovers,
  bitmapRect,
  intersectRects,
  MAX_OUTLINE_WIDTH,
  rectArea,
  type MaskStyle,
  type OverlayItem,
  type Rect,
} from './mask-compositor'

export class MaskStack {
  private list: OverlayItem[] = []
  private positions = new Map<number, number>()

  /** Bottom to top. */
  get items(): readonly OverlayItem[] {
    return this.list
  }

  get size(): number {
    return this.list.length
  }

  get(id: number): OverlayItem | undefined {
    const position = this.positions.get(id)
    return position === undefined ? undefined : this.list[position]
  }

  /** Replaces everything. A repeated id keeps its first position and its last content. */
  replaceAll(items: readonly OverlayItem[]): void {
    this.list = []
    this.positions = new Map()
    for (const item of items) this.put(item)
  }

  /**
   * Restyles/replaces the masks of `items` that are here (keeping their place in the order), adds
   * the others on top (in the given order) and removes `removedIds`. Returns the rectangles whose
   * pixels may have changed: the old and new crops of every mask that changed (an item equal to
   * the one held — same bitmap object, same style — changes nothing).
   */
  update(items: readonly OverlayItem[], removedIds: readonly number[] = []): Rect[] {
    const dirty: Rect[] = []
    const removed = new Set<number>()
    for (const id of removedIds) {
      const old = this.get(id)
      if (!old) continue
      removed.add(id)
      dirty.push(bitmapRect(old.bitmap))
    }
    if (removed.size > 0) {
      this.list = this.list.filter((item) => !removed.has(item.id))
      this.reindex()
    }
    for (const item of items) {
      const old = this.get(item.id)
      if (old && old.bitmap === item.bitmap && sameStyle(old.style, item.style)) continue
      if (old && old.bitmap !== item.bitmap) dirty.push(bitmapRect(old.bitmap))
      dirty.push(bitmapRect(item.bitmap))
      this.put(item)
    }
    return dirty.filter((rect) => rect.width > 0 && rect.height > 0)
  }

  /** The top-most mask covering image point (x, y) (continuous: pixel i spans [i, i + 1)) that passes `filter`. */
  topAt(x: number, y: number, filter?: (id: number) => boolean): number | null {
    const px = Math.floor(x)
    const py = Math.floor(y)
    for (let index = this.list.length - 1; index >= 0; index--) {
      const { id, bitmap } = this.list[index] as OverlayItem
      // The box test first: cheap, and rules out almost every mask.
      if (px < bitmap.x || py < bitmap.y || px >= bitmap.x + bitmap.width || py >= bitmap.y + bitmap.height) continue
      if (!bitmapCovers(bitmap, px, py)) continue
      if (filter && !filter(id)) continue
      return id
    }
    return null
  }

  private put(item: OverlayItem): void {
    const position = this.positions.get(item.id)
    if (position === undefined) {
      this.positions.set(item.id, this.list.length)
      this.list.push(item)
    } else this.list[position] = item
  }

  private reindex(): void {
    this.positions = new Map(this.list.map((item, index) => [item.id, index]))
  }
}

export function sameStyle(a: MaskStyle, b: MaskStyle): boolean {
  return (
    a === b ||
    (a.rgb[0] === b.rgb[0] &&
      a.rgb[1] === b.rgb[1] &&
      a.rgb[2] === b.rgb[2] &&
      a.fillAlpha === b.fillAlpha &&
      a.outline === b.outline &&
      a.outlineRgb[0] === b.outlineRgb[0] &&
      a.outlineRgb[1] === b.outlineRgb[1] &&
      a.outlineRgb[2] === b.outlineRgb[2] &&
      (a.outlineWidth ?? 1) === (b.outlineWidth ?? 1) &&
      (a.cornerMark ?? false) === (b.cornerMark ?? false) &&
      (a.ghost ?? false) === (b.ghost ?? false))
  )
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x)
  const y = Math.min(a.y, b.y)
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y }
}

/**
 * Merges overlapping (or touching) rectangles into their bounding boxes until none overlap, after
 * clipping them to `bounds`. Few rectangles in practice (one decision touches one or two masks).
 */
export function mergeRects(rects: readonly Rect[], bounds: Rect): Rect[] {
  const out: Rect[] = []
  for (const rect of rects) {
    let merged = intersectRects(rect, bounds)
    if (merged.width === 0 || merged.height === 0) continue
    // Absorb every rectangle it touches; a grown rectangle may touch ones it missed, so loop.
    for (let changed = true; changed;) {
      changed = false
      for (let index = out.length - 1; index >= 0; index--) {
        const other = out[index] as Rect
        if (touches(merged, other)) {
          merged = union(merged, other)
          out.splice(index, 1)
          changed = true
        }
      }
    }
    out.push(merged)
  }
  return out
}

function touches(a: Rect, b: Rect): boolean {
  return a.x <= b.x + b.width && b.x <= a.x + a.width && a.y <= b.y + b.height && b.y <= a.y + a.height
}

/** Total area of disjoint rectangles. */
export function totalArea(rects: readonly Rect[]): number {
  return rects.reduce((sum, rect) => sum + rectArea(rect), 0)
}

/** The rows [y0, y1) spanned by some rectangles (null when there are none). */
export function rowSpan(rects: readonly Rect[]): { y0: number; y1: number } | null {
  if (rects.length === 0) return null
  let y0 = Infinity
  let y1 = -Infinity
  for (const rect of rects) {
    y0 = Math.min(y0, rect.y)
    y1 = Math.max(y1, rect.y + rect.height)
  }
  return { y0, y1 }
}

/**
 * What to repaint when a live mask (a full-image buffer changed in place, see
 * ImageViewer.showLiveMask) changed: the rectangles its owner says changed, widened by the widest
 * outline (a pixel set next to an edge pixel turns that one into an inner pixel); or, when it does not
 * say (null), everything inside the bounds the mask had and has now.
 */
export function liveRepaintRects(before: Rect | null, after: Rect | null, changed: readonly Rect[] | null): Rect[] {
  if (changed === null) return [before, after].filter((rect): rect is Rect => rect !== null)
  const pad = MAX_OUTLINE_WIDTH
  return changed.map((rect) => ({ x: rect.x - pad, y: rect.y - pad, width: rect.width + 2 * pad, height: rect.height + 2 * pad }))
}
