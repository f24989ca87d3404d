/**
 * COCO run-length encoding, byte-compatible with pycocotools (cocoapi `common/maskApi.c`).
 *
 * Layout: pixels are read column-major (index = x·height + y), `counts` alternates run lengths and always
 * starts with a zero-run (0 when pixel 0 is set). Row-major masks (index = y·width + x, as canvases produce)
 * are converted on the way in and out. Counts are uint32, as in the C code.
 *
 * Deviations from pycocotools, all on malformed or degenerate inputs (canonical 0/1 masks match byte for byte):
 * - `encodeMask` treats every nonzero byte as set; C starts a new run at every change of byte value, so a mask
 *   mixing nonzero values (e.g. 1 and 2) encodes wrongly there. Masks with one nonzero value (0/1, 0/255) agree;
 * - malformed strings, counts outside uint32, and counts that do not sum to height·width throw
 *   `RleFormatError` instead of producing garbage, reading out of bounds or looping forever;
 * - a string value may use up to 7 characters (35 signed bits) and always decodes exactly; C shifts a 32-bit int,
 *   so it decodes 7-character NEGATIVE deltas (|x| >= 2^29, only in masks of over 2^29 pixels) wrongly.
 *   Encoding is identical for all uint32 counts;
 * - `rleArea` sums without uint32 wrap-around (differs only for areas >= 2^32);
 * - `rleToBbox` returns [0, 0, 0, 0] for height 0 (C divides by zero) and when every 1-run has length 0
 *   (pycocotools 2.0.11 returns a uint-wrapped box there).
 *
 * Reference behaviour: pycocotools 2.0.11 (github.com/ppwwyyxx/cocoapi, the PyPI package), whose maskApi.c equals
 * cocodataset/cocoapi except for `rleToBbox` (zero-length 1-runs skipped) and a bounds check in `rleDecode`.
 *
 * Pure code: no Electron, no Node-only APIs.
 */
import { cocoBboxIou } from './box'
import type { BboxXywh, BoxXyxy } from './box'

/** Uncompressed COCO RLE: column-major run lengths starting with a zero-run. */
export interface Rle {
  size: [height: number, width: number]
  counts: Uint32Array | number[]
}

/** COCO compressed RLE as stored in COCO / SA-1B JSON (`counts` is the 6-bit character form). */
export interface CompressedRle {
  size: [height: number, width: number]
  counts: string
}

/** Thrown for RLE data that pycocotools would misread: bad characters, truncated values, bad sizes or sums. */
export class RleFormatError extends Error {
  override readonly name = 'RleFormatError'
}

const UINT32_MAX = 0xffffffff
/** Characters of the compressed form lie in '0'..'o'. */
const FIRST_CHAR_CODE = 48
const LAST_CHAR_CODE = 111
/** 7 characters carry 35 signed bits, enough for any difference of two uint32 counts. */
const MAX_CHARS_PER_VALUE = 7
/** Scratch capacity kept between encodes, in counts; larger buffers are dropped after use. */
const RETAINED_SCRATCH_COUNTS = 1 << 20

let transitionXs: Uint32Array = new Uint32Array(1 << 12)
let transitionYs: Uint32Array = new Uint32Array(1 << 12)
const asciiDecoder = new TextDecoder('utf-8')

function checkSize(size: readonly number[], what: string): void {
  const [height, width] = size
  if (size.length !== 2 || !isNonNegativeInteger(height) || !isNonNegativeInteger(width)) {
    throw new RleFormatError(`${what}: size must be [height, width] of non-negative integers, got ${JSON.stringify(size)}`)
  }
}

function isNonNegativeInteger(value: number | undefined): value is number {
  return value !== undefined && Number.isSafeInteger(value) && value >= 0
}

/** Counts as a Uint32Array; a plain array is checked entry by entry (uint32 integers only) and copied. */
function countsAsUint32(counts: Uint32Array | readonly number[], what: string): Uint32Array {
  if (counts instanceof Uint32Array) return counts
  const values = new Uint32Array(counts.length)
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!
    if (!Number.isInteger(count) || count < 0 || count > UINT32_MAX) {
      throw new RleFormatError(`${what}: counts[${i}] = ${count} is not an integer in 0..${UINT32_MAX}`)
    }
    values[i] = count
  }
  return values
}

/** Checked counts of a well-formed RLE: valid size, uint32 entries, sum equal to height·width. */
function validatedCounts(rle: Rle, what: string): Uint32Array {
  checkSize(rle.size, what)
  const counts = countsAsUint32(rle.counts, what)
  const [height, width] = rle.size
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  if (total !== height * width) {
    throw new RleFormatError(`${what}: counts sum to ${total} but size ${height}×${width} has ${height * width} pixels`)
  }
  return counts
}

/** Throws `RleFormatError` unless `rle` has a valid size, uint32 counts, and counts summing to height·width. */
export function validateRle(rle: Rle): void {
  validatedCounts(rle, 'RLE')
}

function growScratch(buffer: Uint32Array): Uint32Array {
  const larger = new Uint32Array(buffer.length * 2)
  larger.set(buffer)
  return larger
}

/** Aligned 32-bit view over the middle of `mask`: bytes [start, start + 4·words.length) of the mask. */
function alignedWords(mask: Uint8Array): { start: number; words: Int32Array } {
  const start = Math.min(mask.length, (4 - (mask.byteOffset & 3)) & 3)
  const wordCount = (mask.length - start) >>> 2
  // Masks shorter than their misalignment get no words (and an unaligned view would throw).
  const words = wordCount === 0 ? new Int32Array(0) : new Int32Array(mask.buffer, mask.byteOffset + start, wordCount)
  return { start, words }
}

/** Index of the first nonzero byte, or -1. Skips zeros 16 bytes at a time through aligned word reads. */
function firstNonzeroIndex(mask: Uint8Array): number {
  const { start, words } = alignedWords(mask)
  for (let i = 0; i < start; i++) if (mask[i] !== 0) return i
  const blockedWords = words.length & ~3
  let w = 0
  while (w < blockedWords && (words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]!) === 0) w += 4
  for (let i = start + w * 4; i < mask.length; i++) if (mask[i] !== 0) return i
  return -1
}

/** Index of the last nonzero byte, or -1. Mirror image of `firstNonzeroIndex`. */
function lastNonzeroIndex(mask: Uint8Array): number {
  const { start, words } = alignedWords(mask)
  const tailStart = start + words.length * 4
  for (let i = mask.length - 1; i >= tailStart; i--) if (mask[i] !== 0) return i
  const unblockedWords = words.length & 3
  let w = words.length
  while (w > unblockedWords && (words[w - 1]! | words[w - 2]! | words[w - 3]! | words[w - 4]!) === 0) w -= 4
  for (let i = start + w * 4 - 1; i >= 0; i--) if (mask[i] !== 0) return i
  return -1
}

/**
 * Encodes a ROW-MAJOR mask (index y·width + x; any nonzero byte is set) as a column-major COCO RLE,
 * equal to pycocotools `encode` of the same mask. A 0-pixel mask gives counts [0], as in C.
 *
 * Cost: one row-major pass (cache-friendly; whole 32-bit words are compared where the rows allow it)
 * that finds every transition — a pixel whose value differs from the one before it in column-major
 * order, i.e. the pixel above it, or for row 0 the last pixel of the previous column — then a counting
 * sort of the transitions by column. Work beyond the scan is proportional to the mask's boundary.
 */
export function encodeMask(mask: Uint8Array, height: number, width: number): Rle {
  checkMaskSize(mask, height, width, 'encodeMask')
  const pixelCount = height * width
  const firstSet = firstNonzeroIndex(mask)
  if (firstSet < 0) return { size: [height, width], counts: Uint32Array.of(pixelCount) }
  const lastSet = lastNonzeroIndex(mask)
  // Rows outside [firstRow, lastRow] are zero, so only row 0 (column starts) and the rows from firstRow
  // to lastRow + 1 can hold transitions.
  const firstRow = Math.floor(firstSet / width)
  const lastRow = Math.floor(lastSet / width)

  const transitions = new TransitionList()
  pushRowZeroTransitions(mask.subarray(0, width), mask.subarray((height - 1) * width), height, width, transitions)
  const words = mask.byteOffset % 4 === 0 && width % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, pixelCount >> 2) : null
  const wordsPerRow = width >> 2
  for (let y = Math.max(1, firstRow); y <= Math.min(height - 1, lastRow + 1); y++) {
    const rowStart = y * width
    const aboveStart = rowStart - width
    if (words) {
      const rowWord = rowStart >> 2
      const aboveWord = aboveStart >> 2
      for (let w = 0; w < wordsPerRow; w++) {
        if (words[rowWord + w] === words[aboveWord + w]) continue
        for (let x = w * 4; x < w * 4 + 4; x++) if ((mask[rowStart + x] !== 0) !== (mask[aboveStart + x] !== 0)) transitions.push(x, y)
      }
    } else {
      for (let x = 0; x < width; x++) if ((mask[rowStart + x] !== 0) !== (mask[aboveStart + x] !== 0)) transitions.push(x, y)
    }
  }
  return transitions.toRle(height, width)
}

/**
 * {@link encodeMask} when the transitions of rows 1… are already known (the SIMD threshold kernel finds
 * them while it binarises): `rowTransitions[0…count)` are the row-major indices y·width + x, y ≥ 1, of
 * every pixel that differs from the one above it, in increasing order. `mask` supplies rows 0 and h−1.
 */
export function encodeMaskWithRowTransitions(
  mask: Uint8Array,
  height: number,
  width: number,
  rowTransitions: Uint32Array,
  count: number,
): Rle {
  checkMaskSize(mask, height, width, 'encodeMaskWithRowTransitions')
  if (height === 0) return encodeRowTransitions(mask, mask, height, width, rowTransitions, count)
  return encodeRowTransitions(mask.subarray(0, width), mask.subarray((height - 1) * width), height, width, rowTransitions, count)
}

/**
 * The same from the mask's first and last rows alone: with the transitions below row 0, they are all the
 * column-major run lengths depend on (row 0 is compared with the previous column's last pixel).
 */
export function encodeRowTransitions(
  firstRow: Uint8Array,
  lastRow: Uint8Array,
  height: number,
  width: number,
  rowTransitions: Uint32Array,
  count: number,
): Rle {
  if (!isNonNegativeInteger(height) || !isNonNegativeInteger(width)) {
    throw new RangeError(`encodeRowTransitions: height and width must be non-negative integers, got ${height}×${width}`)
  }
  if (height > 0 && (firstRow.length !== width || lastRow.length !== width)) {
    throw new RangeError(`encodeRowTransitions: the first and last rows must have ${width} bytes`)
  }
  if (!(count >= 0 && count <= rowTransitions.length)) throw new RangeError(`transition count ${count} is out of range`)
  const transitions = new TransitionList()
  pushRowZeroTransitions(firstRow, lastRow, height, width, transitions)
  for (let i = 0; i < count; i++) {
    const index = rowTransitions[i] as number
    const y = Math.floor(index / width)
    transitions.push(index - y * width, y)
  }
  return transitions.toRle(height, width)
}

function checkMaskSize(mask: Uint8Array, height: number, width: number, what: string): void {
  if (!isNonNegativeInteger(height) || !isNonNegativeInteger(width)) {
    throw new RangeError(`${what}: height and width must be non-negative integers, got ${height}×${width}`)
  }
  if (mask.length !== height * width) {
    throw new RangeError(`${what}: mask has ${mask.length} bytes but ${height}×${width} needs ${height * width}`)
  }
}

/** Row 0 against the previous column's last pixel (column-major order wraps from row h−1 to row 0). */
function pushRowZeroTransitions(
  firstRow: Uint8Array,
  lastRow: Uint8Array,
  height: number,
  width: number,
  transitions: TransitionList,
): void {
  if (height === 0) return
  for (let x = 0; x < width; x++) {
    const previous = x === 0 ? false : lastRow[x - 1] !== 0
    if ((firstRow[x] !== 0) !== previous) transitions.push(x, 0)
  }
}

/** (x, y) of column-major transitions, gathered in row-major order, in module scratch reused between calls. */
class TransitionList {
  private xs = transitionXs
  private ys = transitionYs
  private count = 0

  push(x: number, y: number): void {
    if (this.count === this.xs.length) {
      this.xs = growScratch(this.xs)
      this.ys = growScratch(this.ys)
    }
    this.xs[this.count] = x
    this.ys[this.count++] = y
  }

  /** Counting sort by column (stable, so rows stay in order within a column), then run lengths. */
  toRle(height: number, width: number): Rle {
    const { xs, ys, count } = this
    const pixelCount = height * width
    const columnStarts = new Uint32Array(width + 1)
    for (let i = 0; i < count; i++) columnStarts[(xs[i] as number) + 1]!++
    for (let x = 0; x < width; x++) columnStarts[x + 1]! += columnStarts[x] as number
    const positions = new Float64Array(count)
    for (let i = 0; i < count; i++) {
      const x = xs[i] as number
      positions[columnStarts[x]!++] = x * height + (ys[i] as number)
    }
    const counts = new Uint32Array(count + 1)
    let previous = 0
    for (let i = 0; i < count; i++) {
      const position = positions[i] as number
      counts[i] = position - previous
      previous = position
    }
    counts[count] = pixelCount - previous
    transitionXs = xs.length > RETAINED_SCRATCH_COUNTS ? new Uint32Array(1 << 12) : xs
    transitionYs = ys.length > RETAINED_SCRATCH_COUNTS ? new Uint32Array(1 << 12) : ys
    return { size: [height, width], counts }
  }
}

/** Decodes an RLE into a ROW-MAJOR mask of 0/1 bytes (index y·width + x). Throws on malformed RLEs. */
export function decodeMask(rle: Rle): Uint8Array {
  const counts = validatedCounts(rle, 'decodeMask')
  const [height, width] = rle.size
  const mask = new Uint8Array(height * width)
  let columnMajorIndex = 0
  for (let j = 0; j < counts.length; j++) {
    const run = counts[j]!
    if ((j & 1) === 1 && run > 0) {
      let x = Math.floor(columnMajorIndex / height)
      let y = columnMajorIndex - x * height
      let remaining = run
      while (remaining > 0) {
        const rowsInColumn = Math.min(remaining, height - y)
        let rowMajorIndex = y * width + x
        for (let k = 0; k < rowsInColumn; k++) {
          mask[rowMajorIndex] = 1
          rowMajorIndex += width
        }
        remaining -= rowsInColumn
        x++
        y = 0
      }
    }
    columnMajorIndex += run
  }
  return mask
}

/**
 * The compressed character form of `counts` (pycocotools `rleToString`): from index 3 each value is the
 * difference to the count two places back; values are written as 5-bit groups, low first, 0x20 = continuation,
 * 0x10 of the last group = sign, each group + 48 as one ASCII character.
 */
export function countsToString(counts: Uint32Array | readonly number[]): string {
  const values = countsAsUint32(counts, 'countsToString')
  const chars = new Uint8Array(values.length * MAX_CHARS_PER_VALUE)
  let charCount = 0
  for (let i = 0; i < values.length; i++) {
    // |value| < 2^32, so Math.floor(value / 32) is an exact arithmetic shift where `>>` would wrap at 2^31.
    let value = i > 2 ? values[i]! - values[i - 2]! : values[i]!
    for (;;) {
      const group = value & 0x1f
      value = Math.floor(value / 32)
      const more = (group & 0x10) !== 0 ? value !== -1 : value !== 0
      chars[charCount++] = (more ? group | 0x20 : group) + FIRST_CHAR_CODE
      if (!more) break
    }
  }
  return asciiDecoder.decode(chars.subarray(0, charCount))
}

/**
 * Parses the compressed character form (pycocotools `rleFrString`) into counts.
 * Throws `RleFormatError` for characters outside '0'..'o' (48..111), a value whose continuation runs past the
 * end of the string, a value longer than 7 characters, and a resulting count that is negative or above 2^32 - 1.
 */
export function stringToCounts(s: string): Uint32Array {
  const counts = new Uint32Array(s.length)
  let countIndex = 0
  let position = 0
  while (position < s.length) {
    const valueStart = position
    let value = 0
    /** 32^(characters read so far) for this value. */
    let scale = 1
    let more = true
    while (more) {
      const group = rleGroupAt(s, position, valueStart, countIndex)
      value += (group & 0x1f) * scale
      scale *= 32
      position++
      more = (group & 0x20) !== 0
      if (!more && (group & 0x10) !== 0) value -= scale
    }
    if (countIndex > 2) value += counts[countIndex - 2]!
    if (value < 0) {
      throw new RleFormatError(`RLE string decodes to negative count ${value} at index ${countIndex} (character ${valueStart})`)
    }
    if (value > UINT32_MAX) {
      throw new RleFormatError(`RLE string decodes to count ${value} above 2^32 - 1 at index ${countIndex} (character ${valueStart})`)
    }
    counts[countIndex++] = value
  }
  return counts.slice(0, countIndex)
}

/** Compresses a well-formed RLE (throws `RleFormatError` otherwise); equal to pycocotools `encode` output. */
export function compressRle(rle: Rle): CompressedRle {
  const counts = validatedCounts(rle, 'compressRle')
  return { size: [rle.size[0], rle.size[1]], counts: countsToString(counts) }
}

/** Parses a compressed RLE and checks that its counts sum to height·width (throws `RleFormatError` otherwise). */
export function decompressRle(compressed: CompressedRle): Rle {
  checkSize(compressed.size, 'decompressRle')
  const rle: Rle = { size: [compressed.size[0], compressed.size[1]], counts: stringToCounts(compressed.counts) }
  validatedCounts(rle, 'decompressRle')
  return rle
}

/** Number of set pixels: the sum of the odd-indexed counts (pycocotools `area`). */
export function rleArea(rle: Rle): number {
  return oddCountSum(rle.counts)
}

function oddCountSum(counts: Uint32Array | readonly number[]): number {
  let area = 0
  for (let j = 1; j < counts.length; j += 2) area += counts[j]!
  return area
}

/**
 * COCO box [x, y, width, height] as pycocotools `toBbox`: exclusive extents, a trailing unpaired count ignored,
 * and a 1-run that crosses a column boundary spans all rows. Empty masks give [0, 0, 0, 0].
 * Zero-length 1-runs are skipped, as in pycocotools >= 2.0.7 (the original cocoapi counted them as phantom
 * pixels; both agree on every canonical RLE). Does not validate the counts.
 */
export function rleToBbox(rle: Rle): BboxXywh {
  const [height, width] = rle.size
  const counts = rle.counts
  const pairedLength = counts.length - (counts.length % 2)
  if (pairedLength === 0 || height === 0) return [0, 0, 0, 0]
  let xStart = width
  let yStart = height
  let xEnd = 0
  let yEnd = 0
  let foundPixel = false
  /** Column-major index of the first pixel of the current run. */
  let runStart = 0
  for (let j = 0; j < pairedLength; j++) {
    const run = counts[j]!
    if ((j & 1) === 1 && run > 0) {
      foundPixel = true
      const runEnd = runStart + run - 1
      const firstY = runStart % height
      const firstX = (runStart - firstY) / height
      const lastY = runEnd % height
      const lastX = (runEnd - lastY) / height
      if (firstX < xStart) xStart = firstX
      if (lastX > xEnd) xEnd = lastX
      if (firstX < lastX) {
        yStart = 0
        yEnd = height - 1
      } else {
        if (firstY < yStart) yStart = firstY
        if (lastY > yEnd) yEnd = lastY
      }
    }
    runStart += run
  }
  if (!foundPixel) return [0, 0, 0, 0]
  return [xStart, yStart, xEnd - xStart + 1, yEnd - yStart + 1]
}

/** SA-1B / SAM box from a COCO box: [x, y, w - 1, h - 1] for non-empty boxes, [0, 0, 0, 0] for empty ones. */
export function sa1bBboxFromCocoBbox(cocoBbox: BboxXywh): BboxXywh {
  const [x, y, width, height] = cocoBbox
  if (width <= 0 || height <= 0) return [0, 0, 0, 0]
  return [x, y, width - 1, height - 1]
}

/** SA-1B `bbox` of a mask: XYWH built from inclusive max indices, as SAM's automatic mask generator writes it. */
export function rleToSa1bBbox(rle: Rle): BboxXywh {
  return sa1bBboxFromCocoBbox(rleToBbox(rle))
}

/**
 * SAM's box of a mask (`batched_mask_to_box`): [minX, minY, maxX, maxY] with INCLUSIVE max pixel indices;
 * an empty mask gives [0, 0, 0, 0].
 */
export function maskBboxInclusive(rle: Rle): BoxXyxy {
  const [x, y, width, height] = rleToBbox(rle)
  if (width <= 0 || height <= 0) return [0, 0, 0, 0]
  return [x, y, x + width - 1, y + height - 1]
}

/**
 * Mask IoU matrix with pycocotools `iou(dt, gt, iscrowd)` semantics; result[d][g]:
 * 0 when the COCO boxes do not overlap (checked first), -1 when the sizes differ, 0 when the masks share no
 * pixel, otherwise intersection / union, where union = area(dt) if gt is crowd.
 * Like pycocotools, returns [] when either list is empty. `iscrowd` must have one entry per gt.
 */
export function rleIou(dt: Rle[], gt: Rle[], iscrowd: boolean[]): number[][] {
  if (dt.length === 0 || gt.length === 0) return []
  if (iscrowd.length !== gt.length) {
    throw new RangeError(`rleIou: iscrowd has ${iscrowd.length} entries but there are ${gt.length} gt masks`)
  }
  const dtCounts = dt.map((rle, d) => validatedCounts(rle, `rleIou dt[${d}]`))
  const gtCounts = gt.map((rle, g) => validatedCounts(rle, `rleIou gt[${g}]`))
  const dtBoxes = dt.map(rleToBbox)
  const gtBoxes = gt.map(rleToBbox)
  const result: number[][] = []
  for (let d = 0; d < dt.length; d++) {
    const dtRle = dt[d]!
    const row: number[] = []
    for (let g = 0; g < gt.length; g++) {
      const gtRle = gt[g]!
      const crowd = iscrowd[g]!
      const boxIou = cocoBboxIou(dtBoxes[d]!, gtBoxes[g]!, crowd)
      if (!(boxIou > 0)) {
        row.push(boxIou)
        continue
      }
      if (dtRle.size[0] !== gtRle.size[0] || dtRle.size[1] !== gtRle.size[1]) {
        row.push(-1)
        continue
      }
      row.push(countsIou(dtCounts[d]!, gtCounts[g]!, crowd))
    }
    result.push(row)
  }
  return result
}

/** Walks two count lists of equal total together, as C `rleIou` does. */
function countsIou(a: Uint32Array, b: Uint32Array, gtIsCrowd: boolean): number {
  let remainingA = a.length > 0 ? a[0]! : 0
  let remainingB = b.length > 0 ? b[0]! : 0
  let nextA = 1
  let nextB = 1
  let valueA = false
  let valueB = false
  let intersection = 0
  let union = 0
  let remainingTotal = 1
  while (remainingTotal > 0) {
    const step = Math.min(remainingA, remainingB)
    if (valueA || valueB) {
      union += step
      if (valueA && valueB) intersection += step
    }
    remainingA -= step
    if (remainingA === 0 && nextA < a.length) {
      remainingA = a[nextA++]!
      valueA = !valueA
    }
    remainingB -= step
    if (remainingB === 0 && nextB < b.length) {
      remainingB = b[nextB++]!
      valueB = !valueB
    }
    remainingTotal = remainingA + remainingB
  }
  if (intersection === 0) return 0
  if (gtIsCrowd) union = oddCountSum(a)
  return intersection / union
}

/**
 * Union (or intersection when `intersect`) of RLEs with pycocotools `merge` semantics: [] gives a 0×0 RLE with no
 * counts, one input is copied, and any size mismatch gives a 0×0 RLE with no counts.
 */
export function rleMerge(rles: Rle[], intersect = false): Rle {
  const first = rles[0]
  if (first === undefined) return { size: [0, 0], counts: new Uint32Array(0) }
  const allCounts = rles.map((rle, i) => validatedCounts(rle, `rleMerge rles[${i}]`))
  const [height, width] = first.size
  let merged: Uint32Array = Uint32Array.from(allCounts[0]!)
  for (let i = 1; i < rles.length; i++) {
    const other = rles[i]!
    if (other.size[0] !== height || other.size[1] !== width) return { size: [0, 0], counts: new Uint32Array(0) }
    merged = mergeCounts(merged, allCounts[i]!, intersect)
  }
  return { size: [height, width], counts: merged }
}

/** Pairwise walk of C `rleMerge`: emits a run whenever the combined value flips or both inputs end. */
function mergeCounts(a: Uint32Array, b: Uint32Array, intersect: boolean): Uint32Array {
  // The combined value flips at most once per input run boundary, plus the final run.
  const out = new Uint32Array(a.length + b.length + 1)
  let outCount = 0
  let remainingA = a.length > 0 ? a[0]! : 0
  let remainingB = b.length > 0 ? b[0]! : 0
  let nextA = 1
  let nextB = 1
  let valueA = false
  let valueB = false
  let value: boolean = false
  let pending = 0
  let remainingTotal = 1
  while (remainingTotal > 0) {
    const step = Math.min(remainingA, remainingB)
    pending += step
    remainingA -= step
    if (remainingA === 0 && nextA < a.length) {
      remainingA = a[nextA++]!
      valueA = !valueA
    }
    remainingB -= step
    if (remainingB === 0 && nextB < b.length) {
      remainingB = b[nextB++]!
      valueB = !valueB
    }
    remainingTotal = remainingA + remainingB
    const previous: boolean = value
    value = intersect ? valueA && valueB : valueA || valueB
    if (value !== previous || remainingTotal === 0) {
      out[outCount++] = pending
      pending = 0
    }
  }
  return out.slice(0, outCount)
}

/** What {@link measureCompressedRle} finds in a compressed RLE string. */
export interface CompressedRleMeasure {
  /** Set pixels (pycocotools `area`). */
  area: number
  /** COCO box (pycocotools `toBbox`), as {@link rleToBbox} gives it. */
  bbox: BboxXywh
  /**
   * Whether the string is exactly what {@link countsToString} writes for its counts (each value in
   * its shortest form), so that `compressRle(decompressRle(rle)).counts === rle.counts`.
   */
  canonical: boolean
}

/**
 * Area, COCO box and canonical form of a compressed RLE in one pass over its string: no counts
 * array, no pixels. Throws `RleFormatError` exactly when {@link decompressRle} does (same checks,
 * same order, same messages): the sum of the runs must be height·width. Equal to
 * `rleArea(decompressRle(rle))` and `rleToBbox(decompressRle(rle))`.
 */
export function measureCompressedRle(compressed: CompressedRle): CompressedRleMeasure {
  checkSize(compressed.size, 'decompressRle')
  const [height, width] = compressed.size
  const s = compressed.counts
  const length = s.length
  let canonical = true
  // Counts at index - 1 and index - 2 (the compressed form stores differences to index - 2 from index 3).
  let previous = 0
  let beforePrevious = 0
  let countIndex = 0
  let position = 0
  let total = 0
  let area = 0
  let xStart = width
  let yStart = height
  let xEnd = 0
  let yEnd = 0
  let foundPixel = false
  // The column the last located pixel was in, and its first column-major index: consecutive runs
  // mostly stay in it or step to the next, so a division is rarely needed.
  let column = 0
  let columnStart = 0
  while (position < length) {
    const valueStart = position
    let value = 0
    let scale = 1
    /** The group before the last one (-1 when the value has one character), for the canonical-form check. */
    let previousGroup = -1
    let group
    for (;;) {
      group = rleGroupAt(s, position, valueStart, countIndex)
      value += (group & 0x1f) * scale
      scale *= 32
      position++
      if ((group & 0x20) === 0) break
      previousGroup = group
    }
    if ((group & 0x10) !== 0) value -= scale
    // countsToString stops as soon as the rest is the sign extension of the group just written, so
    // a last group that only repeats that sign (0 after a non-negative group, 0x1f after a negative
    // one) means a shorter form exists.
    if (previousGroup >= 0 && (group === 0 ? (previousGroup & 0x10) === 0 : group === 0x1f && (previousGroup & 0x10) !== 0))
      canonical = false
    if (countIndex > 2) value += beforePrevious
    if (value < 0) {
      throw new RleFormatError(`RLE string decodes to negative count ${value} at index ${countIndex} (character ${valueStart})`)
    }
    if (value > UINT32_MAX) {
      throw new RleFormatError(`RLE string decodes to count ${value} above 2^32 - 1 at index ${countIndex} (character ${valueStart})`)
    }
    if ((countIndex & 1) === 1) {
      area += value
      if (value > 0 && height > 0) {
        // A 1-run from column-major index `total` (rleToBbox's walk, run by run).
        foundPixel = true
        const runEnd = total + value - 1
        if (total - columnStart >= height) {
          if (total - columnStart < 2 * height) {
            column++
            columnStart += height
          } else {
            column = Math.floor(total / height)
            columnStart = column * height
          }
        }
        const firstX = column
        const firstY = total - columnStart
        if (runEnd - columnStart >= height) {
          if (runEnd - columnStart < 2 * height) {
            column++
            columnStart += height
          } else {
            column = Math.floor(runEnd / height)
            columnStart = column * height
          }
        }
        const lastX = column
        const lastY = runEnd - columnStart
        if (firstX < xStart) xStart = firstX
        if (lastX > xEnd) xEnd = lastX
        if (firstX < lastX) {
          yStart = 0
          yEnd = height - 1
        } else {
          if (firstY < yStart) yStart = firstY
          if (lastY > yEnd) yEnd = lastY
        }
      }
    }
    total += value
    beforePrevious = previous
    previous = value
    countIndex++
  }
  if (total !== height * width) {
    throw new RleFormatError(`decompressRle: counts sum to ${total} but size ${height}×${width} has ${height * width} pixels`)
  }
  return { area, bbox: foundPixel ? [xStart, yStart, xEnd - xStart + 1, yEnd - yStart + 1] : [0, 0, 0, 0], canonical }
}

/**
 * The 6-bit group of the character at `position` of value `countIndex` (which starts at `valueStart`), or
 * the RleFormatError that says why there is none: the string ends inside the value, the value is longer
 * than any count can be, or the character is outside '0'…'o'.
 */
function rleGroupAt(s: string, position: number, valueStart: number, countIndex: number): number {
  if (position >= s.length) {
    throw new RleFormatError(
      `RLE string truncated: value ${countIndex} starting at character ${valueStart} has a continuation bit on its last character`,
    )
  }
  if (position - valueStart === MAX_CHARS_PER_VALUE) {
    throw new RleFormatError(
      `RLE string value ${countIndex} starting at character ${valueStart} is longer than ${MAX_CHARS_PER_VALUE} characters`,
    )
  }
  const code = s.charCodeAt(position)
  if (code < FIRST_CHAR_CODE || code > LAST_CHAR_CODE) {
    throw new RleFormatError(
      `RLE string has invalid character ${JSON.stringify(s.charAt(position))} (code ${code}) at position ${position}; allowed are codes 48..111`,
    )
  }
  return code - FIRST_CHAR_CODE
}
