import type { PromptBox } from '../../../src-preload/contract/dto'
import type { ToolPointer, ToolState } from '../tool-state'
import { MIN_BOX_SIDE_PX, type PromptTool } from './prompt-tool'

/** Dragging a box prompt: the rubber band follows the pointer; release sets the object's box. */
export class DrawingBox implements ToolState {
  private origin: ToolPointer | null = null
  private box: PromptBox | null = null

  constructor(private readonly tool: PromptTool) {}

  onEnter(from: ToolPointer | null): void {
    this.origin = from
    this.box = null
  }

  onExit(): void {
    this.tool.host.showBoxDraft(null)
  }

  onPointerMove(pointer: ToolPointer): void {
    if (!this.origin) return
    this.box = {
      x0: Math.min(this.origin.x, pointer.x),
      y0: Math.min(this.origin.y, pointer.y),
      x1: Math.max(this.origin.x, pointer.x),
      y1: Math.max(this.origin.y, pointer.y),
    }
    this.tool.host.showBoxDraft(this.box)
  }

  onPointerUp(pointer: ToolPointer): void {
    this.onPointerMove(pointer)
    const box = this.box
    this.tool.transition('idle')
    if (box && box.x1 - box.x0 >= MIN_BOX_SIDE_PX && box.y1 - box.y0 >= MIN_BOX_SIDE_PX) this.tool.host.setBox(box)
  }

  onCancel(): void {
    this.tool.transition('idle')
  }
}
