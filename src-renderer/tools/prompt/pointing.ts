import type { PromptPoint } from '../../../src-preload/contract/dto'
import { movedBeyondSlop, type ToolPointer, type ToolState } from '../tool-state'
import type { PromptTool } from './prompt-tool'

/** A press on the image: released in place it is a point; dragged (primary button) it becomes a box. */
export class PromptPointing implements ToolState {
  private origin: ToolPointer | null = null

  constructor(private readonly tool: PromptTool) {}

  onEnter(from: ToolPointer | null): void {
    this.origin = from
    if (from) this.tool.host.anticipate?.(pointOf(from))
  }

  onPointerMove(pointer: ToolPointer): void {
    const origin = this.origin
    if (!origin || !movedBeyondSlop(origin, pointer)) return
    // A right-button drag has no meaning here; it stays a (negative) click if released.
    if (origin.button === 0 && !origin.alt) {
      this.tool.host.anticipate?.(null)
      this.tool.transition('drawingBox', origin)
    }
  }

  onPointerUp(pointer: ToolPointer): void {
    const origin = this.origin ?? pointer
    this.tool.transition('idle')
    if (movedBeyondSlop(origin, pointer)) {
      this.tool.host.anticipate?.(null)
      return // a right-drag: nothing
    }
    this.tool.host.addPoint(pointOf(origin))
  }

  onCancel(): void {
    this.tool.host.anticipate?.(null)
    this.tool.transition('idle')
  }
}

/** The point a press makes: negative with the secondary button or Alt. */
function pointOf(press: ToolPointer): PromptPoint {
  return { x: press.x, y: press.y, label: press.button === 2 || press.alt ? 'negative' : 'positive' }
}
