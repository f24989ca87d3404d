/**
 * Interaction tools as state machines (one file per state), driven by pointer input in image
 * coordinates and emitting commands to a host. Plain TypeScript: no Svelte, no pixi, no DOM, so
 * tests drive them with synthetic pointers and assert the state path and the host calls.
 */

/** A pointer event as tools see it. */
export interface ToolPointer {
  /** Image position in continuous annotation pixels (pixel i spans [i, i+1)). */
  x: number
  y: number
  /** Screen position in CSS pixels, to tell a click from a drag. */
  screenX: number
  screenY: number
  /** 0 = primary, 2 = secondary. (The middle button always pans; tools never see it.) */
  button: number
  alt: boolean
  /** Whether the image position lies on the image. */
  onImage: boolean
}

/** A press that moves less than this (CSS px) is a click, not a drag. */
export const CLICK_SLOP_PX = 4

export function movedBeyondSlop(from: ToolPointer, to: ToolPointer): boolean {
  return Math.hypot(to.screenX - from.screenX, to.screenY - from.screenY) >= CLICK_SLOP_PX
}

export interface ToolState {
  onEnter?(from: ToolPointer | null): void
  onExit?(): void
  onPointerDown?(pointer: ToolPointer): void
  onPointerMove?(pointer: ToolPointer): void
  onPointerUp?(pointer: ToolPointer): void
  /** The pointer left the canvas (not while captured). */
  onPointerLeave?(): void
  /** Esc, tool switch, or a lost pointer capture: abandon what the press was doing. */
  onCancel?(): void
}

/** A tool: named child states and the current one. Transitions are explicit: `transition('pointing', pointer)`. */
export abstract class StateMachineTool<Name extends string> {
  protected abstract readonly states: Record<Name, ToolState>
  private currentName: Name

  protected constructor(
    readonly id: string,
    initial: Name,
  ) {
    this.currentName = initial
  }

  /** "tool.state", e.g. "prompt.drawingBox": what tests assert. */
  get path(): string {
    return `${this.id}.${this.currentName}`
  }

  get state(): Name {
    return this.currentName
  }

  transition(name: Name, pointer: ToolPointer | null = null): void {
    this.states[this.currentName].onExit?.()
    this.currentName = name
    this.states[name].onEnter?.(pointer)
  }

  pointerDown(pointer: ToolPointer): void {
    this.states[this.currentName].onPointerDown?.(pointer)
  }

  pointerMove(pointer: ToolPointer): void {
    this.states[this.currentName].onPointerMove?.(pointer)
  }

  pointerUp(pointer: ToolPointer): void {
    this.states[this.currentName].onPointerUp?.(pointer)
  }

  pointerLeave(): void {
    this.states[this.currentName].onPointerLeave?.()
  }

  cancel(): void {
    this.states[this.currentName].onCancel?.()
  }
}
