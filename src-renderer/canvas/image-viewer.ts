/**
 * The pixi.js image canvas. Plain TypeScript (no Svelte), driven by pointer and wheel input,
 * reporting the camera, cursor and hovered point to its owner.
 *
 * Layers, bottom to top: the picture with every mask burnt in (ONE texture, mask-layer.ts);
 * coverage gaps; the hovered and the selected mask (crop-sized textures); then, in screen space,
 * the inspected prompt and the prompt being built. A frame therefore draws one full-size quad and
 * a few small ones whatever the number of masks.
 *
 * Rendering is on demand: a change schedules one animation frame, which paints what changed,
 * emits the (throttled) hover and draws. An idle canvas costs nothing, which matters with software
 * WebGL, where one full frame costs tens of milliseconds.
 */
import 'pixi.js/unsafe-eval' // shaders without eval(): the renderer's CSP forbids it
import { Application, Container, type SCALE_MODE } from 'pixi.js'
import type { MaskBitmap } from '../../src-main/core/masks'
import {
  centredCamera,
  cameraAfterResize,
  centreOnBox,
  fitCamera,
  panBy,
  screenToImage,
  wheelZoomFactor,
  zoomAt,
  type Camera,
  type CentreZoom,
  type Size,
} from './camera'
import { decodeImagePixels } from './image-pixels'
import { InspectionMarkers, type PromptInspection } from './inspection-markers'
import { paintGaps, paintHighlight, type HighlightStyle, type MaskStyle, type OverlayItem, type Rect } from './mask-compositor'
import { MaskLayer } from './mask-layer'
import { liveRepaintRects, MaskStack, mergeRects, sameStyle, totalArea } from './mask-stack'
import { PatchSlot } from './patch-sprite'
import { PromptMarkers, type MarkerBox, type MarkerPoint } from './prompt-markers'
import { renderBackend, type RenderBackend } from './render-backend'
import { bandWidthForScale } from './screen-shapes'
import type { ToolPointer } from '../tools/tool-state'

export type { MaskStyle, OverlayItem } from './mask-compositor'
export type { MarkerPoint } from './prompt-markers'
export type { PromptInspection } from './inspection-markers'
export type { CentreZoom } from './camera'

/** A press that moves less than this (CSS px) is a click (a prompt), not a pan. */
const CLICK_SLOP = 4
/** An incremental repaint larger than this fraction of the image is done as one full repaint. */
const FULL_REPAINT_FRACTION = 0.5
/** Selection: a white band ~2.5 CSS px wide inside the edge over a dark halo outside it. */
const SELECTED_BAND_PX = 2.5
/** Hover: a lighter, thinner band and a faint lift of the interior. */
const HOVERED_BAND_PX = 1.5

export interface ImageClick {
  /** Image position under the pointer, in pixels of the annotation copy (continuous: pixel i spans [i, i+1)). */
  x: number
  y: number
  /** Alt-click or right-click: a negative prompt. */
  negative: boolean
}

/**
 * Who gets a drag: 'pan' (the select tool: drag pans, a click picks) or 'tool' (prompt, brush: the
 * primary and secondary buttons go to the tool; the middle button, or Space held, pans).
 */
export type PointerMode = 'pan' | 'tool'

/** A mask being made or edited, as its caller's full-size buffer, which the caller changes in place. */
export interface LiveMask {
  /** width·height bytes, row-major, 1 = inside (the image's size). */
  pixels: Uint8Array
  width: number
  height: number
  /** A box holding every set pixel (null: none). */
  bounds: Rect | null
}

export interface ViewerState {
  camera: Camera
  /** Cursor position in image pixels, or null when the cursor is off the image. */
  cursor: { x: number; y: number } | null
}

export class ImageViewer {
  private readonly app = new Application()
  private readonly world = new Container()
  private initialised = false
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

  // Masks: the model, and its texture once the image is known.
  private readonly stack = new MaskStack()
  private maskLayer: MaskLayer | null = null
  private readonly maskContainer = new Container()
  private fullPaint = false
  private dirtyRects: Rect[] = []
  private overlayAlpha = 1
  /** Live masks: the bounds last shown per id, and the full-image bitmap over each buffer. */
  private readonly liveBounds = new Map<number, Rect | null>()
  private readonly liveBitmaps = new WeakMap<Uint8Array, MaskBitmap>()
  private opacityDirty = false
  private paints = 0

  private readonly gaps = new PatchSlot()
  private gapBitmaps: readonly MaskBitmap[] | null = null
  private gapsDirty = false
  private readonly hoverSlot = new PatchSlot()
  private readonly selectedSlot = new PatchSlot()
  private hoveredId: number | null = null
  private selectedId: number | null = null
  /** What the highlight sprites show: repainted when any of it changes. */
  private highlightKey = ''

  private readonly markers = new PromptMarkers()
  private readonly inspection = new InspectionMarkers()

  /** Called for clicks on the image (not drags), in 'pan' pointer mode. */
  onImageClick: ((click: ImageClick) => void) | null = null
  /** Pointer input for the active tool, in 'tool' pointer mode. */
  onToolPointer: ((kind: 'down' | 'move' | 'up' | 'leave' | 'cancel', pointer: ToolPointer | null) => void) | null = null
  /** Shift+wheel in 'tool' mode: whole notches, positive = up/away (grow the brush). */
  onToolWheel: ((notches: number) => void) | null = null
  private pointerMode: PointerMode = 'pan'
  private toolPointerId: number | null = null
  private spaceHeld = false
  /** The image point under the pointer (continuous image pixels), null off the image; at most once per frame, not while panning. */
  onHover: ((point: { x: number; y: number } | null) => void) | null = null

  private loadToken = 0
  private backend: RenderBackend = 'webgl'
  private ready: Promise<void>
  private resizeObserver: ResizeObserver | null = null
  /** The view size the resize observer last saw (pixi's own window-resize handler may have resized the renderer already). */
  private observedView: Size | null = null
  /** Set by destroy. Pixi objects are null inside after destroy, so every entry that touches them checks this first: a screen's late answers (an effect, an awaited load) must find a no-op, not a TypeError. */
  private destroyed = false
  private frameId: number | null = null
  private renderNeeded = false
  private screenSpaceDirty = false
  private hoverPending: { point: { x: number; y: number } | null } | null = null
  private cursorChanged = false
  private readonly commitProbe = new MessageChannel()

  constructor(
    private readonly host: HTMLElement,
    private readonly onChange: (state: ViewerState) => void,
  ) {
    this.host.dataset.paintCount = '0'
    this.commitProbe.port1.onmessage = () => (this.host.dataset.committedAt = performance.now().toFixed(2))
    this.ready = this.init()
  }

  private async init(): Promise<void> {
    this.backend = renderBackend()
    for (const slot of [this.gaps, this.hoverSlot, this.selectedSlot]) slot.backend = this.backend
    this.host.dataset.renderer = this.backend
    await this.app.init({
      resizeTo: this.host,
      background: '#0e1014',
      antialias: false,
      autoDensity: true,
      resolution: window.devicePixelRatio || 1,
      preference: this.backend,
      autoStart: false, // rendered on demand (see requestFrame)
      eventFeatures: { move: false, globalMove: false, click: false, wheel: false }, // DOM listeners below do the input
    })
    if (this.destroyed) {
      this.app.destroy({ removeView: true }, { children: true })
      return
    }
    this.initialised = true
    this.app.canvas.classList.add('image-canvas')
    this.host.appendChild(this.app.canvas)
    this.world.addChild(this.maskContainer, this.gaps.container, this.hoverSlot.container, this.selectedSlot.container)
    this.app.stage.addChild(this.world, this.inspection.container, this.markers.container)
    const canvas = this.app.canvas
    canvas.addEventListener('contextmenu', (event) => event.preventDefault())
    canvas.addEventListener('wheel', this.onWheel, { passive: false })
    canvas.addEventListener('pointerdown', this.onPointerDown)
    canvas.addEventListener('pointermove', this.onPointerMove)
    canvas.addEventListener('pointerup', this.onPointerUp)
    canvas.addEventListener('pointerleave', this.onPointerLeave)
    canvas.addEventListener('lostpointercapture', this.onLostCapture)
    window.addEventListener('keydown', this.onKey)
    window.addEventListener('keyup', this.onKey)
    // Pixi's resizeTo follows window resizes only; the host also changes size when rails collapse.
    // A fitted image is fitted again, any other view keeps its centre (cameraAfterResize).
    this.resizeObserver = new ResizeObserver(() => {
      if (this.destroyed) return
      // Reallocating the drawing buffer is slow under software WebGL (~60 ms): only on a real change.
      const { width, height } = this.app.renderer.screen
      if (width !== this.host.clientWidth || height !== this.host.clientHeight) this.app.resize()
      const before = this.observedView
      const after = this.viewSize()
      this.observedView = after
      if (this.image) this.setCamera(before ? cameraAfterResize(this.camera, this.image, before, after) : this.camera)
      else this.requestFrame()
    })
    this.resizeObserver.observe(this.host)
    this.requestFrame()
  }

  /**
   * Shows the picture at `url`; `size` is its size in image pixels. Starts a new image at once:
   * masks, gaps, inspection and prompt are cleared, so call setMasks (and the rest) after calling
   * show — no need to wait for it. The selected and hovered ids stay: they highlight again if the
   * new masks hold them. Resolves once the picture is on screen.
   */
  async show(url: string, size: Size): Promise<void> {
    if (this.destroyed) return
    const token = ++this.loadToken
    this.image = null
    this.stack.replaceAll([])
    this.liveBounds.clear()
    this.fullPaint = true
    this.dirtyRects = []
    this.gapBitmaps = null
    this.gapsDirty = true
    this.inspection.set(null, this.camera, this.screenRect())
    this.markers.set([], this.camera)
    await this.ready
    const pixels = await decodeImagePixels(url, size)
    if (token !== this.loadToken || this.destroyed) return
    // The previous picture stays on screen until this one is ready.
    this.maskLayer?.destroy()
    this.maskLayer = new MaskLayer(size, pixels, this.scaleMode(), this.backend)
    this.maskContainer.addChild(this.maskLayer.sprite)
    this.image = size
    this.fullPaint = true
    this.opacityDirty = true
    this.highlightKey = ''
    this.fit()
    await this.nextFrame()
  }

  /** Every mask of the image, bottom to top (later items paint over earlier ones). A full repaint on the next frame. */
  setMasks(items: readonly OverlayItem[]): void {
    this.stack.replaceAll(items)
    this.liveBounds.clear()
    this.fullPaint = true
    this.dirtyRects = []
    this.highlightKey = ''
    this.requestFrame()
  }

  /**
   * Restyles or replaces the masks of `items` that are shown (they keep their place in the
   * order), adds the others on top, and removes `removedIds` (an id in both is moved to the top).
   * Repaints only the crops these masks had or have, re-compositing every mask under or over them.
   */
  updateMasks(items: readonly OverlayItem[], removedIds: readonly number[] = []): void {
    const dirty = this.stack.update(items, removedIds)
    if (dirty.length === 0) return
    this.dirtyRects.push(...dirty)
    const touched = new Set([...items.map((item) => item.id), ...removedIds])
    if ((this.selectedId !== null && touched.has(this.selectedId)) || (this.hoveredId !== null && touched.has(this.hoveredId)))
      this.highlightKey = ''
    this.requestFrame()
  }

  /**
   * Shows (on top, or in its place) or removes (null) a live mask: a buffer its caller changes in
   * place, as one item covering the image. Only what changed is repainted: `changed` (image pixels,
   * e.g. a brush segment), or when that is null, the bounds it had and has — so a new candidate, an
   * undo or a stroke costs the boxes involved, never the whole image, and the pixels are not copied.
   */
  showLiveMask(id: number, live: LiveMask | null, style: MaskStyle, changed: readonly Rect[] | null = null): void {
    const held = this.stack.get(id)
    const before = this.liveBounds.get(id) ?? null
    const rects: (Rect | null)[] = []
    if (!live) {
      if (!held) return
      this.stack.update([], [id])
      this.liveBounds.delete(id)
      rects.push(before)
    } else {
      let bitmap = this.liveBitmaps.get(live.pixels)
      if (!bitmap || bitmap.width !== live.width || bitmap.height !== live.height) {
        // Not a tight crop: the compositor reads only `pixels` inside the rectangles it repaints.
        bitmap = { x: 0, y: 0, width: live.width, height: live.height, pixels: live.pixels, area: 0 }
        this.liveBitmaps.set(live.pixels, bitmap)
      }
      const same = held !== undefined && held.bitmap === bitmap && sameStyle(held.style, style)
      this.stack.update([{ id, bitmap, style }], [])
      this.liveBounds.set(id, live.bounds)
      rects.push(...liveRepaintRects(before, live.bounds, same ? changed : null))
    }
    const dirty = rects.filter((rect): rect is Rect => rect !== null && rect.width > 0 && rect.height > 0)
    if (dirty.length === 0) return
    this.dirtyRects.push(...dirty)
    this.requestFrame()
  }

  /** Opacity of all the masks, 0–1 (0 hides them; outlines and fills alike). Re-blends the picture: a few ms. */
  setOverlayOpacity(alpha: number): void {
    const opacity = Math.min(1, Math.max(0, alpha))
    if (opacity === this.overlayAlpha) return
    this.overlayAlpha = opacity
    this.opacityDirty = true
    this.requestFrame()
  }

  setHovered(id: number | null): void {
    if (id === this.hoveredId) return
    this.hoveredId = id
    this.requestFrame()
  }

  setSelected(id: number | null): void {
    if (id === this.selectedId) return
    this.selectedId = id
    this.requestFrame()
  }

  /** The top-most shown mask under image point (x, y) that passes `filter`, or null. */
  maskAt(x: number, y: number, filter?: (id: number) => boolean): number | null {
    return this.stack.topAt(x, y, filter)
  }

  /** Coverage gaps as a hatched magenta layer above the masks; null hides it. */
  showGaps(gaps: readonly MaskBitmap[] | null): void {
    this.gapBitmaps = gaps && gaps.length > 0 ? gaps : null
    this.gapsDirty = true
    this.requestFrame()
  }

  /** The prompt being built: its points and box, and the box being dragged (dashed), in image pixels. */
  showPrompt(points: readonly MarkerPoint[], box: MarkerBox | null = null, draftBox: MarkerBox | null = null): void {
    if (this.destroyed) return
    this.markers.set(points, this.camera, box, draftBox)
    this.renderNeeded = true
    this.requestFrame()
  }

  /** Markers of skipped objects (image pixels); empty hides them. */
  showSkipped(points: readonly { x: number; y: number }[]): void {
    if (this.destroyed) return
    this.markers.setSkipped(points, this.camera)
    this.renderNeeded = true
    this.requestFrame()
  }

  /** The brush's size cursor: a circle of `radius` image pixels around an image point; null hides it. */
  showBrushCursor(point: { x: number; y: number } | null, radius: number, mode: 'paint' | 'erase'): void {
    if (this.destroyed) return
    this.markers.setBrush(point ? { ...point, radius, mode } : null, this.camera)
    this.renderNeeded = true
    this.requestFrame()
  }

  setPointerMode(mode: PointerMode): void {
    if (this.destroyed) return
    if (mode === this.pointerMode) return
    if (this.toolPointerId !== null) this.onToolPointer?.('cancel', null)
    this.toolPointerId = null
    this.pointerMode = mode
    this.app.canvas?.classList.toggle('tool-mode', mode === 'tool')
  }

  /** The prompt that made the selected mask; null hides it. */
  showInspection(inspection: PromptInspection | null): void {
    if (this.destroyed) return
    this.inspection.set(inspection, this.camera, this.screenRect())
    this.renderNeeded = true
    this.requestFrame()
  }

  /** Centres the view on a box [x, y, w, h] in image pixels (see centreOnBox for the zoom modes). */
  centreOn(box: readonly [number, number, number, number], options: { zoom?: CentreZoom } = {}): void {
    if (!this.image) return
    this.setCamera(centreOnBox(this.camera, box, this.viewSize(), this.image, options.zoom ?? 'keep'))
  }

  /** Overlay paints uploaded so far (also on the host as data-paint-count). */
  get paintCount(): number {
    return this.paints
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
    if (this.destroyed) return
    this.destroyed = true
    this.resizeObserver?.disconnect()
    this.commitProbe.port1.close()
    window.removeEventListener('keydown', this.onKey)
    window.removeEventListener('keyup', this.onKey)
    if (this.frameId !== null) cancelAnimationFrame(this.frameId)
    this.frameId = null
    void this.ready.then(() => {
      if (!this.initialised) return
      this.maskLayer?.destroy()
      this.maskLayer = null
      this.gaps.clear()
      this.hoverSlot.clear()
      this.selectedSlot.clear()
      this.app.destroy({ removeView: true }, { children: true })
    })
  }

  // ── frames ────────────────────────────────────────────────────────────────────────────────────

  private requestFrame(): void {
    if (this.frameId !== null || this.destroyed) return
    this.frameId = requestAnimationFrame(this.frame)
  }

  private nextFrame(): Promise<void> {
    this.renderNeeded = true
    this.requestFrame()
    return new Promise((resolve) => requestAnimationFrame(() => resolve()))
  }

  private frame = (): void => {
    this.frameId = null
    if (this.destroyed || !this.initialised) return
    if (this.cursorChanged) {
      this.cursorChanged = false
      this.onChange(this.getState())
    }
    if (this.hoverPending) {
      const { point } = this.hoverPending
      this.hoverPending = null
      this.onHover?.(point) // may call setHovered: painted below, in this frame
    }
    if (this.gapsDirty && this.image) {
      this.gapsDirty = false
      this.gaps.set(this.gapBitmaps ? paintGaps(this.gapBitmaps, this.image) : null, this.scaleMode())
      this.renderNeeded = true
    }
    this.paintMasks()
    this.paintHighlights()
    if (this.screenSpaceDirty) {
      this.screenSpaceDirty = false
      this.markers.redraw(this.camera)
      this.inspection.redraw(this.camera, this.screenRect())
      this.renderNeeded = true
    }
    if (this.renderNeeded) {
      this.renderNeeded = false
      const renderStarted = performance.now()
      this.app.render()
      // For benchmarks: when the last frame was drawn (performance.now(), ms) and what drawing it cost.
      this.host.dataset.renderedAt = performance.now().toFixed(2)
      this.host.dataset.renderMs = (performance.now() - renderStarted).toFixed(2)
      // …and when the page had handed that frame over (a task after this one: after the frame's commit,
      // which for WebGL under software compositing waits for the GPU process to draw and read it back).
      this.commitProbe.port2.postMessage(null)
    }
  }

  /** Paints (and uploads) what changed in the mask overlay since the last frame. */
  private paintMasks(): void {
    const layer = this.maskLayer
    if (!layer || !this.image) return // masks are painted once their image is on screen
    if (!this.fullPaint && this.dirtyRects.length === 0 && !this.opacityDirty) return
    const started = performance.now()
    if (this.opacityDirty) {
      this.opacityDirty = false
      layer.setOpacity(this.overlayAlpha, !this.fullPaint) // before a repaint, which then blends at the new opacity
    }
    const bounds = { x: 0, y: 0, width: layer.size.width, height: layer.size.height }
    const rects = this.fullPaint ? [] : mergeRects(this.dirtyRects, bounds)
    const whole = this.fullPaint || totalArea(rects) > FULL_REPAINT_FRACTION * bounds.width * bounds.height
    if (whole) layer.paintAll(this.stack.items)
    else if (rects.length > 0) layer.paintRects(rects, this.stack.items)
    this.fullPaint = false
    this.dirtyRects = []
    this.paints++
    this.host.dataset.paintCount = String(this.paints)
    // For benchmarks and tests: what the last paint cost (composite, blend, upload) and what it was.
    this.host.dataset.paintMs = (performance.now() - started).toFixed(2)
    this.host.dataset.paintKind = whole ? 'full' : rects.length > 0 ? 'partial' : 'opacity'
    this.renderNeeded = true
  }

  /** Repaints the hover and selection sprites when the masks, the ids or the zoom band changed. */
  private paintHighlights(): void {
    const image = this.image
    if (!image) return
    const selectedBand = bandWidthForScale(this.camera.scale, SELECTED_BAND_PX)
    const hoveredBand = bandWidthForScale(this.camera.scale, HOVERED_BAND_PX)
    const key = `${this.selectedId}:${this.hoveredId}:${selectedBand}:${hoveredBand}`
    if (key === this.highlightKey) return
    this.highlightKey = key
    const selected = this.selectedId === null ? undefined : this.stack.get(this.selectedId)
    const hovered = this.hoveredId === null || this.hoveredId === this.selectedId ? undefined : this.stack.get(this.hoveredId)
    const scaleMode = this.scaleMode()
    this.selectedSlot.set(selected ? paintHighlight(selected.bitmap, image, selectedStyle(selectedBand)) : null, scaleMode)
    this.hoverSlot.set(hovered ? paintHighlight(hovered.bitmap, image, hoveredStyle(hoveredBand)) : null, scaleMode)
    this.renderNeeded = true
  }

  // ── camera and input ──────────────────────────────────────────────────────────────────────────

  private viewSize(): Size {
    return { width: this.host.clientWidth, height: this.host.clientHeight }
  }

  private screenRect(): { x: number; y: number; width: number; height: number } {
    return { x: 0, y: 0, ...this.viewSize() }
  }

  /** Magnified, people inspect single pixels: show them as squares, not blurred. */
  private scaleMode(): SCALE_MODE {
    return this.camera.scale >= 2 ? 'nearest' : 'linear'
  }

  private setCamera(camera: Camera): void {
    if (this.destroyed) return
    this.camera = camera
    this.world.scale.set(camera.scale)
    this.world.position.set(camera.offsetX, camera.offsetY)
    const scaleMode = this.scaleMode()
    for (const sprite of [this.maskLayer?.sprite, this.gaps.current, this.hoverSlot.current, this.selectedSlot.current]) {
      if (sprite && sprite.texture.source.scaleMode !== scaleMode) sprite.texture.source.scaleMode = scaleMode
    }
    this.screenSpaceDirty = true
    this.renderNeeded = true
    this.requestFrame()
    this.onChange(this.getState())
  }

  private local(event: PointerEvent | WheelEvent): { x: number; y: number } {
    const rect = this.app.canvas.getBoundingClientRect()
    return { x: event.clientX - rect.left, y: event.clientY - rect.top }
  }

  /** Updates the cursor readout; returns the exact image point under the pointer, or null off the image. */
  private updateCursor(event: PointerEvent | WheelEvent): { x: number; y: number } | null {
    const point = this.local(event)
    const image = screenToImage(this.camera, point.x, point.y)
    const size = this.image
    const on = size !== null && image.x >= 0 && image.y >= 0 && image.x < size.width && image.y < size.height
    this.cursor = on ? { x: Math.floor(image.x), y: Math.floor(image.y) } : null
    return on ? image : null
  }

  private queueHover(point: { x: number; y: number } | null): void {
    this.hoverPending = { point }
    this.requestFrame()
  }

  private onWheel = (event: WheelEvent): void => {
    event.preventDefault()
    if (this.pointerMode === 'tool' && event.shiftKey && this.onToolWheel) {
      // Shift turns a vertical wheel into deltaX on some platforms.
      const delta = event.deltaY !== 0 ? event.deltaY : event.deltaX
      if (delta !== 0) this.onToolWheel(delta < 0 ? 1 : -1)
      return
    }
    const point = this.local(event)
    this.setCamera(zoomAt(this.camera, point.x, point.y, wheelZoomFactor(event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY)))
    this.queueHover(this.updateCursor(event))
    this.cursorChanged = true
  }

  /** The pointer as a tool sees it; updates the cursor readout. */
  private toolPointer(event: PointerEvent): ToolPointer {
    const onImage = this.updateCursor(event) !== null
    const screen = this.local(event)
    const image = screenToImage(this.camera, screen.x, screen.y)
    return { x: image.x, y: image.y, screenX: screen.x, screenY: screen.y, button: event.button, alt: event.altKey, onImage }
  }

  private onKey = (event: KeyboardEvent): void => {
    if (event.key === ' ') this.spaceHeld = event.type === 'keydown'
  }

  private onLostCapture = (event: PointerEvent): void => {
    if (this.toolPointerId !== event.pointerId) return
    this.toolPointerId = null
    this.onToolPointer?.('cancel', null)
  }

  private onPointerDown = (event: PointerEvent): void => {
    if (this.pointerMode === 'tool' && event.button !== 1 && !this.spaceHeld) {
      if (this.toolPointerId !== null) return // one pointer at a time
      this.toolPointerId = event.pointerId
      this.app.canvas.setPointerCapture(event.pointerId)
      this.onToolPointer?.('down', this.toolPointer(event))
      return
    }
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
    if (this.pointerMode === 'tool' && !this.drag) {
      this.onToolPointer?.('move', this.toolPointer(event))
      this.cursorChanged = true
      this.requestFrame()
      return
    }
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
    const point = this.updateCursor(event)
    this.cursorChanged = true
    this.queueHover(point)
  }

  private onPointerUp = (event: PointerEvent): void => {
    if (this.toolPointerId === event.pointerId) {
      this.toolPointerId = null
      this.onToolPointer?.('up', this.toolPointer(event))
      this.app.canvas.releasePointerCapture(event.pointerId)
      return
    }
    if (this.drag?.pointerId === event.pointerId) {
      const drag = this.drag
      this.drag = null
      const point = this.updateCursor(event)
      if (!drag.moved && (drag.button === 0 || drag.button === 2)) {
        // Exact (sub-pixel) image coordinates, as SAM takes them; the cursor readout is floored.
        if (point) this.onImageClick?.({ x: point.x, y: point.y, negative: drag.button === 2 || drag.alt })
      }
      this.app.canvas.releasePointerCapture(event.pointerId)
      this.app.canvas.classList.remove('panning')
      this.queueHover(point)
    }
  }

  private onPointerLeave = (): void => {
    if (this.drag || this.toolPointerId !== null) return // captured: the drag goes on outside the canvas
    if (this.pointerMode === 'tool') this.onToolPointer?.('leave', null)
    this.cursor = null
    this.onChange(this.getState())
    this.queueHover(null)
  }
}

function selectedStyle(width: number): HighlightStyle {
  return { band: { rgb: [255, 255, 255], alpha: 1, width }, halo: { rgb: [0, 0, 0], alpha: 0.6, width } }
}

function hoveredStyle(width: number): HighlightStyle {
  return { band: { rgb: [255, 255, 255], alpha: 0.7, width }, tint: { rgb: [255, 255, 255], alpha: 0.1 } }
}
