/**
 * Masks drawn as one composited texture at annotation resolution: a translucent fill and a crisp
 * one-pixel outline per mask. The GPU then draws one sprite whatever the number of masks, so a
 * frame's cost does not grow with them.
 */
import { Sprite, Texture } from 'pixi.js'

export interface OverlayMask {
  /** Row-major width×height, nonzero = inside. */
  pixels: Uint8Array
  rgb: readonly [number, number, number]
  /** 0–1. */
  fillAlpha: number
  /** Outline drawing: solid, dashed (needs review) or none. */
  outline?: 'solid' | 'dashed' | 'none'
  /** Outline colour; white when absent. */
  outlineRgb?: readonly [number, number, number]
}

/** Dash period of dashed outlines, in image pixels along x + y. */
const DASH_PERIOD = 8

export class MaskOverlay {
  readonly sprite: Sprite
  private readonly canvas: HTMLCanvasElement
  private readonly context: CanvasRenderingContext2D
  private readonly image: ImageData
  private readonly texture: Texture

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.canvas = document.createElement('canvas')
    this.canvas.width = width
    this.canvas.height = height
    this.context = this.canvas.getContext('2d') as CanvasRenderingContext2D
    this.image = this.context.createImageData(width, height)
    this.texture = Texture.from(this.canvas)
    this.sprite = new Sprite(this.texture)
  }

  /** Replaces what is drawn. Later masks paint over earlier ones. */
  paint(masks: readonly OverlayMask[]): void {
    const rgba = this.image.data
    rgba.fill(0)
    const { width, height } = this
    for (const mask of masks) {
      const { pixels, rgb } = mask
      if (pixels.length !== width * height) continue // made for another image (a switch in flight)
      const fill = Math.round(mask.fillAlpha * 255)
      const outline = mask.outline ?? 'solid'
      const [or, og, ob] = mask.outlineRgb ?? [255, 255, 255]
      for (let y = 0; y < height; y++) {
        const row = y * width
        for (let x = 0; x < width; x++) {
          const index = row + x
          if (!pixels[index]) continue
          // Outline: a set pixel with an unset (or off-image) 4-neighbour.
          const border =
            x === 0 ||
            y === 0 ||
            x === width - 1 ||
            y === height - 1 ||
            !pixels[index - 1] ||
            !pixels[index + 1] ||
            !pixels[index - width] ||
            !pixels[index + width]
          const edge = border && (outline === 'solid' || (outline === 'dashed' && (x + y) % DASH_PERIOD < DASH_PERIOD / 2))
          if (!edge && fill === 0) continue
          const offset = index * 4
          rgba[offset] = edge ? or : rgb[0]
          rgba[offset + 1] = edge ? og : rgb[1]
          rgba[offset + 2] = edge ? ob : rgb[2]
          rgba[offset + 3] = edge ? 255 : fill
        }
      }
    }
    this.context.putImageData(this.image, 0, 0)
    this.texture.source.update()
  }

  clear(): void {
    this.paint([])
  }

  destroy(): void {
    this.sprite.destroy()
    this.texture.destroy(true)
  }
}
