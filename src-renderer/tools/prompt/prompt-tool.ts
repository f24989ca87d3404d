/**
 * The prompt tool: click = positive point, Alt-click or right-click = negative point, drag = box; any
 * combination refines the same object. Before the first prompt, hovering asks the host for a preview
 * of the mask under the cursor. States: idle → pointing (a press, not yet a drag) → drawingBox.
 *
 * A press already tells the host the point it will add if released in place (`anticipate`), so the
 * model can answer while the button is still down (a press lasts ~100 ms, longer than the answer);
 * a drag or a cancel withdraws it (`anticipate(null)`).
 */
import type { PromptBox, PromptPoint } from '../../../src-preload/contract/dto'
import { StateMachineTool, type ToolState } from '../tool-state'
import { DrawingBox } from './drawing-box'
import { PromptIdle } from './idle'
import { PromptPointing } from './pointing'

export interface PromptToolHost {
  addPoint(point: PromptPoint): void
  /** The point a press will add if it is released in place; null: it will not (it became a drag, or was cancelled). */
  anticipate?(point: PromptPoint | null): void
  setBox(box: PromptBox): void
  /** Whether the object already has a prompt (then hovering shows no preview). */
  hasPrompt(): boolean
  /** Preview of the mask under the cursor before the first prompt; null stops it. */
  preview(point: { x: number; y: number } | null): void
  /** The box being dragged, in image pixels; null when none. */
  showBoxDraft(box: PromptBox | null): void
}

/** A box thinner than this (image px) on either side is a slip of the hand, not a box. */
export const MIN_BOX_SIDE_PX = 2

export type PromptStateName = 'idle' | 'pointing' | 'drawingBox'

export class PromptTool extends StateMachineTool<PromptStateName> {
  protected readonly states: Record<PromptStateName, ToolState>

  constructor(readonly host: PromptToolHost) {
    super('prompt', 'idle')
    this.states = { idle: new PromptIdle(this), pointing: new PromptPointing(this), drawingBox: new DrawingBox(this) }
  }
}
