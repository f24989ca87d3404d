/**
 * The picture and every mask over it as ONE texture, drawn as one sprite: the masks are
 * composited into an overlay buffer (mask-compositor.ts) and blended over the picture's pixels
 * on the CPU. A frame therefore costs one full-size textured quad whatever the number of masks —
 * the same as the bare picture (under software WebGL a second full-size quad would double the
 * frame time). Painting costs the area repainted; an incremental repaint uploads only the rows it
 * touched (pixi's ranged BufferImageSource.update).
 *
 * Memory: three width·height·4 buffers (picture, overlay, output: 18 MB at 1500×1000) plus the
 * texture.
 */
import { BufferImageSource, Sprite, Texture, type SCALE_MODE } from 'pixi.js'
import { blendRect, compositeRect, type OverlayItem, type PixelSize, type Rect } from './mask-compositor'
import { rowSpan } from './mask-stack'

export class MaskLayer {
  readonly sprite: Sprite
  /** The masks alone, premultiplied RGBA. */
  private readonly overlay: Uint8Array
  /** What the texture shows: the picture with the overlay blended in at `opacity`. */
  private readonly output: Uint8Array
  private readonly source: BufferImageSource
  private opacity = 1

  constructor(
    readonly size: PixelSize,
    /** The picture, opaque RGBA, width·height·4. */
    private readonly picture: Uint8Array | Uint8ClampedArray,
    scaleMode: SCALE_MODE,
  ) {
    this.overlay = new Uint8Array(size.width * size.height * 4)
    this.output = new Uint8Array(picture)
    this.source = new BufferImageSource({
      resource: this.output,
      width: size.width,
      height: size.height,
      format: 'rgba8unorm',
      alphaMode: 'premultiplied-alpha',
      scaleMode,
    })
    this.sprite = new Sprite(new Texture({ source: this.source }))
  }

  private get whole(): Rect {
    return { x: 0, y: 0, width: this.size.width, height: this.size.height }
  }

  /** Repaints and uploads everything. */
  paintAll(items: readonly OverlayItem[]): void {
    compositeRect(this.overlay, this.size, this.whole, items)
    blendRect(this.output, this.picture, this.overlay, this.size, this.whole, this.opacity)
    this.source.update()
  }

  /** Repaints these rectangles (clipped to the image, disjoint) and uploads the rows they span. */
  paintRects(rects: readonly Rect[], items: readonly OverlayItem[]): void {
    for (const rect of rects) {
      compositeRect(this.overlay, this.size, rect, items)
      blendRect(this.output, this.picture, this.overlay, this.size, rect, this.opacity)
    }
    const span = rowSpan(rects)
    if (span) this.source.update(span.y0 * this.size.width, span.y1 * this.size.width)
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
    this.source.update()
  }

  destroy(): void {
    this.sprite.destroy({ texture: true, textureSource: true })
  }
}
