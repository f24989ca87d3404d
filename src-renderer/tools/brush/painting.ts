import type { ToolPointer, ToolState } from '../tool-state'
import type { BrushTool } from './brush-tool'

/** A stroke in progress: every move paints the segment from the last point (also off the image edge). */
export class BrushPainting implements ToolState {
  constructor(private readonly tool: BrushTool) {}

  onPointerMove(pointer: ToolPointer): void {
    this.tool.cursor = { x: pointer.x, y: pointer.y }
    this.tool.host.extendStroke(this.tool.cursor)
    this.tool.host.showCursor(this.tool.cursor, this.tool.radius)
  }

  onPointerUp(pointer: ToolPointer): void {
    this.onPointerMove(pointer)
    this.tool.host.endStroke()
    this.tool.transition('idle')
  }

  onCancel(): void {
    this.tool.host.cancelStroke()
    this.tool.transition('idle')
  }
}
