/**
 * Builds the inputs of the official SAM ONNX decoder (segment-anything `scripts/export_onnx_model.py`,
 * `SamOnnxModel`), used for SAM ViT-B/L/H and MobileSAM, and by the bundled demo model.
 *
 * A pure function: prompt in image pixels → named float32 tensors. The caller wraps them in
 * `ort.Tensor`s. Every requirement below is the model's, not a choice of ours.
 */
import { SAM_IMAGE_SIZE, samResizedSize } from './preprocess'
import type { ImageSize } from './preprocess'

/** Image embedding shape produced by the encoder. 256·64·64 float32 = 4 MiB per image. */
export const SAM_EMBEDDING_SHAPE = [1, 256, 64, 64] as const
export const SAM_EMBEDDING_LENGTH = 256 * 64 * 64
/** Low-resolution mask logits: one 256×256 plane covering the padded 1024² square (4×4 input pixels each). */
export const SAM_LOW_RES_SIZE = 256
export const SAM_MASK_INPUT_SHAPE = [1, 1, SAM_LOW_RES_SIZE, SAM_LOW_RES_SIZE] as const

/** Point labels understood by the decoder's prompt encoder. */
export const SAM_POINT_LABEL = {
  padding: -1,
  background: 0,
  foreground: 1,
  boxTopLeft: 2,
  boxBottomRight: 3,
} as const

/** A click in original-image pixels (x to the right, y down). */
export interface PromptPoint {
  readonly x: number
  readonly y: number
  readonly label: 'foreground' | 'background'
}

/** A box in original-image pixels, XYXY. SAM takes one box per call. */
export interface PromptBox {
  readonly x0: number
  readonly y0: number
  readonly x1: number
  readonly y1: number
}

export interface SamPrompt {
  readonly points: readonly PromptPoint[]
  readonly box?: PromptBox | undefined
  /**
   * Previous low-resolution logits (one accepted channel of `low_res_masks`, 256×256, raw logits — not a
   * binary mask and not full resolution) to refine from.
   */
  readonly maskInput?: Float32Array | undefined
}

/** A tensor as plain data; wrap with `new ort.Tensor('float32', t.data, t.dims)`. */
export interface FeedTensor {
  readonly data: Float32Array
  readonly dims: readonly number[]
}

export type SamDecoderInputName = 'image_embeddings' | 'point_coords' | 'point_labels' | 'mask_input' | 'has_mask_input' | 'orig_im_size'

export type SamDecoderFeeds = Record<SamDecoderInputName, FeedTensor>

/**
 * Maps a point from original-image pixels into the resized frame whose long side is 1024, using the
 * *rounded* resized size on each axis (`ResizeLongestSide.apply_coords`): x′ = x·(newW/W), y′ = y·(newH/H).
 */
export function toResizedFrame(x: number, y: number, imageSize: ImageSize): [number, number] {
  const resized = samResizedSize(imageSize, SAM_IMAGE_SIZE)
  return [x * (resized.width / imageSize.width), y * (resized.height / imageSize.height)]
}

/**
 * The official decoder inputs for one prompt.
 *
 * - `point_coords` [1,N,2]: (x, y) in the resized frame. The graph itself adds 0.5 and divides by 1024,
 *   so we must neither add 0.5 nor normalise.
 * - `point_labels` [1,N]: clicks first (1 foreground, 0 background), then the box corners (2 top-left,
 *   3 bottom-right). With no box, one padding row (0, 0) labelled −1 is appended, as PyTorch does
 *   (`pad = boxes is None`); with a box there is no padding row. N therefore counts the padding row and
 *   box corners, which matters to the graph's `return_single_mask` selection.
 * - `mask_input` [1,1,256,256] + `has_mask_input` [1]: zeros and 0 unless previous low-res logits are
 *   given, then those logits and 1.
 * - `orig_im_size` [2]: (H, W) of the original image as float32, from which the graph crops and upsamples.
 * - All inputs are float32; the batch axis is fixed at 1.
 */
export function buildDecoderFeeds(prompt: SamPrompt, imageSize: ImageSize, embedding: Float32Array): SamDecoderFeeds {
  if (embedding.length !== SAM_EMBEDDING_LENGTH) {
    throw new RangeError(`image embedding must have ${SAM_EMBEDDING_LENGTH} values (1×256×64×64), got ${embedding.length}`)
  }
  if (prompt.points.length === 0 && !prompt.box) {
    throw new RangeError('a SAM prompt needs at least one point or a box')
  }
  const rows: [number, number, number][] = []
  for (const p of prompt.points) {
    const [x, y] = toResizedFrame(p.x, p.y, imageSize)
    rows.push([x, y, p.label === 'foreground' ? SAM_POINT_LABEL.foreground : SAM_POINT_LABEL.background])
  }
  if (prompt.box) {
    const b = prompt.box
    const [x0, y0] = toResizedFrame(b.x0, b.y0, imageSize)
    const [x1, y1] = toResizedFrame(b.x1, b.y1, imageSize)
    rows.push([x0, y0, SAM_POINT_LABEL.boxTopLeft], [x1, y1, SAM_POINT_LABEL.boxBottomRight])
  } else {
    rows.push([0, 0, SAM_POINT_LABEL.padding])
  }
  for (const [x, y] of rows) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError('prompt coordinates must be finite numbers')
  }

  const n = rows.length
  const coords = new Float32Array(n * 2)
  const labels = new Float32Array(n)
  rows.forEach(([x, y, label], i) => {
    coords[i * 2] = x
    coords[i * 2 + 1] = y
    labels[i] = label
  })

  const maskPlane = SAM_LOW_RES_SIZE * SAM_LOW_RES_SIZE
  let maskInput: Float32Array
  let hasMask = 0
  if (prompt.maskInput) {
    if (prompt.maskInput.length !== maskPlane) {
      throw new RangeError(`mask_input must be 256×256 low-res logits (${maskPlane} values), got ${prompt.maskInput.length}`)
    }
    maskInput = prompt.maskInput.slice()
    hasMask = 1
  } else {
    maskInput = new Float32Array(maskPlane)
  }

  return {
    image_embeddings: { data: embedding, dims: SAM_EMBEDDING_SHAPE },
    point_coords: { data: coords, dims: [1, n, 2] },
    point_labels: { data: labels, dims: [1, n] },
    mask_input: { data: maskInput, dims: SAM_MASK_INPUT_SHAPE },
    has_mask_input: { data: Float32Array.of(hasMask), dims: [1] },
    orig_im_size: { data: Float32Array.of(imageSize.height, imageSize.width), dims: [2] },
  }
}
