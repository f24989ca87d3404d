/**
 * Brush and eraser on the object being edited (a candidate, or any selected mask), at annotation
 * resolution. Primary drag paints in the tool's mode; secondary (right) drag or Alt-drag does the
 * opposite, so one tool both adds and removes. States: idle (size cursor follows) → painting.
 */
import type { BrushStroke } from '../../../src-main/core/masks'
import { StateMachineTool, type ToolState } from '../tool-state'
import { BrushIdle } from './idle'
import { BrushPainting } from './painting'

export interface BrushToolHost {
  /** Starts a stroke at its first point; false when there is nothing it may edit (the press is ignored). */
  beginStroke(stroke: BrushStroke): boolean
  /** Adds a point to the stroke in progress (paints the new segment). */
  extendStroke(point: { x: number; y: number }): void
  /** The stroke is complete: one undo step. */
  endStroke(): void
  /** The stroke is abandoned (its pixels go back). */
  cancelStroke(): void
  /** The size cursor at an image point (radius in image px); null hides it. */
  showCursor(point: { x: number; y: number } | null, radius: number): void
}

/** Brush radius limits, annotation pixels. */
export const MIN_BRUSH_RADIUS = 1
export const MAX_BRUSH_RADIUS = 200
/** One size step (keyboard or wheel notch) scales the radius by this. */
export const BRUSH_SIZE_STEP = 1.2

export type BrushStateName = 'idle' | 'painting'

export class BrushTool extends StateMachineTool<BrushStateName> {
  protected readonly states: Record<BrushStateName, ToolState>
  radius = 8
  /** Where the pointer last was on the image, for redrawing the cursor when the size changes. */
  cursor: { x: number; y: number } | null = null

  constructor(
    readonly host: BrushToolHost,
    public mode: 'paint' | 'erase' = 'paint',
  ) {
    super('brush', 'idle')
    this.states = { idle: new BrushIdle(this), painting: new BrushPainting(this) }
  }

  /** Grows (steps > 0) or shrinks the brush by whole size steps, within the limits. */
  resize(steps: number): void {
    const next = this.radius * BRUSH_SIZE_STEP ** steps
    this.radius = Math.min(MAX_BRUSH_RADIUS, Math.max(MIN_BRUSH_RADIUS, Math.round(next * 10) / 10))
    this.host.showCursor(this.cursor, this.radius)
  }
}
