/**
 * The picture and every mask over it as ONE texture, drawn as one sprite: the masks are
 * composited into an overlay buffer (mask-compositor.ts) and blended over the picture's pixels
 * on the CPU. A frame therefore costs one full-size textured quad whatever the number of masks —
 * the same as the bare picture (under software rendering a second full-size quad would double the
 * frame time). Painting costs the area repainted, and hands over only what it repainted:
 * - on WebGL, the rows it touched (pixi's ranged BufferImageSource.update);
 * - on pixi's canvas renderer (chosen when WebGL is software, see render-backend.ts), the
 *   rectangles themselves, put into a 2D canvas that frames draw from (putImageData with a dirty
 *   rectangle over an ImageData that shares the output buffer: no copy of the rest).
 *
 * Memory: three width·height·4 buffers (picture, overlay, output: 18 MB at 1500×1000) plus the
 * texture (or the 2D canvas).
 */
import { BufferImageSource, CanvasSource, Sprite, Texture, type SCALE_MODE, type TextureSource } from 'pixi.js'
import { blendRect, compositeRect, type OverlayItem, type PixelSize, type Rect } from './mask-compositor'
import { rowSpan } from './mask-stack'
import type { RenderBackend } from './render-backend'

export class MaskLayer {
  readonly sprite: Sprite
  /** The masks alone, premultiplied RGBA. */
  private readonly overlay: Uint8Array
  /** What the texture shows: the picture with the overlay blended in at `opacity`. */
  private readonly output: Uint8Array<ArrayBuffer>
  private readonly source: TextureSource
  /** Canvas backend: the 2D canvas the sprite draws, and the output seen as its ImageData (same memory). */
  private readonly canvas: { context: CanvasRenderingContext2D; image: ImageData } | null = null
  private opacity = 1

  constructor(
    readonly size: PixelSize,
    /** The picture, opaque RGBA, width·height·4. */
    private readonly picture: Uint8Array | Uint8ClampedArray,
    scaleMode: SCALE_MODE,
    backend: RenderBackend = 'webgl',
  ) {
    this.overlay = new Uint8Array(size.width * size.height * 4)
    this.output = new Uint8Array(picture)
    if (backend === 'canvas') {
      const element = document.createElement('canvas')
      element.width = size.width
      element.height = size.height
      const context = element.getContext('2d')
      if (!context) throw new Error('No 2D canvas for the image.')
      const image = new ImageData(
        new Uint8ClampedArray(this.output.buffer, this.output.byteOffset, this.output.length),
        size.width,
        size.height,
      )
      context.putImageData(image, 0, 0)
      this.canvas = { context, image }
      // The output is opaque, so premultiplied or not makes no difference.
      this.source = new CanvasSource({ resource: element, alphaMode: 'premultiplied-alpha', scaleMode })
    } else {
      this.source = new BufferImageSource({
        resource: this.output,
        width: size.width,
        height: size.height,
        format: 'rgba8unorm',
        alphaMode: 'premultiplied-alpha',
        scaleMode,
      })
    }
    this.sprite = new Sprite(new Texture({ source: this.source }))
  }

  private get whole(): Rect {
    return { x: 0, y: 0, width: this.size.width, height: this.size.height }
  }

  /** Repaints and uploads everything. */
  paintAll(items: readonly OverlayItem[]): void {
    compositeRect(this.overlay, this.size, this.whole, items)
    blendRect(this.output, this.picture, this.overlay, this.size, this.whole, this.opacity)
    this.upload([this.whole])
  }

  /** Repaints these rectangles (clipped to the image, disjoint) and uploads them (on WebGL, the rows they span). */
  paintRects(rects: readonly Rect[], items: readonly OverlayItem[]): void {
    for (const rect of rects) {
      compositeRect(this.overlay, this.size, rect, items)
      blendRect(this.output, this.picture, this.overlay, this.size, rect, this.opacity)
    }
    this.upload(rects)
  }

  /**
   * Opacity of the masks over the picture, 0–1: a blend of the whole image and one upload, unless
   * `reblend` is false (a full repaint follows and blends anyway).
   */
  setOpacity(opacity: number, reblend = true): void {
    if (opacity === this.opacity) return
    this.opacity = opacity
    if (!reblend) return
    blendRect(this.output, this.picture, this.overlay, this.size, this.whole, opacity)
    this.upload([this.whole])
  }

  destroy(): void {
    this.sprite.destroy({ texture: true, textureSource: true })
  }

  private upload(rects: readonly Rect[]): void {
    if (this.canvas) {
      const { context, image } = this.canvas
      for (const rect of rects) context.putImageData(image, 0, 0, rect.x, rect.y, rect.width, rect.height)
      return
    }
    const whole = rects.length === 1 && rects[0]!.width === this.size.width && rects[0]!.height === this.size.height
    if (whole) return (this.source as BufferImageSource).update()
    const span = rowSpan(rects)
    if (span) (this.source as BufferImageSource).update(span.y0 * this.size.width, span.y1 * this.size.width)
  }
}
