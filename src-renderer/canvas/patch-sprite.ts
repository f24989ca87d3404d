/** A small premultiplied RGBA picture (a `Patch`) as a sprite placed in image pixels. */
import { BufferImageSource, CanvasSource, Container, Sprite, Texture, type SCALE_MODE, type TextureSource } from 'pixi.js'
import type { Patch } from './mask-compositor'
import type { RenderBackend } from './render-backend'

export function patchSprite(patch: Patch, scaleMode: SCALE_MODE, backend: RenderBackend = 'webgl'): Sprite {
  const { width, height } = patch.rect
  let source: TextureSource
  if (backend === 'canvas') {
    // A 2D canvas takes straight alpha: undo the premultiplication (exact for the colours patches use).
    const image = new ImageData(width, height)
    unpremultiply(patch.rgba, image.data)
    const element = document.createElement('canvas')
    element.width = width
    element.height = height
    element.getContext('2d')?.putImageData(image, 0, 0)
    source = new CanvasSource({ resource: element, scaleMode })
  } else {
    source = new BufferImageSource({
      resource: patch.rgba,
      width,
      height,
      format: 'rgba8unorm',
      alphaMode: 'premultiplied-alpha',
      scaleMode,
    })
  }
  const sprite = new Sprite(new Texture({ source }))
  sprite.position.set(patch.rect.x, patch.rect.y)
  return sprite
}

/** Premultiplied RGBA → straight RGBA (rounded to nearest). */
export function unpremultiply(from: Uint8Array, to: Uint8ClampedArray | Uint8Array): void {
  for (let i = 0; i < from.length; i += 4) {
    const a = from[i + 3] as number
    if (a === 0) continue // `to` starts transparent
    to[i] = Math.min(255, Math.round(((from[i] as number) * 255) / a))
    to[i + 1] = Math.min(255, Math.round(((from[i + 1] as number) * 255) / a))
    to[i + 2] = Math.min(255, Math.round(((from[i + 2] as number) * 255) / a))
    to[i + 3] = a
  }
}

/** One patch at a time in its own container (which fixes its place in the layer order); replacing it frees the old texture. */
export class PatchSlot {
  readonly container = new Container()
  private sprite: Sprite | null = null
  /** Set once the viewer knows its renderer. */
  backend: RenderBackend = 'webgl'

  get current(): Sprite | null {
    return this.sprite
  }

  set(patch: Patch | null, scaleMode: SCALE_MODE): void {
    this.clear()
    if (!patch) return
    this.sprite = patchSprite(patch, scaleMode, this.backend)
    this.container.addChild(this.sprite)
  }

  clear(): void {
    if (!this.sprite) return
    this.container.removeChild(this.sprite)
    this.sprite.destroy({ texture: true, textureSource: true })
    this.sprite = null
  }
}
