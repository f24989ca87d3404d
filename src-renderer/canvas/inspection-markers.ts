/**
 * The prompt that made the selected mask, drawn in screen space so it stays crisp at any zoom:
 * its points as markers, its box as a solid rectangle and the proposal's crop box as a dashed one.
 */
import { Container, Graphics } from 'pixi.js'
import { imageToScreen, type Camera } from './camera'
import { drawMarker, type MarkerPoint } from './prompt-markers'
import { dashedRect, type ScreenRect } from './screen-shapes'

export interface PromptInspection {
  points: readonly MarkerPoint[]
  /** The prompt box in image pixels (corners). */
  box: { x0: number; y0: number; x1: number; y1: number } | null
  /** The crop the proposal was made in, [x, y, w, h] in image pixels. */
  cropBox: readonly [number, number, number, number] | null
}

const BOX_COLOUR = 0x5cc8ff
const CROP_COLOUR = 0xf2f2f2
const HALO = 0x000000
/** Crop box dashes, CSS pixels. */
const CROP_DASH = 7
const CROP_GAP = 5
const MARKER_RADIUS = 6

export class InspectionMarkers {
  readonly container = new Container()
  private readonly graphics = new Graphics()
  private inspection: PromptInspection | null = null

  constructor() {
    this.container.addChild(this.graphics)
  }

  set(inspection: PromptInspection | null, camera: Camera, view: ScreenRect): void {
    this.inspection = inspection
    this.redraw(camera, view)
  }

  get active(): boolean {
    return this.inspection !== null
  }

  /** Redraws for a camera; `view` is the visible screen area (dashes beyond it are not built). */
  redraw(camera: Camera, view: ScreenRect): void {
    const g = this.graphics
    g.clear()
    const inspection = this.inspection
    if (!inspection) return
    if (inspection.cropBox) {
      const [x, y, w, h] = inspection.cropBox
      const a = imageToScreen(camera, x, y)
      const b = imageToScreen(camera, x + w, y + h)
      const margin = 8 // past the edge, so the halo of a dash there is not cut
      const clip = { x: view.x - margin, y: view.y - margin, width: view.width + 2 * margin, height: view.height + 2 * margin }
      const segments = dashedRect(a.x, a.y, b.x - a.x, b.y - a.y, CROP_DASH, CROP_GAP, clip)
      for (const [x0, y0, x1, y1] of segments) g.moveTo(x0, y0).lineTo(x1, y1)
      g.stroke({ color: HALO, width: 3, alpha: 0.5 })
      for (const [x0, y0, x1, y1] of segments) g.moveTo(x0, y0).lineTo(x1, y1)
      g.stroke({ color: CROP_COLOUR, width: 1.5 })
    }
    if (inspection.box) {
      const a = imageToScreen(camera, Math.min(inspection.box.x0, inspection.box.x1), Math.min(inspection.box.y0, inspection.box.y1))
      const b = imageToScreen(camera, Math.max(inspection.box.x0, inspection.box.x1), Math.max(inspection.box.y0, inspection.box.y1))
      g.rect(a.x, a.y, b.x - a.x, b.y - a.y).stroke({ color: HALO, width: 4, alpha: 0.5 })
      g.rect(a.x, a.y, b.x - a.x, b.y - a.y).stroke({ color: BOX_COLOUR, width: 2 })
    }
    for (const point of inspection.points) {
      const { x, y } = imageToScreen(camera, point.x, point.y)
      drawMarker(g, x, y, point.label, MARKER_RADIUS)
    }
  }
}
