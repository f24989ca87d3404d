/**
 * The pixi.js image canvas: one sprite for the image under a camera container. Plain TypeScript
 * (no Svelte), driven by pointer and wheel input, reporting the camera and cursor to its owner.
 */
import 'pixi.js/unsafe-eval' // shaders without eval(): the renderer's CSP forbids it
import { Application, Assets, Container, Sprite, type Texture } from 'pixi.js'
import { centredCamera, fitCamera, panBy, screenToImage, wheelZoomFactor, zoomAt, type Camera, type Size } from './camera'
import { MaskOverlay, type OverlayMask } from './mask-overlay'
import { PromptMarkers, type MarkerPoint } from './prompt-markers'

/** A press that moves less than this (CSS px) is a click (a prompt), not a pan. */
const CLICK_SLOP = 4

export interface ImageClick {
  /** Image position under the pointer, in pixels of the annotation copy (continuous: pixel i spans [i, i+1)). */
  x: number
  y: number
  /** Alt-click or right-click: a negative prompt. */
  negative: boolean
}

export interface ViewerState {
  camera: Camera
  /** Cursor position in image pixels, or null when the cursor is off the image. */
  cursor: { x: number; y: number } | null
}

export class ImageViewer {
  private readonly app = new Application()
  private readonly world = new Container()
  private sprite: Sprite | null = null
  private image: Size | null = null
  private camera: Camera = { scale: 1, offsetX: 0, offsetY: 0 }
  private cursor: { x: number; y: number } | null = null
  private drag: {
    x: number
    y: number
    startX: number
    startY: number
    pointerId: number
    button: number
    alt: boolean
    moved: boolean
  } | null = null
  private overlay: MaskOverlay | null = null
  /** The masks last asked for: painted again once the image they belong to is on screen. */
  private masks: readonly OverlayMask[] = []
  private readonly markers = new PromptMarkers()
  /** Called for clicks on the image (not drags). */
  onImageClick: ((click: ImageClick) => void) | null = null
  private loadToken = 0
  private ready: Promise<void>
  private resizeObserver: ResizeObserver | null = null
  private destroyed = false

  constructor(
    private readonly host: HTMLElement,
    private readonly onChange: (state: ViewerState) => void,
  ) {
    this.ready = this.init()
  }

  private async init(): Promise<void> {
    await this.app.init({
      resizeTo: this.host,
      background: '#0e1014',
      antialias: false,
      autoDensity: true,
      resolution: window.devicePixelRatio || 1,
      preference: 'webgl',
    })
    if (this.destroyed) return
    this.app.canvas.classList.add('image-canvas')
    this.host.appendChild(this.app.canvas)
    this.app.stage.addChild(this.world)
    this.app.stage.addChild(this.markers.container)
    const canvas = this.app.canvas
    canvas.addEventListener('contextmenu', (event) => event.preventDefault())
    canvas.addEventListener('wheel', this.onWheel, { passive: false })
    canvas.addEventListener('pointerdown', this.onPointerDown)
    canvas.addEventListener('pointermove', this.onPointerMove)
    canvas.addEventListener('pointerup', this.onPointerUp)
    canvas.addEventListener('pointerleave', this.onPointerLeave)
    this.resizeObserver = new ResizeObserver(() => {
      if (this.image) this.setCamera(this.camera)
    })
    this.resizeObserver.observe(this.host)
  }

  /** Shows the picture at `url`; `size` is its size in image pixels. Resolves once painted. */
  async show(url: string, size: Size): Promise<void> {
    await this.ready
    const token = ++this.loadToken
    const texture = (await Assets.load<Texture>({ src: url, parser: 'texture', data: { alphaMode: 'no-premultiply-alpha' } })) as Texture
    if (token !== this.loadToken || this.destroyed) return
    if (this.sprite) {
      this.world.removeChild(this.sprite)
      this.sprite.destroy()
    }
    this.sprite = new Sprite(texture)
    this.sprite.width = size.width
    this.sprite.height = size.height
    this.world.addChildAt(this.sprite, 0)
    this.image = size
    this.overlay?.destroy()
    this.overlay = new MaskOverlay(size.width, size.height)
    this.world.addChild(this.overlay.sprite)
    this.overlay.paint(this.masks)
    this.markers.set([], this.camera)
    this.fit()
  }

  /** Draws these masks over the image (annotation-size pixels). */
  showMasks(masks: readonly OverlayMask[]): void {
    this.masks = masks
    this.overlay?.paint(masks)
  }

  showPrompt(points: readonly MarkerPoint[]): void {
    this.markers.set(points, this.camera)
  }

  fit(): void {
    if (this.image) this.setCamera(fitCamera(this.image, this.viewSize()))
  }

  /** One image pixel per CSS pixel, centred. */
  actualSize(): void {
    if (this.image) this.setCamera(centredCamera(this.image, this.viewSize(), 1))
  }

  zoomBy(factor: number): void {
    const view = this.viewSize()
    this.setCamera(zoomAt(this.camera, view.width / 2, view.height / 2, factor))
  }

  getState(): ViewerState {
    return { camera: { ...this.camera }, cursor: this.cursor }
  }

  destroy(): void {
    this.destroyed = true
    this.resizeObserver?.disconnect()
    void this.ready.then(() => this.app.destroy({ removeView: true }, { children: true }))
  }

  private viewSize(): Size {
    return { width: this.host.clientWidth, height: this.host.clientHeight }
  }

  private setCamera(camera: Camera): void {
    this.camera = camera
    this.world.scale.set(camera.scale)
    this.world.position.set(camera.offsetX, camera.offsetY)
    this.markers.redraw(camera)
    // Magnified, people inspect single pixels: show them as squares, not blurred.
    const scaleMode = camera.scale >= 2 ? 'nearest' : 'linear'
    for (const sprite of [this.sprite, this.overlay?.sprite]) {
      if (sprite && sprite.texture.source.scaleMode !== scaleMode) sprite.texture.source.scaleMode = scaleMode
    }
    this.onChange(this.getState())
  }

  private local(event: PointerEvent | WheelEvent): { x: number; y: number } {
    const rect = this.app.canvas.getBoundingClientRect()
    return { x: event.clientX - rect.left, y: event.clientY - rect.top }
  }

  private updateCursor(event: PointerEvent | WheelEvent): void {
    const point = this.local(event)
    const image = screenToImage(this.camera, point.x, point.y)
    const size = this.image
    this.cursor =
      size && image.x >= 0 && image.y >= 0 && image.x < size.width && image.y < size.height
        ? { x: Math.floor(image.x), y: Math.floor(image.y) }
        : null
  }

  private onWheel = (event: WheelEvent): void => {
    event.preventDefault()
    const point = this.local(event)
    this.setCamera(zoomAt(this.camera, point.x, point.y, wheelZoomFactor(event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY)))
  }

  private onPointerDown = (event: PointerEvent): void => {
    this.drag = {
      x: event.clientX,
      y: event.clientY,
      startX: event.clientX,
      startY: event.clientY,
      pointerId: event.pointerId,
      button: event.button,
      alt: event.altKey,
      moved: false,
    }
    this.app.canvas.setPointerCapture(event.pointerId)
  }

  private onPointerMove = (event: PointerEvent): void => {
    if (this.drag && this.drag.pointerId === event.pointerId) {
      if (!this.drag.moved && Math.hypot(event.clientX - this.drag.startX, event.clientY - this.drag.startY) < CLICK_SLOP) return
      if (!this.drag.moved) this.app.canvas.classList.add('panning')
      this.drag.moved = true
      const dx = event.clientX - this.drag.x
      const dy = event.clientY - this.drag.y
      this.drag.x = event.clientX
      this.drag.y = event.clientY
      this.updateCursor(event)
      this.setCamera(panBy(this.camera, dx, dy))
      return
    }
    this.updateCursor(event)
    this.onChange(this.getState())
  }

  private onPointerUp = (event: PointerEvent): void => {
    if (this.drag?.pointerId === event.pointerId) {
      const drag = this.drag
      this.drag = null
      if (!drag.moved && (drag.button === 0 || drag.button === 2)) {
        this.updateCursor(event)
        // Exact (sub-pixel) image coordinates, as SAM takes them; the cursor readout is floored.
        const point = this.local(event)
        const exact = screenToImage(this.camera, point.x, point.y)
        if (this.cursor) this.onImageClick?.({ x: exact.x, y: exact.y, negative: drag.button === 2 || drag.alt })
      }
      this.app.canvas.releasePointerCapture(event.pointerId)
      this.app.canvas.classList.remove('panning')
    }
  }

  private onPointerLeave = (): void => {
    this.cursor = null
    this.onChange(this.getState())
  }
}
