/** A small premultiplied RGBA picture (a `Patch`) as a sprite placed in image pixels. */
import { BufferImageSource, Container, Sprite, Texture, type SCALE_MODE } from 'pixi.js'
import type { Patch } from './mask-compositor'

export function patchSprite(patch: Patch, scaleMode: SCALE_MODE): Sprite {
  const source = new BufferImageSource({
    resource: patch.rgba,
    width: patch.rect.width,
    height: patch.rect.height,
    format: 'rgba8unorm',
    alphaMode: 'premultiplied-alpha',
    scaleMode,
  })
  const sprite = new Sprite(new Texture({ source }))
  sprite.position.set(patch.rect.x, patch.rect.y)
  return sprite
}

/** One patch at a time in its own container (which fixes its place in the layer order); replacing it frees the old texture. */
export class PatchSlot {
  readonly container = new Container()
  private sprite: Sprite | null = null

  get current(): Sprite | null {
    return this.sprite
  }

  set(patch: Patch | null, scaleMode: SCALE_MODE): void {
    this.clear()
    if (!patch) return
    this.sprite = patchSprite(patch, scaleMode)
    this.container.addChild(this.sprite)
  }

  clear(): void {
    if (!this.sprite) return
    this.container.removeChild(this.sprite)
    this.sprite.destroy({ texture: true, textureSource: true })
    this.sprite = null
  }
}
