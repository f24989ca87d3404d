/**
 * Prompt → decoder rows, shared by the adapters. Each variant differs in three things only, spelled out by
 * its adapter: the coordinate frame (a function from output-frame pixels to model coordinates), where the box
 * corners go (after the clicks in SAM 1, before them in SAM 2), and whether we append the (0, 0)/−1 padding
 * row (sam-reference.md §6 pitfall 2).
 */
import { SAM_LOW_RES_SIZE, SAM_POINT_LABEL } from '../sam-official/decoder-feeds'
import { SegmentationError } from '../errors'
import type { ImageSize, SegmentationPrompt, VariantCapabilities } from './types'

export interface PromptRow {
  readonly x: number
  readonly y: number
  readonly label: number
}

export type PaddingRule =
  /** Official SAM 1 (`pad = boxes is None`): one padding row only when there is no box. */
  | 'when-no-box'
  /** Never add one: EdgeSAM's predictor adds none; SAM 2's and EfficientSAM's graphs pad themselves. */
  | 'never'

export interface RowOptions {
  /** Output-frame pixels → the coordinates the decoder takes. */
  readonly toModel: (x: number, y: number) => readonly [number, number]
  readonly padding: PaddingRule
  /** Box corners before the clicks (SAM 2 concatenates the box first). */
  readonly boxFirst: boolean
}

export const LOW_RES_PLANE = SAM_LOW_RES_SIZE * SAM_LOW_RES_SIZE

/** Checks the parts of a prompt that do not depend on the variant, and what the variant cannot take. */
export function validatePrompt(prompt: SegmentationPrompt, frame: ImageSize, capabilities: VariantCapabilities): void {
  if (prompt.points.length === 0 && !prompt.box) throw new SegmentationError('invalid_prompt', 'a prompt needs at least one point or a box')
  const finite = (...v: number[]): boolean => v.every(Number.isFinite)
  for (const p of prompt.points) {
    if (!finite(p.x, p.y)) throw new SegmentationError('invalid_prompt', 'prompt coordinates must be finite numbers')
    if (p.label !== 'foreground' && p.label !== 'background')
      throw new SegmentationError('invalid_prompt', `unknown point label ${String(p.label)}`)
  }
  if (prompt.box && !finite(prompt.box.x0, prompt.box.y0, prompt.box.x1, prompt.box.y1)) {
    throw new SegmentationError('invalid_prompt', 'box coordinates must be finite numbers')
  }
  if (!(frame.width >= 1 && frame.height >= 1 && Number.isInteger(frame.width) && Number.isInteger(frame.height))) {
    throw new SegmentationError('invalid_prompt', `the output frame must be positive integers, got ${frame.width}×${frame.height}`)
  }
  if (prompt.maskInput) {
    if (!capabilities.maskInput) {
      throw new SegmentationError('unsupported_prompt', 'this model takes no previous mask (mask_input); refine with more points instead')
    }
    if (prompt.maskInput.length !== LOW_RES_PLANE) {
      throw new SegmentationError(
        'invalid_prompt',
        `mask_input must be 256×256 low-res logits (${LOW_RES_PLANE} values), got ${prompt.maskInput.length}`,
      )
    }
  }
  const rows = prompt.points.length + (prompt.box ? 2 : 0)
  if (capabilities.maxPromptRows !== null && rows > capabilities.maxPromptRows) {
    throw new SegmentationError(
      'unsupported_prompt',
      `this model takes at most ${capabilities.maxPromptRows} prompt points (a box counts as two), got ${rows}`,
    )
  }
}

/** The decoder rows of a prompt: clicks (1/0) and box corners (2 top-left, 3 bottom-right), in model coordinates. */
export function promptRows(prompt: SegmentationPrompt, options: RowOptions): PromptRow[] {
  const clicks: PromptRow[] = prompt.points.map((p) => {
    const [x, y] = options.toModel(p.x, p.y)
    return { x, y, label: p.label === 'foreground' ? SAM_POINT_LABEL.foreground : SAM_POINT_LABEL.background }
  })
  const corners: PromptRow[] = []
  if (prompt.box) {
    // Labels 2/3 mean top-left/bottom-right, so a box dragged in any direction is normalised first.
    const b = prompt.box
    const [x0, y0] = options.toModel(Math.min(b.x0, b.x1), Math.min(b.y0, b.y1))
    const [x1, y1] = options.toModel(Math.max(b.x0, b.x1), Math.max(b.y0, b.y1))
    corners.push({ x: x0, y: y0, label: SAM_POINT_LABEL.boxTopLeft }, { x: x1, y: y1, label: SAM_POINT_LABEL.boxBottomRight })
  }
  const rows = options.boxFirst ? [...corners, ...clicks] : [...clicks, ...corners]
  if (options.padding === 'when-no-box' && !prompt.box) rows.push({ x: 0, y: 0, label: SAM_POINT_LABEL.padding })
  return rows
}

/** Rows as float32 coordinate and label arrays (N×2 and N). */
export function rowArrays(rows: readonly PromptRow[]): { coords: Float32Array; labels: Float32Array } {
  const coords = new Float32Array(rows.length * 2)
  const labels = new Float32Array(rows.length)
  rows.forEach((r, i) => {
    coords[i * 2] = r.x
    coords[i * 2 + 1] = r.y
    labels[i] = r.label
  })
  return { coords, labels }
}

/**
 * The output frame must show the encoded image at the same aspect ratio (the frame is the annotation size,
 * the encoded image may be that or another uniform scaling of it); ±1 pixel of rounding is allowed.
 */
export function assertCompatibleFrame(encoded: ImageSize, frame: ImageSize): void {
  const cross = Math.abs(frame.width * encoded.height - frame.height * encoded.width)
  if (cross > Math.max(encoded.width, encoded.height, frame.width, frame.height)) {
    throw new SegmentationError(
      'size_mismatch',
      `the output frame ${frame.width}×${frame.height} does not have the aspect ratio of the encoded image ${encoded.width}×${encoded.height}`,
    )
  }
}

/** Shared all-zero mask_input plane; never written to. */
export const ZERO_MASK_INPUT = new Float32Array(LOW_RES_PLANE)
