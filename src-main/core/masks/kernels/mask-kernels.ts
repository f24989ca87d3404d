/**
 * The SIMD mask kernels (mask-kernels.wat) behind a typed arena: one WebAssembly memory holding the
 * decoder's logit planes, the byte masks and a transition list, laid out for one frame size at a time.
 *
 * Why: binarising SAM's full-resolution logits, counting the stability thresholds and finding the RLE's
 * transitions is the per-prompt cost we own (3 candidates × 1.5 M floats at 1500×1000). Scalar JS runs it
 * at ~1.8 ns/pixel; the 128-bit kernel does it in one pass at memory speed. onnxruntime can write its
 * `masks` output straight into the arena (a preallocated output), so the logits are never copied.
 *
 * Views handed out stay valid until the next `layout` call with a larger frame (the memory then grows
 * and every earlier view is detached). One arena per thread; not reentrant.
 */
import { MASK_KERNELS_WASM_BASE64 } from './mask-kernels.wasm'
import { encodeMaskWithRowTransitions } from '../coco-rle'
import type { Rle } from '../coco-rle'

const PAGE_BYTES = 65536
/** Bytes reserved at offset 0 for the kernel's results (three u32). */
const RESULT_BYTES = 16
/** wasm32 addresses 4 GiB at most; stay well below it. */
const MAX_ARENA_BYTES = 2 ** 31

/**
 * The slice of the WebAssembly JS API used here. Node and browsers have it; TypeScript declares it only in
 * the DOM libraries, which the main-process build does not load.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown }
  Memory: new (descriptor: { initial: number }) => WasmMemory
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

interface KernelExports {
  threshold_plane(src: number, dst: number, width: number, height: number, offset: number, transitions: number, result: number): void
}

let compiled: object | null = null

function kernelModule(): object {
  compiled ??= new wasm.Module(Uint8Array.from(atob(MASK_KERNELS_WASM_BASE64), (char) => char.charCodeAt(0)))
  return compiled
}

/** Result of binarising one plane. */
export interface ThresholdResult {
  /** #(logit > offset) and #(logit > −offset), compared in float32 (SAM's stability counts). */
  readonly above: number
  readonly aboveLow: number
  /** The plane's byte mask (1 where logit > 0), a view into the arena. */
  readonly mask: Uint8Array
  /** Row-major indices (y ≥ 1) where the mask differs from the pixel above; the caller's own copy. */
  readonly rowTransitions: Uint32Array
}

export interface ArenaLayout {
  readonly width: number
  readonly height: number
  /** Float planes of width×height (e.g. every token the decoder returns). */
  readonly logitPlanes: number
  /** Byte-mask planes of width×height. */
  readonly maskPlanes: number
}

export class MaskKernelArena {
  private readonly memory = new wasm.Memory({ initial: 1 })
  private readonly kernels: KernelExports
  private laid: ArenaLayout = { width: 0, height: 0, logitPlanes: 0, maskPlanes: 0 }
  private logitsAt = RESULT_BYTES
  private masksAt = RESULT_BYTES
  private transitionsAt = RESULT_BYTES

  constructor() {
    const instance = new wasm.Instance(kernelModule(), { env: { memory: this.memory } })
    this.kernels = instance.exports as unknown as KernelExports
  }

  /** Arranges the arena for `layout`, growing the memory if needed. Earlier views may be detached. */
  layout(layout: ArenaLayout): void {
    const { width, height, logitPlanes, maskPlanes } = layout
    for (const [name, value] of Object.entries(layout)) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`arena ${name} must be a non-negative integer, got ${value}`)
    }
    const pixels = width * height
    const logitsAt = RESULT_BYTES
    const masksAt = logitsAt + logitPlanes * pixels * 4
    // The transition list is 4-byte aligned after the masks.
    const transitionsAt = Math.ceil((masksAt + maskPlanes * pixels) / 4) * 4
    const end = transitionsAt + Math.max(0, height - 1) * width * 4
    if (end > MAX_ARENA_BYTES) {
      throw new RangeError(
        `a ${width}×${height} frame with ${logitPlanes} logit planes needs ${end} bytes, more than the arena's ${MAX_ARENA_BYTES}`,
      )
    }
    const have = this.memory.buffer.byteLength
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES))
    this.laid = { width, height, logitPlanes, maskPlanes }
    this.logitsAt = logitsAt
    this.masksAt = masksAt
    this.transitionsAt = transitionsAt
  }

  /** The layout of the last `layout` call. */
  get current(): ArenaLayout {
    return this.laid
  }

  /** Whether `view` lies in the arena's memory (it was handed out by it, or onnxruntime wrote into one that was). */
  holds(view: ArrayBufferView): boolean {
    return view.buffer === this.memory.buffer
  }

  /** All logit planes, back to back (pass it to onnxruntime as the preallocated output). */
  logits(): Float32Array {
    const { width, height, logitPlanes } = this.laid
    return new Float32Array(this.memory.buffer, this.logitsAt, logitPlanes * width * height)
  }

  logitPlane(plane: number): Float32Array {
    const pixels = this.checkPlane(plane, this.laid.logitPlanes, 'logit')
    return new Float32Array(this.memory.buffer, this.logitsAt + plane * pixels * 4, pixels)
  }

  maskPlane(plane: number): Uint8Array {
    const pixels = this.checkPlane(plane, this.laid.maskPlanes, 'mask')
    return new Uint8Array(this.memory.buffer, this.masksAt + plane * pixels, pixels)
  }

  /**
   * Binarises logit plane `logitPlane` into mask plane `maskPlane`, counting #(v > offset), #(v > −offset)
   * and listing the rows' vertical transitions, in one pass.
   */
  threshold(logitPlane: number, maskPlane: number, offset: number): ThresholdResult {
    const { width, height } = this.laid
    const pixels = this.checkPlane(logitPlane, this.laid.logitPlanes, 'logit')
    this.checkPlane(maskPlane, this.laid.maskPlanes, 'mask')
    this.kernels.threshold_plane(
      this.logitsAt + logitPlane * pixels * 4,
      this.masksAt + maskPlane * pixels,
      width,
      height,
      offset,
      this.transitionsAt,
      0,
    )
    const results = new Uint32Array(this.memory.buffer, 0, 3)
    return {
      above: results[0] as number,
      aboveLow: results[1] as number,
      mask: this.maskPlane(maskPlane),
      // A copy: the list area is shared by every plane (and the list is only as long as the boundary).
      rowTransitions: new Uint32Array(this.memory.buffer, this.transitionsAt, results[2] as number).slice(),
    }
  }

  /** COCO RLE of a threshold result (column-major, pycocotools-equal). */
  rleOf(result: ThresholdResult): Rle {
    const { width, height } = this.laid
    return encodeMaskWithRowTransitions(result.mask, height, width, result.rowTransitions, result.rowTransitions.length)
  }

  private checkPlane(plane: number, planes: number, what: string): number {
    if (!Number.isInteger(plane) || plane < 0 || plane >= planes) {
      throw new RangeError(`${what} plane ${plane} is outside the arena's ${planes} planes`)
    }
    return this.laid.width * this.laid.height
  }
}
