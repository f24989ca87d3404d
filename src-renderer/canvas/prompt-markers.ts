/**
 * Prompt points drawn over the image at a constant on-screen size: positive points as filled
 * circles with a plus, negative ones as rings with a minus (shape, not colour alone, tells them apart).
 */
import { Container, Graphics } from 'pixi.js'
import { imageToScreen, type Camera } from './camera'

export interface MarkerPoint {
  x: number
  y: number
  label: 'positive' | 'negative'
}

/** Marker radius in CSS pixels. */
const RADIUS = 7

/** Draws one marker centred on the screen point (x, y). */
export function drawMarker(g: Graphics, x: number, y: number, label: MarkerPoint['label'], radius = RADIUS): void {
  const arm = radius / 2
  if (label === 'positive') {
    g.circle(x, y, radius).fill({ color: 0x2bd47d }).stroke({ color: 0x0b1f14, width: 2 })
    g.moveTo(x - arm, y)
      .lineTo(x + arm, y)
      .moveTo(x, y - arm)
      .lineTo(x, y + arm)
      .stroke({ color: 0x0b1f14, width: 2 })
  } else {
    g.circle(x, y, radius).fill({ color: 0x1a0b0b, alpha: 0.6 }).stroke({ color: 0xff6b6b, width: 2.5 })
    g.moveTo(x - arm, y)
      .lineTo(x + arm, y)
      .stroke({ color: 0xff6b6b, width: 2 })
  }
}

export class PromptMarkers {
  readonly container = new Container()
  private readonly graphics = new Graphics()
  private points: readonly MarkerPoint[] = []

  constructor() {
    this.container.addChild(this.graphics)
  }

  set(points: readonly MarkerPoint[], camera: Camera): void {
    this.points = points
    this.redraw(camera)
  }

  redraw(camera: Camera): void {
    const g = this.graphics
    g.clear()
    for (const point of this.points) {
      const { x, y } = imageToScreen(camera, point.x, point.y)
      drawMarker(g, x, y, point.label)
    }
  }
}
