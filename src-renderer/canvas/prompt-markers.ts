/**
 * The prompt being built, drawn over the image at a constant on-screen size: positive points as
 * filled circles with a plus, negative ones as rings with a minus (shape, not colour alone, tells
 * them apart); the prompt box solid, the box being dragged dashed; and the brush's size cursor.
 */
import { Container, Graphics } from 'pixi.js'
import { imageToScreen, type Camera } from './camera'
import { dashedRect } from './screen-shapes'

export interface MarkerPoint {
  x: number
  y: number
  label: 'positive' | 'negative'
}

/** A box in image pixels (corners). */
export interface MarkerBox {
  x0: number
  y0: number
  x1: number
  y1: number
}

/** Marker radius in CSS pixels. */
const RADIUS = 7
const BOX_COLOUR = 0x5cc8ff
const BRUSH_PAINT = 0xffffff
const BRUSH_ERASE = 0xff6b6b
/** Skipped objects: an amber diamond (a shape of its own, not only a colour). */
const SKIPPED_COLOUR = 0xffb347
const SKIPPED_RADIUS = 7

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
  private box: MarkerBox | null = null
  private draftBox: MarkerBox | null = null
  private brush: { x: number; y: number; radius: number; mode: 'paint' | 'erase' } | null = null
  private skipped: readonly { x: number; y: number }[] = []

  constructor() {
    this.container.addChild(this.graphics)
  }

  set(points: readonly MarkerPoint[], camera: Camera, box: MarkerBox | null = null, draftBox: MarkerBox | null = null): void {
    this.points = points
    this.box = box
    this.draftBox = draftBox
    this.redraw(camera)
  }

  /** Markers of objects left for later (the 30-second rule), image pixels. */
  setSkipped(points: readonly { x: number; y: number }[], camera: Camera): void {
    this.skipped = points
    this.redraw(camera)
  }

  setBrush(brush: { x: number; y: number; radius: number; mode: 'paint' | 'erase' } | null, camera: Camera): void {
    this.brush = brush
    this.redraw(camera)
  }

  redraw(camera: Camera): void {
    const g = this.graphics
    g.clear()
    for (const point of this.skipped) {
      const { x, y } = imageToScreen(camera, point.x, point.y)
      const r = SKIPPED_RADIUS
      g.poly([x, y - r, x + r, y, x, y + r, x - r, y])
        .fill({ color: SKIPPED_COLOUR, alpha: 0.85 })
        .stroke({ color: 0x1a1205, width: 2 })
    }
    for (const [box, dashed] of [
      [this.box, false],
      [this.draftBox, true],
    ] as const) {
      if (!box) continue
      const a = imageToScreen(camera, box.x0, box.y0)
      const b = imageToScreen(camera, box.x1, box.y1)
      g.rect(a.x, a.y, b.x - a.x, b.y - a.y).stroke({ color: 0x000000, width: 4, alpha: 0.5 })
      if (dashed) for (const [x0, y0, x1, y1] of dashedRect(a.x, a.y, b.x - a.x, b.y - a.y, 6, 4)) g.moveTo(x0, y0).lineTo(x1, y1)
      else g.rect(a.x, a.y, b.x - a.x, b.y - a.y)
      g.stroke({ color: BOX_COLOUR, width: 2 })
    }
    if (this.brush) {
      const { x, y } = imageToScreen(camera, this.brush.x, this.brush.y)
      const radius = Math.max(1, this.brush.radius * camera.scale)
      g.circle(x, y, radius).stroke({ color: 0x000000, width: 3, alpha: 0.6 })
      g.circle(x, y, radius).stroke({ color: this.brush.mode === 'paint' ? BRUSH_PAINT : BRUSH_ERASE, width: 1.5 })
    }
    for (const point of this.points) {
      const { x, y } = imageToScreen(camera, point.x, point.y)
      drawMarker(g, x, y, point.label)
    }
  }
}
