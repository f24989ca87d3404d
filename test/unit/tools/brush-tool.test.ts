/** The brush tool driven with synthetic pointers: strokes begun, extended, ended or cancelled, sizes, modes. */
import { beforeEach, describe, expect, it } from 'vitest'
import type { BrushStroke } from '../../../src-main/core/masks'
import {
  BRUSH_SIZE_STEP,
  BrushTool,
  MAX_BRUSH_RADIUS,
  MIN_BRUSH_RADIUS,
  type BrushToolHost,
} from '../../../src-renderer/tools/brush/brush-tool'
import type { ToolPointer } from '../../../src-renderer/tools/tool-state'

function at(x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer {
  return { x, y, screenX: x, screenY: y, button: 0, alt: false, onImage: true, ...extra }
}

class RecordingHost implements BrushToolHost {
  log: string[] = []
  strokes: BrushStroke[] = []
  cursor: { point: { x: number; y: number } | null; radius: number } | null = null
  editable = true
  beginStroke(stroke: BrushStroke): boolean {
    this.log.push(`begin ${stroke.mode} r${stroke.radius} ${stroke.points[0]!.x},${stroke.points[0]!.y}`)
    if (this.editable) this.strokes.push({ ...stroke, points: [...stroke.points] })
    return this.editable
  }
  extendStroke(point: { x: number; y: number }): void {
    this.log.push(`extend ${point.x},${point.y}`)
    ;(this.strokes.at(-1)!.points as { x: number; y: number }[]).push(point)
  }
  endStroke(): void {
    this.log.push('end')
  }
  cancelStroke(): void {
    this.log.push('cancel')
  }
  showCursor(point: { x: number; y: number } | null, radius: number): void {
    this.cursor = { point, radius }
  }
}

let host: RecordingHost
let tool: BrushTool
beforeEach(() => {
  host = new RecordingHost()
  tool = new BrushTool(host)
})

describe('brush tool', () => {
  it('a drag is one stroke: begin at the press, a segment per move, end on release', () => {
    tool.pointerMove(at(1, 1))
    expect(host.cursor).toEqual({ point: { x: 1, y: 1 }, radius: 8 })
    tool.pointerDown(at(2, 3))
    expect(tool.path).toBe('brush.painting')
    tool.pointerMove(at(4, 5))
    tool.pointerMove(at(-3, 5, { onImage: false })) // strokes may run off the edge
    tool.pointerUp(at(-3, 6, { onImage: false }))
    expect(tool.path).toBe('brush.idle')
    expect(host.log).toEqual(['begin paint r8 2,3', 'extend 4,5', 'extend -3,5', 'extend -3,6', 'end'])
  })

  it('right-drag and Alt-drag do the opposite of the mode; the eraser erases', () => {
    tool.pointerDown(at(1, 1, { button: 2 }))
    tool.pointerUp(at(1, 1, { button: 2 }))
    tool.pointerDown(at(1, 1, { alt: true }))
    tool.pointerUp(at(1, 1, { alt: true }))
    tool.mode = 'erase'
    tool.pointerDown(at(1, 1))
    tool.pointerUp(at(1, 1))
    tool.pointerDown(at(1, 1, { button: 2 }))
    tool.pointerUp(at(1, 1, { button: 2 }))
    expect(host.strokes.map((stroke) => stroke.mode)).toEqual(['erase', 'erase', 'erase', 'paint'])
  })

  it('stays idle when there is nothing it may edit', () => {
    host.editable = false
    tool.pointerDown(at(1, 1))
    expect(tool.path).toBe('brush.idle')
    tool.pointerMove(at(2, 2))
    expect(host.log).toEqual(['begin paint r8 1,1'])
  })

  it('cancel abandons the stroke in progress', () => {
    tool.pointerDown(at(1, 1))
    tool.cancel()
    expect(tool.path).toBe('brush.idle')
    expect(host.log.at(-1)).toBe('cancel')
  })

  it('resizes by whole steps within its limits and redraws the cursor', () => {
    tool.pointerMove(at(5, 5))
    tool.resize(1)
    expect(tool.radius).toBeCloseTo(8 * BRUSH_SIZE_STEP, 1)
    expect(host.cursor).toEqual({ point: { x: 5, y: 5 }, radius: tool.radius })
    tool.resize(-100)
    expect(tool.radius).toBe(MIN_BRUSH_RADIUS)
    tool.resize(100)
    expect(tool.radius).toBe(MAX_BRUSH_RADIUS)
  })
})
