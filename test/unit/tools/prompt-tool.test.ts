/** The prompt tool driven with synthetic pointers, no rendering: its state path and what it asks the host for. */
import { beforeEach, describe, expect, it } from 'vitest'
import type { PromptBox, PromptPoint } from '../../../src-preload/contract/dto'
import { PromptTool, type PromptToolHost } from '../../../src-renderer/tools/prompt/prompt-tool'
import { CLICK_SLOP_PX, type ToolPointer } from '../../../src-renderer/tools/tool-state'

/** A pointer at image (x, y); the screen is the image at scale 2 here. */
function at(x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer {
  return { x, y, screenX: x * 2, screenY: y * 2, button: 0, alt: false, onImage: true, ...extra }
}

class RecordingHost implements PromptToolHost {
  points: PromptPoint[] = []
  boxes: PromptBox[] = []
  previews: ({ x: number; y: number } | null)[] = []
  drafts: (PromptBox | null)[] = []
  anticipated: (PromptPoint | null)[] = []
  addPoint(point: PromptPoint): void {
    this.points.push(point)
  }
  anticipate(point: PromptPoint | null): void {
    this.anticipated.push(point)
  }
  setBox(box: PromptBox): void {
    this.boxes.push(box)
  }
  hasPrompt(): boolean {
    return this.points.length > 0 || this.boxes.length > 0
  }
  preview(point: { x: number; y: number } | null): void {
    this.previews.push(point)
  }
  showBoxDraft(box: PromptBox | null): void {
    this.drafts.push(box)
  }
}

let host: RecordingHost
let tool: PromptTool
beforeEach(() => {
  host = new RecordingHost()
  tool = new PromptTool(host)
})

describe('prompt tool', () => {
  it('a press announces the point its release in place will add, so the model can answer while the button is down', () => {
    tool.pointerDown(at(10.25, 20.5, { button: 2 }))
    expect(host.anticipated).toEqual([{ x: 10.25, y: 20.5, label: 'negative' }])
    expect(host.points).toEqual([])
    tool.pointerUp(at(10.5, 20.5, { button: 2 }))
    expect(host.points).toEqual([{ x: 10.25, y: 20.5, label: 'negative' }]) // the very point announced
    expect(host.anticipated).toHaveLength(1)
  })

  it('a press that becomes a box, a right-drag or a cancel withdraws what it announced', () => {
    tool.pointerDown(at(40, 30))
    tool.pointerMove(at(40 + CLICK_SLOP_PX, 30))
    expect(host.anticipated).toEqual([{ x: 40, y: 30, label: 'positive' }, null])
    tool.pointerUp(at(60, 50))
    tool.pointerDown(at(40, 30, { button: 2 }))
    tool.pointerMove(at(60, 50, { button: 2 }))
    tool.pointerUp(at(60, 50, { button: 2 }))
    expect(host.anticipated.slice(2)).toEqual([{ x: 40, y: 30, label: 'negative' }, null])
    tool.pointerDown(at(5, 5, { alt: true }))
    tool.cancel()
    expect(host.anticipated.slice(4)).toEqual([{ x: 5, y: 5, label: 'negative' }, null])
    expect(host.points).toEqual([])
    expect(tool.path).toBe('prompt.idle')
  })

  it('a click in place is a positive point at the press position', () => {
    expect(tool.path).toBe('prompt.idle')
    tool.pointerDown(at(10.25, 20.5))
    expect(tool.path).toBe('prompt.pointing')
    tool.pointerMove(at(10.5, 20.5)) // within the slop: still a click
    expect(tool.path).toBe('prompt.pointing')
    tool.pointerUp(at(10.5, 20.5))
    expect(tool.path).toBe('prompt.idle')
    expect(host.points).toEqual([{ x: 10.25, y: 20.5, label: 'positive' }])
    expect(host.boxes).toEqual([])
  })

  it('Alt-click and right-click are negative points', () => {
    tool.pointerDown(at(5, 5, { alt: true }))
    tool.pointerUp(at(5, 5, { alt: true }))
    tool.pointerDown(at(7, 8, { button: 2 }))
    tool.pointerUp(at(7, 8, { button: 2 }))
    expect(host.points.map((point) => point.label)).toEqual(['negative', 'negative'])
  })

  it('a primary drag beyond the slop draws a box, shown while dragging and set on release (corners in any order)', () => {
    tool.pointerDown(at(40, 30))
    tool.pointerMove(at(40 + CLICK_SLOP_PX, 30))
    expect(tool.path).toBe('prompt.drawingBox')
    tool.pointerMove(at(20, 50))
    expect(host.drafts.at(-1)).toEqual({ x0: 20, y0: 30, x1: 40, y1: 50 })
    tool.pointerUp(at(10, 60))
    expect(tool.path).toBe('prompt.idle')
    expect(host.boxes).toEqual([{ x0: 10, y0: 30, x1: 40, y1: 60 }])
    expect(host.drafts.at(-1)).toBeNull() // the rubber band is gone
    expect(host.points).toEqual([])
  })

  it('a box thinner than the minimum is dropped, and a right-drag is nothing', () => {
    tool.pointerDown(at(40, 30))
    tool.pointerMove(at(60, 31))
    tool.pointerUp(at(60, 31))
    expect(host.boxes).toEqual([])
    tool.pointerDown(at(40, 30, { button: 2 }))
    tool.pointerMove(at(60, 50, { button: 2 }))
    expect(tool.path).toBe('prompt.pointing')
    tool.pointerUp(at(60, 50, { button: 2 }))
    expect(host.points).toEqual([])
    expect(tool.path).toBe('prompt.idle')
  })

  it('previews under the cursor only before the first prompt, and stops when the pointer leaves or presses', () => {
    tool.pointerMove(at(3, 4))
    expect(host.previews).toEqual([{ x: 3, y: 4 }])
    tool.pointerMove(at(-1, 4, { onImage: false }))
    expect(host.previews.at(-1)).toBeNull()
    tool.pointerLeave()
    tool.pointerDown(at(3, 4))
    expect(host.previews.at(-1)).toBeNull()
    tool.pointerUp(at(3, 4))
    const count = host.previews.length
    tool.pointerMove(at(9, 9))
    expect(host.previews.length).toBe(count) // there is a prompt now
  })

  it('cancel abandons a press or a box in progress', () => {
    tool.pointerDown(at(1, 1))
    tool.cancel()
    expect(tool.path).toBe('prompt.idle')
    tool.pointerDown(at(1, 1))
    tool.pointerMove(at(30, 30))
    tool.cancel()
    expect(tool.path).toBe('prompt.idle')
    expect(host.drafts.at(-1)).toBeNull()
    tool.pointerUp(at(30, 30))
    expect(host.points).toEqual([])
    expect(host.boxes).toEqual([])
  })

  it('ignores presses off the image and with other buttons', () => {
    tool.pointerDown(at(1, 1, { onImage: false }))
    expect(tool.path).toBe('prompt.idle')
    tool.pointerDown(at(1, 1, { button: 1 }))
    expect(tool.path).toBe('prompt.idle')
  })
})
