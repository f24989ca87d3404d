/**
 * Raster brush and eraser at annotation resolution. A stroke is a polyline of pointer positions in
 * continuous image pixels (pixel i spans [i, i+1)) with one radius; it sets (brush) or clears (eraser)
 * every pixel whose centre (i + 0.5, j + 0.5) lies within `radius` of the polyline — a chain of capsules,
 * the exact limit of stamping a disk at every point along the path. Edits stay raster: holes and
 * separate parts survive (no polygon round trip).
 *
 * Cost: per segment, the capsule's rows times the pixels each row crosses (one exact distance test per
 * pixel), not its bounding box: a diagonal stroke does not scan the box around it.
 */

export interface BrushPoint {
  x: number
  y: number
}

export interface BrushStroke {
  /** 'paint' sets pixels (brush), 'erase' clears them (eraser). */
  mode: 'paint' | 'erase'
  /** Radius in annotation pixels (> 0). */
  radius: number
  /** Pointer positions in order; one point is a single dab. */
  points: readonly BrushPoint[]
}

/** The rectangle of pixels a paint may have changed (x, y, width, height), or null when none. */
export interface PixelRect {
  x: number
  y: number
  width: number
  height: number
}

/** Squared distance from (px, py) to the segment a→b (a point when a = b). The definition the brush uses. */
export function segmentDistanceSquared(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax
  const dy = by - ay
  const lengthSquared = dx * dx + dy * dy
  let t = lengthSquared === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / lengthSquared
  if (t < 0) t = 0
  else if (t > 1) t = 1
  const ex = px - (ax + t * dx)
  const ey = py - (ay + t * dy)
  return ex * ex + ey * ey
}

/** [lo, hi] of the x where k·x + m lies in [low, high]; null when none (k = 0 means all x or none). */
function linearRange(k: number, m: number, low: number, high: number): [number, number] | null {
  if (k === 0) return m >= low && m <= high ? [-Infinity, Infinity] : null
  const a = (low - m) / k
  const b = (high - m) / k
  return a <= b ? [a, b] : [b, a]
}

function intersect(a: [number, number] | null, b: [number, number] | null): [number, number] | null {
  if (!a || !b) return null
  const lo = Math.max(a[0], b[0])
  const hi = Math.min(a[1], b[1])
  return lo <= hi ? [lo, hi] : null
}

function union(a: [number, number] | null, b: [number, number] | null): [number, number] | null {
  if (!a) return b
  if (!b) return a
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])]
}

/** The x interval where the row y = cy meets the disk of `radius` around (x, y). */
function diskRow(x: number, y: number, radius: number, cy: number): [number, number] | null {
  const h = radius * radius - (cy - y) * (cy - y)
  if (h < 0) return null
  const half = Math.sqrt(h)
  return [x - half, x + half]
}

/**
 * Paints one capsule (segment a→b of `radius`) into row-major `pixels` (width × height) with `value`.
 * Returns the rectangle of rows and columns it touched, or null when the capsule misses the image.
 */
export function paintCapsule(
  pixels: Uint8Array,
  width: number,
  height: number,
  a: BrushPoint,
  b: BrushPoint,
  radius: number,
  value: 0 | 1,
): PixelRect | null {
  if (pixels.length !== width * height) throw new RangeError(`paintCapsule: ${pixels.length} bytes for ${width}×${height}`)
  if (!(radius > 0) || !Number.isFinite(radius)) throw new RangeError(`paintCapsule: radius must be a positive number, got ${radius}`)
  const r2 = radius * radius
  const dx = b.x - a.x
  const dy = b.y - a.y
  const length = Math.hypot(dx, dy)
  // Rows whose centre can be within reach: cy = j + 0.5 in [min y − r, max y + r].
  const j0 = Math.max(0, Math.ceil(Math.min(a.y, b.y) - radius - 0.5))
  const j1 = Math.min(height - 1, Math.floor(Math.max(a.y, b.y) + radius - 0.5))
  let minX = width
  let maxX = -1
  let minY = -1
  let maxY = -1
  for (let j = j0; j <= j1; j++) {
    const cy = j + 0.5
    // The capsule is convex and the two end disks plus the band between them cover it, so the union of
    // their row intervals is the capsule's row interval; the exact test below decides the boundary pixels.
    let range = union(diskRow(a.x, a.y, radius, cy), diskRow(b.x, b.y, radius, cy))
    if (length > 0) {
      // Band: |cross(d, p − a)| ≤ r·|d| and 0 ≤ dot(d, p − a) ≤ |d|², each linear in x on this row.
      const across = linearRange(-dy, dx * (cy - a.y) + dy * a.x, -radius * length, radius * length)
      const along = linearRange(dx, dy * (cy - a.y) - dx * a.x, 0, length * length)
      range = union(range, intersect(across, along))
    }
    if (!range) continue
    // One pixel of slack each side against rounding in the interval; the exact test is what counts.
    const i0 = Math.max(0, Math.floor(range[0] - 0.5) - 1)
    const i1 = Math.min(width - 1, Math.ceil(range[1] - 0.5) + 1)
    const row = j * width
    let touched = false
    for (let i = i0; i <= i1; i++) {
      if (segmentDistanceSquared(i + 0.5, cy, a.x, a.y, b.x, b.y) > r2) continue
      pixels[row + i] = value
      touched = true
      if (i < minX) minX = i
      if (i > maxX) maxX = i
    }
    if (touched) {
      if (minY < 0) minY = j
      maxY = j
    }
  }
  return maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 }
}

/** The smallest rectangle holding both (either may be null). */
export function unionRect(a: PixelRect | null, b: PixelRect | null): PixelRect | null {
  if (!a) return b
  if (!b) return a
  const x = Math.min(a.x, b.x)
  const y = Math.min(a.y, b.y)
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y }
}

/**
 * Paints the segment of a stroke that ends at point `index` (a dab for index 0). Incremental painting
 * while the pointer moves calls this once per new point; applyStroke calls it for every point.
 */
export function paintStrokeSegment(
  pixels: Uint8Array,
  width: number,
  height: number,
  stroke: BrushStroke,
  index: number,
): PixelRect | null {
  const to = stroke.points[index]
  if (!to) return null
  const from = index === 0 ? to : stroke.points[index - 1]!
  return paintCapsule(pixels, width, height, from, to, stroke.radius, stroke.mode === 'paint' ? 1 : 0)
}

/** Applies whole strokes in order (later strokes win where they overlap). Returns what changed, or null. */
export function applyStrokes(pixels: Uint8Array, width: number, height: number, strokes: readonly BrushStroke[]): PixelRect | null {
  let dirty: PixelRect | null = null
  for (const stroke of strokes)
    for (let index = 0; index < stroke.points.length; index++)
      dirty = unionRect(dirty, paintStrokeSegment(pixels, width, height, stroke, index))
  return dirty
}
