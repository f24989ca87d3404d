/** Pure geometry of the screen-space overlays (constant on-screen size whatever the zoom). */

/** A segment [x0, y0, x1, y1] in CSS pixels. */
export type Segment = [number, number, number, number]

/**
 * The dashes of a dashed line from (x0, y0) to (x1, y1): `dash` pixels drawn, `gap` skipped,
 * starting with a dash at `phase` pixels into the pattern. Returns the phase at the end, so a
 * polyline's dashes run on around corners.
 */
export function dashLine(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  dash: number,
  gap: number,
  phase = 0,
): { segments: Segment[]; phase: number } {
  const length = Math.hypot(x1 - x0, y1 - y0)
  const period = dash + gap
  const segments: Segment[] = []
  if (length === 0 || period <= 0) return { segments, phase }
  const ux = (x1 - x0) / length
  const uy = (y1 - y0) / length
  let t = 0
  let p = ((phase % period) + period) % period
  while (t < length) {
    const inDash = p < dash
    const step = Math.min(length - t, inDash ? dash - p : period - p)
    if (step < 1e-9) {
      // Rounding left us at a boundary of the pattern: move on to the next part.
      p = inDash ? dash : 0
      if (length - t < 1e-9) break
      continue
    }
    if (inDash) segments.push([x0 + ux * t, y0 + uy * t, x0 + ux * (t + step), y0 + uy * (t + step)])
    t += step
    p = (p + step) % period
  }
  return { segments, phase: p }
}

/** An axis-aligned screen rectangle. */
export interface ScreenRect {
  x: number
  y: number
  width: number
  height: number
}

/**
 * The dashes of a rectangle's outline, clockwise from its top-left corner. With `clip`, only the
 * dashes within it (edges clipped, the pattern unchanged): a crop box zoomed 16× has a perimeter of
 * tens of thousands of pixels, nearly all off screen.
 */
export function dashedRect(x: number, y: number, width: number, height: number, dash: number, gap: number, clip?: ScreenRect): Segment[] {
  const corners: [number, number][] = [
    [x, y],
    [x + width, y],
    [x + width, y + height],
    [x, y + height],
    [x, y],
  ]
  const period = dash + gap
  const segments: Segment[] = []
  let phase = 0
  for (let index = 0; index < 4; index++) {
    const [ax, ay] = corners[index] as [number, number]
    const [bx, by] = corners[index + 1] as [number, number]
    const length = Math.hypot(bx - ax, by - ay)
    const span = clip ? clipSegment(ax, ay, bx, by, clip) : { t0: 0, t1: 1 }
    if (span && length > 0) {
      const line = dashLine(
        ax + (bx - ax) * span.t0,
        ay + (by - ay) * span.t0,
        ax + (bx - ax) * span.t1,
        ay + (by - ay) * span.t1,
        dash,
        gap,
        period > 0 ? (phase + span.t0 * length) % period : 0,
      )
      segments.push(...line.segments)
    }
    phase = period > 0 ? (phase + length) % period : 0
  }
  return segments
}

/** The part [t0, t1] of the segment a→b (t from 0 at a to 1 at b) inside `clip`, or null (Liang–Barsky). */
export function clipSegment(ax: number, ay: number, bx: number, by: number, clip: ScreenRect): { t0: number; t1: number } | null {
  const dx = bx - ax
  const dy = by - ay
  let t0 = 0
  let t1 = 1
  const edges: [number, number][] = [
    [-dx, ax - clip.x],
    [dx, clip.x + clip.width - ax],
    [-dy, ay - clip.y],
    [dy, clip.y + clip.height - ay],
  ]
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null
      continue
    }
    const t = q / p
    if (p < 0) t0 = Math.max(t0, t)
    else t1 = Math.min(t1, t)
    if (t0 > t1) return null
  }
  return { t0, t1 }
}

/** Highlight band width in image pixels for a camera scale: about `screenPixels` on screen, at least 1. */
export function bandWidthForScale(scale: number, screenPixels: number, max = 12): number {
  return Math.min(max, Math.max(1, Math.ceil(screenPixels / scale)))
}
