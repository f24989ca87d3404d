import type { ToolPointer, ToolState } from '../tool-state'
import type { BrushTool } from './brush-tool'

/** Not painting: the size cursor follows the pointer; a press starts a stroke. */
export class BrushIdle implements ToolState {
  constructor(private readonly tool: BrushTool) {}

  onPointerMove(pointer: ToolPointer): void {
    this.tool.cursor = pointer.onImage ? { x: pointer.x, y: pointer.y } : null
    this.tool.host.showCursor(this.tool.cursor, this.tool.radius)
  }

  onPointerLeave(): void {
    this.tool.cursor = null
    this.tool.host.showCursor(null, this.tool.radius)
  }

  onPointerDown(pointer: ToolPointer): void {
    if (pointer.button !== 0 && pointer.button !== 2) return
    const opposite = pointer.button === 2 || pointer.alt
    const mode = opposite ? (this.tool.mode === 'paint' ? 'erase' : 'paint') : this.tool.mode
    const started = this.tool.host.beginStroke({ mode, radius: this.tool.radius, points: [{ x: pointer.x, y: pointer.y }] })
    if (started) this.tool.transition('painting', pointer)
  }
}
