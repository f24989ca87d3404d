import { movedBeyondSlop, type ToolPointer, type ToolState } from '../tool-state'
import type { PromptTool } from './prompt-tool'

/** A press on the image: released in place it is a point; dragged (primary button) it becomes a box. */
export class PromptPointing implements ToolState {
  private origin: ToolPointer | null = null

  constructor(private readonly tool: PromptTool) {}

  onEnter(from: ToolPointer | null): void {
    this.origin = from
  }

  onPointerMove(pointer: ToolPointer): void {
    const origin = this.origin
    if (!origin || !movedBeyondSlop(origin, pointer)) return
    // A right-button drag has no meaning here; it stays a (negative) click if released.
    if (origin.button === 0 && !origin.alt) this.tool.transition('drawingBox', origin)
  }

  onPointerUp(pointer: ToolPointer): void {
    const origin = this.origin ?? pointer
    this.tool.transition('idle')
    if (movedBeyondSlop(origin, pointer)) return // a right-drag: nothing
    const negative = origin.button === 2 || origin.alt
    this.tool.host.addPoint({ x: origin.x, y: origin.y, label: negative ? 'negative' : 'positive' })
  }

  onCancel(): void {
    this.tool.transition('idle')
  }
}
