/**
 * The SIMD mask kernels (mask-kernels.wat) behind a typed arena: one WebAssembly memory holding the
 * decoder's logit planes, low-resolution source planes, the byte masks and a transition list, laid out for
 * one frame size at a time.
 *
 * Why: upscaling SAM's 256×256 logits to the frame, binarising them, counting the stability thresholds and
 * finding the RLE's transitions is the per-prompt cost we own (3 candidates × 1.5 M pixels at 1500×1000).
 * Scalar JS runs the threshold alone at ~1.8 ns/pixel; the 128-bit kernels resample and threshold in one
 * pass without writing the full-resolution logits anywhere (`resampleThreshold`), so onnxruntime's
 * full-resolution `masks` need not even be fetched. Planes the decoder already produced at full
 * resolution are thresholded in place (`threshold`).
 *
 * Views handed out stay valid until the next `layout` call with a larger frame (the memory then grows
 * and every earlier view is detached). One arena per thread; not reentrant.
 */
import { MASK_KERNELS_WASM_BASE64 } from './mask-kernels.wasm'
import { encodeRowTransitions } from '../coco-rle'
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
  resample_rows(
    src: number,
    srcStride: number,
    rows: number,
    offsets: number,
    weights: number,
    dst: number,
    width: number,
    dstStride: number,
  ): void
  resample_threshold(
    src: number,
    taps: number,
    dst: number,
    logits: number,
    width: number,
    height: number,
    offset: number,
    transitions: number,
    result: number,
    rowMaxes: number,
    skipBelow: number,
    edges: number,
    x0: number,
    x1: number,
  ): void
  row_maxima(src: number, rows: number, width: number, dst: number): void
  column_maxima(src: number, rows: number, width: number, dst: number): void
}

/** How far a row's weights may sum from 1 for the background skip to stay exact (float32 weights). */
const WEIGHT_SUM_TOLERANCE = 1e-5
/**
 * How far below −offset a row's source maximum must lie for the row to be skipped, relative to
 * max(1, offset). Sound at any magnitude: a skipped sum has negative terms only, so float32 rounding moves
 * it by a relative 3·10⁻⁷ at most per pass, and the weights of each axis sum to 1 within
 * WEIGHT_SUM_TOLERANCE (with both axes bounded by the source maxima: a relative 2.1·10⁻⁵ in all).
 */
const SKIP_MARGIN = 1e-4

/** Taps per output row (resample_threshold): i32 byte offset, i32 count, 4 × f32 weight, 8 bytes of padding. */
const ROW_TAP_BYTES = 32
const TAPS = 4

/**
 * One axis of a separable linear resampling: output o = Σ_k weights[4o + k] · input[start[o] + k] for
 * k < 4 (unused taps weigh 0). SAM's composed upscale (`composedUpscaleTaps`) has this form.
 */
export interface ResampleAxis {
  /** Length of the input axis; at least 4. */
  readonly inSize: number
  readonly start: Int32Array
  readonly weights: ArrayLike<number>
}

export interface Resample2d {
  /** One entry per output column (the frame's width). */
  readonly horizontal: ResampleAxis
  /** One entry per output row (the frame's height). */
  readonly vertical: ResampleAxis
}

let compiled: object | null = null

function kernelModule(): object {
  compiled ??= new wasm.Module(Uint8Array.from(atob(MASK_KERNELS_WASM_BASE64), (char) => char.charCodeAt(0)))
  return compiled
}

/** Result of binarising one plane, as far as its COCO RLE and stability need it. */
export interface BinarisedRows {
  /** #(logit > offset) and #(logit > −offset), compared in float32 (SAM's stability counts). */
  readonly above: number
  readonly aboveLow: number
  /** Mask rows 0 and height−1 (1 where logit > 0), views into the arena. */
  readonly firstRow: Uint8Array
  readonly lastRow: Uint8Array
  /** Row-major indices (y ≥ 1) where the mask differs from the pixel above; the caller's own copy. */
  readonly rowTransitions: Uint32Array
}

/** Result of binarising one plane with its whole byte mask. */
export interface ThresholdResult extends BinarisedRows {
  /** The plane's byte mask (1 where logit > 0), a view into the arena. */
  readonly mask: Uint8Array
}

export interface ArenaLayout {
  readonly width: number
  readonly height: number
  /** Float planes of width×height (e.g. every token the decoder returns). */
  readonly logitPlanes: number
  /** Byte-mask planes of width×height. */
  readonly maskPlanes: number
  /** Low-resolution float planes to resample from (e.g. SAM's 256×256 logits), if any. */
  readonly source?: { readonly width: number; readonly height: number; readonly planes: number }
}

const NO_SOURCE = { width: 0, height: 0, planes: 0 } as const

/** Output columns x0 ≤ x < x1. */
interface ColumnRange {
  readonly x0: number
  readonly x1: number
}

export class MaskKernelArena {
  private readonly memory = new wasm.Memory({ initial: 1 })
  private readonly kernels: KernelExports
  private laid: ArenaLayout = { width: 0, height: 0, logitPlanes: 0, maskPlanes: 0 }
  private logitsAt = RESULT_BYTES
  private masksAt = RESULT_BYTES
  private transitionsAt = RESULT_BYTES
  private sourceAt = RESULT_BYTES
  /** Horizontally resampled source rows (≤ source height rows of width floats). */
  private rowsAt = RESULT_BYTES
  /** Horizontal taps: width i32 byte offsets, then width × 4 f32 weights (16-byte aligned). */
  private horizontalAt = RESULT_BYTES
  /** Row taps for resample_threshold (height × ROW_TAP_BYTES). */
  private rowTapsAt = RESULT_BYTES
  /** The maximum of each resampled row (≤ source height floats). */
  private rowMaximaAt = RESULT_BYTES
  /** The vertical taps in memory are non-negative and sum to 1 per row, so background rows may be skipped. */
  private convexRows = false
  /** The horizontal taps are too: a resampled row then never exceeds its source row's maximum. */
  private convexColumns = false
  /** What the tap tables in memory hold, so repeated calls for one frame do not rewrite them. */
  private tablesFor: Resample2d | 'identity' | null = null
  /** First source row the resampled rows start at (for the tables in memory). */
  private firstSourceRow = 0
  private sourceRows = 0
  /** The maximum of each source column over the resampled band (source width floats). */
  private columnMaximaAt = RESULT_BYTES
  /** Per resampled row: 1 while it holds NaN in every column (see resampleBand), so it is not filled again. */
  private nanRows = new Uint8Array(0)

  constructor() {
    const instance = new wasm.Instance(kernelModule(), { env: { memory: this.memory } })
    this.kernels = instance.exports as unknown as KernelExports
  }

  /** Arranges the arena for `layout`, growing the memory if needed. Earlier views may be detached. */
  layout(layout: ArenaLayout): void {
    const { width, height, logitPlanes, maskPlanes } = layout
    const source = layout.source ?? NO_SOURCE
    for (const [name, value] of Object.entries({ width, height, logitPlanes, maskPlanes, ...prefixed(source) })) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`arena ${name} must be a non-negative integer, got ${value}`)
    }
    // The same layout again (every predict of one frame) keeps the tap tables already written.
    const laid = this.laid
    const laidSource = laid.source ?? NO_SOURCE
    if (
      laid.width === width &&
      laid.height === height &&
      laid.logitPlanes === logitPlanes &&
      laid.maskPlanes === maskPlanes &&
      laidSource.width === source.width &&
      laidSource.height === source.height &&
      laidSource.planes === source.planes
    ) {
      return
    }
    const pixels = width * height
    const logitsAt = RESULT_BYTES
    const masksAt = logitsAt + logitPlanes * pixels * 4
    // The transition list is 4-byte aligned after the masks; tables and SIMD rows 16-byte aligned.
    const transitionsAt = align(masksAt + maskPlanes * pixels, 4)
    const sourceAt = align(transitionsAt + Math.max(0, height - 1) * width * 4, 16)
    const rowsAt = align(sourceAt + source.planes * source.width * source.height * 4, 16)
    const horizontalAt = align(rowsAt + source.height * width * 4, 16)
    const rowTapsAt = align(horizontalAt + width * 4 + width * TAPS * 4, 16)
    const rowMaximaAt = align(rowTapsAt + height * ROW_TAP_BYTES, 16)
    const columnMaximaAt = align(rowMaximaAt + source.height * 4, 16)
    const end = columnMaximaAt + source.width * 4
    if (end > MAX_ARENA_BYTES) {
      throw new RangeError(
        `a ${width}×${height} frame with ${logitPlanes} logit planes needs ${end} bytes, more than the arena's ${MAX_ARENA_BYTES}`,
      )
    }
    const have = this.memory.buffer.byteLength
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES))
    this.laid = { width, height, logitPlanes, maskPlanes, ...(layout.source ? { source: { ...source } } : {}) }
    this.logitsAt = logitsAt
    this.masksAt = masksAt
    this.transitionsAt = transitionsAt
    this.sourceAt = sourceAt
    this.rowsAt = rowsAt
    this.horizontalAt = horizontalAt
    this.rowTapsAt = rowTapsAt
    this.rowMaximaAt = rowMaximaAt
    this.columnMaximaAt = columnMaximaAt
    this.nanRows = new Uint8Array(source.height) // the rows' contents are unknown now
    this.tablesFor = null
  }

  /** The layout of the last `layout` call. */
  get current(): ArenaLayout {
    return this.laid
  }

  /** Whether `view` lies in the arena's memory (it was handed out by it). */
  holds(view: ArrayBufferView): boolean {
    return view.buffer === this.memory.buffer
  }

  logitPlane(plane: number): Float32Array {
    const pixels = this.checkPlane(plane, this.laid.logitPlanes, 'logit')
    return new Float32Array(this.memory.buffer, this.logitsAt + plane * pixels * 4, pixels)
  }

  /** Source plane `plane` (source width × height floats, row-major): copy the low-res planes in here. */
  sourcePlane(plane: number): Float32Array {
    const source = this.laid.source ?? NO_SOURCE
    const pixels = source.width * source.height
    if (!Number.isInteger(plane) || plane < 0 || plane >= source.planes) {
      throw new RangeError(`source plane ${plane} is outside the arena's ${source.planes} source planes`)
    }
    return new Float32Array(this.memory.buffer, this.sourceAt + plane * pixels * 4, pixels)
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
    const pixels = this.checkPlane(logitPlane, this.laid.logitPlanes, 'logit')
    this.checkPlane(maskPlane, this.laid.maskPlanes, 'mask')
    if (this.tablesFor !== 'identity') this.writeIdentityRowTaps()
    const rows = this.runThreshold(
      this.logitsAt + logitPlane * pixels * 4,
      maskPlane,
      { logitsAt: 0, rowMaximaAt: 0, edges: false },
      offset,
    )
    return { ...rows, mask: this.maskPlane(maskPlane) }
  }

  /**
   * Resamples source plane `sourcePlane` to the frame with the separable taps `resample` and binarises it
   * as {@link threshold} does, keeping only what the RLE needs (rows 0 and height−1 and the transitions,
   * in mask plane `maskPlane`'s first three rows) and materialising the full-resolution logits only when
   * `logitPlane` asks for them. Sums in float32: (s₀w₀ + s₂w₂) + (s₁w₁ + s₃w₃) along x, then
   * ((t₀w₀ + t₁w₁) + t₂w₂) + t₃w₃ along y. Source values must be finite (a zero-weight tap times ±∞ is NaN).
   */
  resampleThreshold(sourcePlane: number, maskPlane: number, resample: Resample2d, offset: number, logitPlane?: number): BinarisedRows {
    const { width, height } = this.laid
    const source = this.laid.source ?? NO_SOURCE
    const plane = this.sourcePlane(sourcePlane)
    this.checkPlane(maskPlane, this.laid.maskPlanes, 'mask')
    const logitsAt =
      logitPlane === undefined ? 0 : this.logitsAt + logitPlane * this.checkPlane(logitPlane, this.laid.logitPlanes, 'logit') * 4
    const { horizontal, vertical } = resample
    if (horizontal.start.length !== width || vertical.start.length !== height) {
      throw new RangeError(`taps for ${horizontal.start.length}×${vertical.start.length} do not match the ${width}×${height} frame`)
    }
    if (horizontal.inSize !== source.width || vertical.inSize !== source.height || source.width < TAPS) {
      throw new RangeError(`taps from ${horizontal.inSize}×${vertical.inSize} do not match the ${source.width}×${source.height} source`)
    }
    if (this.tablesFor !== resample) this.writeResampleTaps(resample)
    const firstRowAt = plane.byteOffset + this.firstSourceRow * source.width * 4
    // Background rows are skipped when every output row is a convex combination of its source rows and
    // the logits are not wanted (skipped rows leave no values behind).
    const skip = this.convexRows && logitsAt === 0
    let columns = { x0: 0, x1: width }
    if (skip && this.convexColumns) {
      columns = this.resampleBand(firstRowAt, source.width, offset)
    } else {
      this.resampleRows(firstRowAt, source.width, 0, this.sourceRows, columns)
      this.nanRows.fill(0)
      if (skip) this.kernels.row_maxima(this.rowsAt, this.sourceRows, width, this.rowMaximaAt)
    }
    return this.runThreshold(
      this.rowsAt,
      maskPlane,
      { logitsAt, rowMaximaAt: skip ? this.rowMaximaAt : 0, edges: true, ...columns },
      offset,
    )
  }

  /** Resampled rows [start, end) of the rows in use, columns [x0, x1) only (rows keep the frame's stride). */
  private resampleRows(firstRowAt: number, sourceWidth: number, start: number, end: number, { x0, x1 }: ColumnRange): void {
    const rowBytes = this.laid.width * 4
    this.kernels.resample_rows(
      firstRowAt + start * sourceWidth * 4,
      sourceWidth * 4,
      end - start,
      this.horizontalAt + x0 * 4,
      this.horizontalAt + this.laid.width * 4 + x0 * TAPS * 4,
      this.rowsAt + start * rowBytes + x0 * 4,
      x1 - x0,
      rowBytes,
    )
  }

  /**
   * Resamples only the band of source rows, and the range of columns, a mask bit or a stability count can
   * come from. With convex taps both ways a resampled value stays at or below the largest source value
   * its taps read, so the 256-wide source's row and column maxima bound the frame-wide rows:
   * - a row ≥ TAPS − 1 rows from every row reaching skipBelow is only ever read by output windows that
   *   lie below −offset throughout. Those rows are filled with NaN instead of resampled: NaN is neither
   *   > 0 nor > −offset, so the windows reading them give exactly the answer the real values would;
   * - an output column whose four source columns stay below skipBelow (over the band) is below −offset in
   *   every row: no mask bit, no count, no transition. Only the columns between the first and the last
   *   other one are resampled and thresholded; the mask rows are zero elsewhere.
   */
  private resampleBand(firstRowAt: number, sourceWidth: number, offset: number): ColumnRange {
    const { width } = this.laid
    const rows = this.sourceRows
    this.kernels.row_maxima(firstRowAt, rows, sourceWidth, this.rowMaximaAt)
    const maxima = new Float32Array(this.memory.buffer, this.rowMaximaAt, rows)
    const skipBelow = skipBelowFor(offset)
    let lowest = rows
    let highest = -1
    for (let r = 0; r < rows; r++) {
      if (!((maxima[r] as number) < skipBelow)) {
        lowest = Math.min(lowest, r)
        highest = r
      }
    }
    const start = Math.max(0, lowest - (TAPS - 1))
    const end = Math.min(rows, highest + TAPS) // exclusive; empty when no row reaches skipBelow
    // Rows outside the band hold NaN; only those that held values since are filled again.
    const rowBytes = width * 4
    const bytes = new Uint8Array(this.memory.buffer)
    const nanRows = this.nanRows
    for (let r = 0; r < rows; r++) {
      if (r >= start && r < end) nanRows[r] = 0
      else if (!nanRows[r]) {
        bytes.fill(0xff, this.rowsAt + r * rowBytes, this.rowsAt + (r + 1) * rowBytes)
        nanRows[r] = 1
      }
    }
    if (end <= start) return { x0: 0, x1: 0 }
    const columns = this.liveColumns(firstRowAt, sourceWidth, start, end, skipBelow)
    if (columns.x1 > columns.x0) this.resampleRows(firstRowAt, sourceWidth, start, end, columns)
    return columns
  }

  /** Output columns whose source window reaches skipBelow in source rows [start, end): from the first to the last. */
  private liveColumns(firstRowAt: number, sourceWidth: number, start: number, end: number, skipBelow: number): ColumnRange {
    const { width } = this.laid
    this.kernels.column_maxima(firstRowAt + start * sourceWidth * 4, end - start, sourceWidth, this.columnMaximaAt)
    // A NaN maximum is not < skipBelow: such a column is live (never skipped on a guess).
    const columnMax = new Float32Array(this.memory.buffer, this.columnMaximaAt, sourceWidth)
    const offsets = new Int32Array(this.memory.buffer, this.horizontalAt, width)
    const live = (x: number): boolean => {
      const window = (offsets[x] as number) / 4
      for (let k = 0; k < TAPS; k++) if (!((columnMax[window + k] as number) < skipBelow)) return true
      return false
    }
    let x0 = 0
    while (x0 < width && !live(x0)) x0++
    if (x0 === width) return { x0: 0, x1: 0 }
    let x1 = width
    while (x1 > x0 && !live(x1 - 1)) x1--
    return { x0, x1 }
  }

  private runThreshold(
    src: number,
    maskPlane: number,
    {
      logitsAt,
      rowMaximaAt,
      edges,
      x0 = 0,
      x1 = this.laid.width,
    }: { logitsAt: number; rowMaximaAt: number; edges: boolean } & Partial<ColumnRange>,
    offset: number,
  ): BinarisedRows {
    // The kernel skips the rest of a step with nothing above −offset, which is only right for offset ≥ 0.
    if (!(offset >= 0)) throw new RangeError(`the stability offset must be ≥ 0, got ${offset}`)
    const { width, height } = this.laid
    const dst = this.masksAt + maskPlane * width * height
    // The kernel writes columns [x0, x1) only: the mask rows it writes must be zero elsewhere.
    if (x0 > 0 || x1 < width) new Uint8Array(this.memory.buffer).fill(0, dst, dst + Math.min(height, edges ? 3 : height) * width)
    this.kernels.resample_threshold(
      src,
      this.rowTapsAt,
      dst,
      logitsAt,
      width,
      height,
      offset,
      this.transitionsAt,
      0,
      rowMaximaAt,
      skipBelowFor(offset),
      edges ? 1 : 0,
      x0,
      x1,
    )
    const results = new Uint32Array(this.memory.buffer, 0, 3)
    // With edges, the last row is in the slot of its parity (see resample_threshold).
    const lastAt = height <= 1 ? dst : edges ? dst + width * (2 - ((height - 1) % 2)) : dst + (height - 1) * width
    return {
      above: results[0] as number,
      aboveLow: results[1] as number,
      firstRow: new Uint8Array(this.memory.buffer, dst, height > 0 ? width : 0),
      lastRow: new Uint8Array(this.memory.buffer, lastAt, height > 0 ? width : 0),
      // A copy: the list area is shared by every plane (and the list is only as long as the boundary).
      rowTransitions: new Uint32Array(this.memory.buffer, this.transitionsAt, results[2] as number).slice(),
    }
  }

  /** Row y reads row y of the plane with weight 1 (exact: v·1 = v for every float, NaN and −0 included). */
  private writeIdentityRowTaps(): void {
    const { width, height } = this.laid
    const ints = new Int32Array(this.memory.buffer, this.rowTapsAt, height * (ROW_TAP_BYTES / 4))
    const floats = new Float32Array(this.memory.buffer, this.rowTapsAt, height * (ROW_TAP_BYTES / 4))
    for (let y = 0; y < height; y++) {
      const at = y * (ROW_TAP_BYTES / 4)
      ints[at] = y * width * 4
      ints[at + 1] = 1
      floats.fill(0, at + 2, at + 8)
      floats[at + 2] = 1
    }
    this.tablesFor = 'identity'
  }

  /**
   * Horizontal taps as byte offsets of a 4-wide window that stays inside the source row (windows near the
   * right edge are shifted left and their weights with them); row taps relative to the first source row
   * any output row reads, so only the rows in use are resampled horizontally.
   */
  private writeResampleTaps(resample: Resample2d): void {
    const { horizontal, vertical } = resample
    const { width, height } = this.laid
    const source = this.laid.source ?? NO_SOURCE
    const offsets = new Int32Array(this.memory.buffer, this.horizontalAt, width)
    const weights = new Float32Array(this.memory.buffer, this.horizontalAt + width * 4, width * TAPS)
    weights.fill(0)
    let convexColumns = true
    for (let x = 0; x < width; x++) {
      const start = horizontal.start[x] as number
      const window = Math.min(start, source.width - TAPS)
      offsets[x] = window * 4
      let sum = 0
      for (let k = 0; k < TAPS; k++) {
        const w = horizontal.weights[x * TAPS + k] as number
        if (w === 0) continue
        if (start + k < 0 || start + k >= source.width) throw new RangeError(`horizontal tap ${start + k} is outside the source`)
        weights[x * TAPS + (start - window) + k] = w
        const stored = weights[x * TAPS + (start - window) + k] as number
        if (!(stored >= 0)) convexColumns = false
        sum += stored
      }
      if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) convexColumns = false
    }
    this.convexColumns = convexColumns
    let first = Infinity
    let last = -Infinity
    let convex = true
    const counts = new Int32Array(height)
    for (let y = 0; y < height; y++) {
      let n = TAPS
      while (n > 1 && vertical.weights[y * TAPS + n - 1] === 0) n--
      counts[y] = n
      let sum = 0
      for (let k = 0; k < n; k++) {
        const w = Math.fround(vertical.weights[y * TAPS + k] as number)
        if (!(w >= 0)) convex = false
        sum += w
      }
      if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) convex = false
      const start = vertical.start[y] as number
      if (start < 0 || start + n > source.height) throw new RangeError(`vertical taps ${start}…${start + n - 1} are outside the source`)
      first = Math.min(first, start)
      last = Math.max(last, start + n - 1)
    }
    this.convexRows = convex
    this.firstSourceRow = height > 0 ? first : 0
    this.sourceRows = height > 0 ? last - first + 1 : 0
    const ints = new Int32Array(this.memory.buffer, this.rowTapsAt, height * (ROW_TAP_BYTES / 4))
    const floats = new Float32Array(this.memory.buffer, this.rowTapsAt, height * (ROW_TAP_BYTES / 4))
    for (let y = 0; y < height; y++) {
      const at = y * (ROW_TAP_BYTES / 4)
      ints[at] = ((vertical.start[y] as number) - this.firstSourceRow) * width * 4
      ints[at + 1] = counts[y] as number
      for (let k = 0; k < TAPS; k++) floats[at + 2 + k] = vertical.weights[y * TAPS + k] as number
      floats.fill(0, at + 6, at + 8)
    }
    this.tablesFor = resample
  }

  /** COCO RLE of a threshold result (column-major, pycocotools-equal); valid until the arena's next use. */
  rleOf(result: BinarisedRows): Rle {
    const { width, height } = this.laid
    return encodeRowTransitions(result.firstRow, result.lastRow, height, width, result.rowTransitions, result.rowTransitions.length)
  }

  private checkPlane(plane: number, planes: number, what: string): number {
    if (!Number.isInteger(plane) || plane < 0 || plane >= planes) {
      throw new RangeError(`${what} plane ${plane} is outside the arena's ${planes} planes`)
    }
    return this.laid.width * this.laid.height
  }
}

const align = (bytes: number, to: number): number => Math.ceil(bytes / to) * to

/** Source maxima below this leave no mask bit and no stability count (see SKIP_MARGIN). */
const skipBelowFor = (offset: number): number => -offset - SKIP_MARGIN * Math.max(1, offset)

const prefixed = (source: { width: number; height: number; planes: number }) => ({
  sourceWidth: source.width,
  sourceHeight: source.height,
  sourcePlanes: source.planes,
})
