import type { ToolPointer, ToolState } from '../tool-state'
import type { PromptTool } from './prompt-tool'

/** Waiting: hovering previews the mask under the cursor until the object has a prompt. */
export class PromptIdle implements ToolState {
  constructor(private readonly tool: PromptTool) {}

  onPointerMove(pointer: ToolPointer): void {
    if (this.tool.host.hasPrompt()) return
    this.tool.host.preview(pointer.onImage ? { x: pointer.x, y: pointer.y } : null)
  }

  onPointerLeave(): void {
    this.tool.host.preview(null)
  }

  onPointerDown(pointer: ToolPointer): void {
    if (!pointer.onImage || (pointer.button !== 0 && pointer.button !== 2)) return
    this.tool.host.preview(null)
    this.tool.transition('pointing', pointer)
  }
}
