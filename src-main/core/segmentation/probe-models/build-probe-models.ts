/**
 * Signature-exact probe models: for every supported variant a tiny encoder/decoder pair with that variant's
 * exact input/output names, ranks, dtypes and symbolic dims, whose outputs reveal what they were fed. They
 * carry no weights, build in milliseconds and serialise deterministically. Tests only; never shipped.
 *
 * Decoder outputs. Everything is computed on the 256×256 low-res grid over the model's 1024² frame (cell j
 * spans model pixels [4j, 4j+4), centre 4j + 2 in the continuous coordinates the model uses, where a prompt
 * coordinate c sits at c + 0.5 — the graph adds the 0.5, as every SAM prompt encoder does):
 *   - plane "disk":  R − |cell centre − p|, positive within R model pixels of p;
 *   - plane "x-ramp": p.x − cell centre x, positive left of p (its zero crossing locates p.x exactly, because
 *     bilinear upscaling reproduces a linear ramp);
 *   - plane "y-ramp": the same along y.
 *   p is the first positive click (label 1) as the graph received it, mapped into the model frame the way the
 *   real graph maps it (EfficientSAM scales by 1024/W, 1024/H from orig_im_size); with no positive click, the
 *   centre of the box corners; with neither, far outside. Planes are clipped to ±32 like SAM 2's logits.
 *   Tokens: 4-token decoders [disk, disk, x-ramp, y-ramp]; 3-token (tokens 1–3) [disk, x-ramp, y-ramp];
 *   1-token [disk].
 *   - mask echo: with has_mask_input = 1 every plane is mask_input, exactly.
 *   - scores: iou[k] = 1e6·tag_k + Σ_i (label_i + 2)·6^i over the rows the decoder was fed, where tag_k is the
 *     token index (1–3 for 3-token decoders). Labels −1…3 become digits 1…5, so the rows can be read back
 *     (`decodeProbeScore`), exactly in float32 for up to 7 rows.
 *   - full-resolution outputs use the real variant's in-graph upscaling (official SAM: 1024, crop h′×w′ from
 *     orig_im_size in float32, then H×W; EfficientSAM: 256 → H×W from the int64 orig_im_size).
 *
 * Encoder outputs echo the input: channels 0–2 of the image embedding are the input planes averaged over
 * 16×16 blocks of the 1024² model input (EfficientSAM's input is resized to 1024² first, as its graph does),
 * channel 3 the input's maximum, 4 its minimum, 5 its height, 6 its width; the other channels are 0.
 */
import { GraphBuilder, attr } from '../onnx-graph'
import type { Dim } from '../onnx-graph'
import type { VariantId } from '../variants/types'

export const PROBE_NAMES = [
  'sam-official',
  'sam-official-single',
  'sam-official-hwc',
  'sam-hq',
  'edge-sam',
  'efficient-sam',
  'efficient-sam-fixed-n',
  'sam2',
] as const
export type ProbeName = (typeof PROBE_NAMES)[number]

export const PROBE_VARIANT: Record<ProbeName, VariantId> = {
  'sam-official': 'sam-official',
  'sam-official-single': 'sam-official',
  'sam-official-hwc': 'sam-official',
  'sam-hq': 'sam-hq',
  'edge-sam': 'edge-sam',
  'efficient-sam': 'efficient-sam',
  'efficient-sam-fixed-n': 'efficient-sam',
  sam2: 'sam2',
}

/** Disk radius in model (1024-frame) pixels. */
export const PROBE_DISK_RADIUS = 160
/** Multiplier of the token tag in the scores. */
export const PROBE_TAG_SCALE = 1e6
/** C of SAM-HQ vit_b's intermediate features. */
export const PROBE_HQ_CHANNELS = 768
/** The encoder channels that echo the input (see the file comment). */
export const PROBE_ENCODER_CHANNEL = { poolR: 0, poolG: 1, poolB: 2, max: 3, min: 4, height: 5, width: 6 } as const

export interface ProbeModel {
  readonly name: ProbeName
  readonly variant: VariantId
  readonly encoder: Uint8Array
  readonly decoder: Uint8Array
}

/** Reads a probe score back: the token tag and the labels of the rows the decoder received. */
export function decodeProbeScore(score: number): { tag: number; labels: number[] } {
  const tag = Math.floor(score / PROBE_TAG_SCALE + 1e-9)
  let sig = Math.round(score - tag * PROBE_TAG_SCALE)
  const labels: number[] = []
  while (sig > 0) {
    labels.push((sig % 6) - 2)
    sig = Math.floor(sig / 6)
  }
  return { tag, labels }
}

// ---------------------------------------------------------------------------------------------------

const GRID = 256
const CELL = 4
const LOGIT_CLIP = 32
const FAR = -1e4

type Plane = 'disk' | 'x-ramp' | 'y-ramp'

interface CoreInputs {
  /** [N,2] prompt coordinates in the model's 1024 frame, before the graph's + 0.5. */
  readonly coords: string
  /** [N] labels matching `coords`. */
  readonly labels: string
  /** Labels as fed, for the score echo, when the graph added rows of its own (SAM 2). Default: `labels`. */
  readonly echoLabels?: string
  /** [1,1,256,256] and [1] when the variant takes a previous mask. */
  readonly maskInput?: { readonly plane: string; readonly has: string }
  readonly planes: readonly Plane[]
  readonly tags: readonly number[]
  readonly radius: number
}

/** The shared decoder body: returns low-res logits [1,C,256,256] and scores [C]. */
function probeDecoderCore(g: GraphBuilder, input: CoreInputs): { lowRes: string; scores: string } {
  const f = (v: number): string => g.constFloat([v])
  const i64 = (v: number[]): string => g.constInt64(v)
  const op = (type: string, inputs: string[], a: Parameters<GraphBuilder['op']>[2] = {}): string => g.op(type, inputs, a)
  const asFloat = (x: string): string => op('Cast', [x], { to: attr.int(1) })
  const sumAll = (x: string): string => op('ReduceSum', [x], { keepdims: attr.int(0) })
  const slice = (x: string, axis: number, start: number, end: number): string => op('Slice', [x, i64([start]), i64([end]), i64([axis])])

  const labels = input.labels
  const xs = op('Reshape', [slice(input.coords, 1, 0, 1), i64([-1])]) // [N]
  const ys = op('Reshape', [slice(input.coords, 1, 1, 2), i64([-1])])

  // p: first positive click, else the box centre, else far away. Then + 0.5 as the prompt encoder does.
  const isPos = asFloat(op('Equal', [labels, f(1)]))
  const first = op('ArgMax', [isPos], { axis: attr.int(0), keepdims: attr.int(0), select_last_index: attr.int(0) })
  const hasPos = op('ReduceMax', [isPos], { keepdims: attr.int(0) })
  const clickX = op('Gather', [xs, first], { axis: attr.int(0) })
  const clickY = op('Gather', [ys, first], { axis: attr.int(0) })
  const isCorner = asFloat(op('Or', [op('Equal', [labels, f(2)]), op('Equal', [labels, f(3)])]))
  const corners = sumAll(isCorner)
  const hasBox = op('Min', [corners, f(1)])
  const denom = op('Max', [corners, f(1)])
  const boxX = op('Div', [sumAll(op('Mul', [xs, isCorner])), denom])
  const boxY = op('Div', [sumAll(op('Mul', [ys, isCorner])), denom])
  const pick = (click: string, box: string): string => {
    const orBox = op('Add', [op('Mul', [box, hasBox]), op('Mul', [f(FAR), op('Sub', [f(1), hasBox])])])
    return op('Add', [op('Add', [op('Mul', [click, hasPos]), op('Mul', [orBox, op('Sub', [f(1), hasPos])])]), f(0.5)])
  }
  const px = pick(clickX, boxX)
  const py = pick(clickY, boxY)

  // Cell centres 4j + 2 along each axis, as [1,256] and [256,1].
  const ramp = op('Add', [op('Mul', [op('Range', [f(0), f(GRID), f(1)]), f(CELL)]), f(CELL / 2)])
  const cx = op('Reshape', [ramp, i64([1, GRID])])
  const cy = op('Reshape', [ramp, i64([GRID, 1])])
  const dx = op('Sub', [cx, px]) // [1,256]
  const dy = op('Sub', [cy, py]) // [256,1]
  const clip = (x: string): string => op('Clip', [x, f(-LOGIT_CLIP), f(LOGIT_CLIP)])
  const zeros = op('Mul', [op('Add', [dx, dy]), f(0)]) // [256,256] of zeros, to broadcast 1-D ramps
  const planeOf: Record<Plane, () => string> = {
    disk: () => clip(op('Sub', [f(input.radius), op('Sqrt', [op('Add', [op('Mul', [dx, dx]), op('Mul', [dy, dy])])])])),
    'x-ramp': () => clip(op('Add', [op('Neg', [dx]), zeros])),
    'y-ramp': () => clip(op('Add', [op('Neg', [dy]), zeros])),
  }
  const built = new Map<Plane, string>()
  const planes = input.planes.map((p) => {
    let t = built.get(p)
    if (!t) {
      t = op('Reshape', [planeOf[p](), i64([1, 1, GRID, GRID])])
      built.set(p, t)
    }
    return t
  })
  let lowRes = planes.length === 1 ? (planes[0] as string) : op('Concat', planes, { axis: attr.int(1) })
  if (input.maskInput) {
    const has = op('Reshape', [input.maskInput.has, i64([1, 1, 1, 1])])
    lowRes = op('Add', [op('Mul', [input.maskInput.plane, has]), op('Mul', [lowRes, op('Sub', [f(1), has])])])
  }

  // Score echo: 1e6·tag + Σ (label + 2)·6^i.
  const fed = input.echoLabels ?? labels
  const n = asFloat(op('Shape', [fed]))
  const powers = op('Pow', [f(6), op('Range', [f(0), op('Reshape', [n, i64([])]), f(1)])])
  const sig = sumAll(op('Mul', [op('Add', [fed, f(2)]), powers]))
  const tags = g.constFloat(input.tags.map((t) => t * PROBE_TAG_SCALE))
  const scores = op('Add', [tags, sig])
  return { lowRes, scores }
}

/** Official `mask_postprocessing`: bilinear 256 → 1024, crop h′×w′ computed in float32 from orig_im_size, → H×W. */
function officialUpscale(g: GraphBuilder, lowRes: string, origImSize: string, channels: number): string {
  const linear = { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('half_pixel') }
  const up = g.op('Resize', [lowRes, '', '', g.constInt64([1, channels, 1024, 1024])], linear)
  const longest = g.op('ReduceMax', [origImSize], { keepdims: attr.int(0) })
  const scale = g.op('Div', [g.constFloat([1024]), longest])
  const prepadded = g.op('Cast', [g.op('Floor', [g.op('Add', [g.op('Mul', [origImSize, scale]), g.constFloat([0.5])])])], {
    to: attr.int(7),
  })
  const cropped = g.op('Slice', [up, g.constInt64([0, 0]), prepadded, g.constInt64([2, 3])])
  const outSize = g.op('Concat', [g.constInt64([1, channels]), g.op('Cast', [origImSize], { to: attr.int(7) })], { axis: attr.int(0) })
  return g.op('Resize', [cropped, '', '', outSize], linear)
}

function planesFor(tokens: number): { planes: Plane[]; tags: number[] } {
  if (tokens === 4) return { planes: ['disk', 'disk', 'x-ramp', 'y-ramp'], tags: [0, 1, 2, 3] }
  if (tokens === 3) return { planes: ['disk', 'x-ramp', 'y-ramp'], tags: [1, 2, 3] }
  return { planes: ['disk'], tags: [0] }
}

function samOfficialDecoder(name: string, tokens: 1 | 4, hq: boolean, radius: number): Uint8Array {
  const g = new GraphBuilder(name)
  g.input('image_embeddings', 'float32', [1, 256, 64, 64])
  const coords = g.input('point_coords', 'float32', [1, 'num_points', 2])
  const labels = g.input('point_labels', 'float32', [1, 'num_points'])
  const mask = g.input('mask_input', 'float32', [1, 1, 256, 256])
  const has = g.input('has_mask_input', 'float32', [1])
  const orig = g.input('orig_im_size', 'float32', [2])
  if (hq) g.input('interm_embeddings', 'float32', [4, 1, 64, 64, PROBE_HQ_CHANNELS])
  const { lowRes, scores } = probeDecoderCore(g, {
    coords: g.op('Reshape', [coords, g.constInt64([-1, 2])]),
    labels: g.op('Reshape', [labels, g.constInt64([-1])]),
    maskInput: { plane: mask, has },
    ...planesFor(tokens),
    radius,
  })
  const masks = officialUpscale(g, lowRes, orig, tokens)
  g.output('masks', 'float32', [1, tokens, 'height', 'width'], masks)
  g.output('iou_predictions', 'float32', [1, tokens], g.op('Reshape', [scores, g.constInt64([1, tokens])]))
  g.output('low_res_masks', 'float32', [1, tokens, 256, 256], lowRes)
  return g.serialize(`probe decoder ${name}`)
}

function edgeSamDecoder(radius: number): Uint8Array {
  const g = new GraphBuilder('probe_edge_sam_decoder')
  g.input('image_embeddings', 'float32', [1, 256, 64, 64])
  const coords = g.input('point_coords', 'float32', [1, 'num_points', 2])
  const labels = g.input('point_labels', 'float32', [1, 'num_points'])
  const { lowRes, scores } = probeDecoderCore(g, {
    coords: g.op('Reshape', [coords, g.constInt64([-1, 2])]),
    labels: g.op('Reshape', [labels, g.constInt64([-1])]),
    ...planesFor(4),
    radius,
  })
  // EdgeSAM's outputs come in this order: scores first, then the low-res masks.
  g.output('scores', 'float32', [1, 4], g.op('Reshape', [scores, g.constInt64([1, 4])]))
  g.output('masks', 'float32', [1, 4, 256, 256], lowRes)
  return g.serialize('probe decoder edge-sam')
}

function efficientSamDecoder(fixedN: boolean, radius: number): Uint8Array {
  const g = new GraphBuilder(fixedN ? 'probe_efficient_sam_decoder_fixed_n' : 'probe_efficient_sam_decoder')
  g.input('image_embeddings', 'float32', ['batch', 256, 64, 64])
  // The official script names axis 1 "num_points" and traces the point axis at 1; a labelme-style export keeps it dynamic.
  const pointDims: Dim[] = fixedN ? [1, 'num_points', 1, 2] : ['batch', 'num_queries', 'num_points', 2]
  const coords = g.input('batched_point_coords', 'float32', pointDims)
  const labels = g.input('batched_point_labels', 'float32', pointDims.slice(0, 3))
  const orig = g.input('orig_im_size', 'int64', [2])
  const origF = g.op('Cast', [orig], { to: attr.int(1) }) // (H, W)
  // The graph's get_rescaled_pts: x·1024/W, y·1024/H.
  const hw = g.op('Reshape', [origF, g.constInt64([1, 2])])
  const wh = g.op(
    'Concat',
    [
      g.op('Slice', [hw, g.constInt64([1]), g.constInt64([2]), g.constInt64([1])]),
      g.op('Slice', [hw, g.constInt64([0]), g.constInt64([1]), g.constInt64([1])]),
    ],
    {
      axis: attr.int(1),
    },
  )
  const scaled = g.op('Div', [g.op('Mul', [g.op('Reshape', [coords, g.constInt64([-1, 2])]), g.constFloat([1024])]), wh])
  const { lowRes, scores } = probeDecoderCore(g, {
    coords: scaled,
    labels: g.op('Reshape', [labels, g.constInt64([-1])]),
    ...planesFor(3),
    radius,
  })
  const linear = { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('half_pixel') }
  const sizes = g.op('Concat', [g.constInt64([1, 3]), orig], { axis: attr.int(0) })
  const full = g.op('Resize', [lowRes, '', '', sizes], linear) // [1,3,H,W]
  const masks = g.op('Unsqueeze', [full, g.constInt64([0])]) // [1,1,3,H,W]
  g.output('output_masks', 'float32', ['batch', 'num_queries', 3, 'height', 'width'], masks)
  g.output('iou_predictions', 'float32', ['batch', 'num_queries', 3], g.op('Reshape', [scores, g.constInt64([1, 1, 3])]))
  // torch.onnx names an unnamed returned tensor after the value that produced it.
  g.output('onnx::Shape_2261', 'float32', ['batch_queries', 3, 256, 256], lowRes)
  return g.serialize('probe decoder efficient-sam')
}

function sam2Decoder(radius: number): Uint8Array {
  const g = new GraphBuilder('probe_sam2_decoder')
  g.input('image_embed', 'float32', [1, 256, 64, 64])
  g.input('high_res_feats_0', 'float32', [1, 32, 256, 256])
  g.input('high_res_feats_1', 'float32', [1, 64, 128, 128])
  const coords = g.input('point_coords', 'float32', ['num_labels', 'num_points', 2])
  const labels = g.input('point_labels', 'float32', ['num_labels', 'num_points'])
  const mask = g.input('mask_input', 'float32', ['num_labels', 1, 256, 256])
  const has = g.input('has_mask_input', 'float32', ['num_labels'])
  // The real graph appends the (0, 0)/−1 row itself; the probe does too, after echoing what it was fed.
  const fedLabels = g.op('Reshape', [labels, g.constInt64([-1])])
  const padded = g.op('Concat', [g.op('Reshape', [coords, g.constInt64([-1, 2])]), g.constFloat([0, 0], [1, 2])], { axis: attr.int(0) })
  const paddedLabels = g.op('Concat', [fedLabels, g.constFloat([-1], [1])], { axis: attr.int(0) })
  const { lowRes, scores } = probeDecoderCore(g, {
    coords: padded,
    labels: paddedLabels,
    echoLabels: fedLabels,
    maskInput: { plane: mask, has },
    ...planesFor(3),
    radius,
  })
  g.output('masks', 'float32', ['num_labels', 3, 256, 256], lowRes)
  g.output('iou_predictions', 'float32', ['num_labels', 3], g.op('Reshape', [scores, g.constInt64([1, 3])]))
  return g.serialize('probe decoder sam2')
}

// ---------------------------------------------------------------------------------------------------
// Encoders.

/** [1,7,64,64] echo channels from an NCHW float input already at 1024². */
function echoChannels(g: GraphBuilder, nchw1024: string, original: string, hwcLayout: boolean): string {
  const pooled = g.op('AveragePool', [nchw1024], { kernel_shape: attr.ints([16, 16]), strides: attr.ints([16, 16]) }) // [1,3,64,64]
  const broadcast = (scalar: string): string =>
    g.op('Expand', [g.op('Reshape', [scalar, g.constInt64([1, 1, 1, 1])]), g.constInt64([1, 1, 64, 64])])
  const max = broadcast(g.op('ReduceMax', [original], { keepdims: attr.int(0) }))
  const min = broadcast(g.op('ReduceMin', [original], { keepdims: attr.int(0) }))
  const shape = g.op('Cast', [g.op('Shape', [original])], { to: attr.int(1) })
  const dim = (i: number): string => broadcast(g.op('Gather', [shape, g.constInt64([i])], { axis: attr.int(0) }))
  const [h, w] = hwcLayout ? [dim(0), dim(1)] : [dim(2), dim(3)]
  return g.op('Concat', [pooled, max, min, h, w], { axis: attr.int(1) })
}

function padChannels(g: GraphBuilder, x: string, have: number, want: number): string {
  return g.op('Pad', [x, g.constInt64([0, 0, 0, 0, 0, want - have, 0, 0])], { mode: attr.string('constant') })
}

/** SAM-style encoders: samexporter names its input `input_image`, EdgeSAM `image`. */
function samEncoder(form: 'nchw' | 'hwc', hq: boolean, inputName = 'input_image'): Uint8Array {
  const g = new GraphBuilder(`probe_sam_encoder_${form}${hq ? '_hq' : ''}`)
  let nchw: string
  let original: string
  if (form === 'nchw') {
    original = g.input(inputName, 'float32', [1, 3, 1024, 1024])
    nchw = original
  } else {
    // samexporter --use-preprocess: [h, w, 3] RGB 0–255, normalised, transposed and padded in-graph.
    original = g.input(inputName, 'float32', ['image_height', 'image_width', 3])
    const mean = g.constFloat([123.675, 116.28, 103.53])
    const std = g.constFloat([58.395, 57.12, 57.375])
    const normed = g.op('Div', [g.op('Sub', [original, mean]), std])
    const chw = g.op('Unsqueeze', [g.op('Transpose', [normed], { perm: attr.ints([2, 0, 1]) }), g.constInt64([0])])
    const shape = g.op('Shape', [original])
    const h = g.op('Slice', [shape, g.constInt64([0]), g.constInt64([1])])
    const w = g.op('Slice', [shape, g.constInt64([1]), g.constInt64([2])])
    const c1024 = g.constInt64([1024])
    const pads = g.op('Concat', [g.constInt64([0, 0, 0, 0, 0, 0]), g.op('Sub', [c1024, h]), g.op('Sub', [c1024, w])], { axis: attr.int(0) })
    nchw = g.op('Pad', [chw, pads], { mode: attr.string('constant') })
  }
  const echo = echoChannels(g, nchw, original, form === 'hwc')
  g.output('image_embeddings', 'float32', [1, 256, 64, 64], padChannels(g, echo, 7, 256))
  if (hq) {
    // Four intermediate ViT features [1,64,64,C]; the first echoes the pooled image, the others are 0.
    const nhwc = g.op('Transpose', [echo], { perm: attr.ints([0, 2, 3, 1]) }) // [1,64,64,7]
    const first = g.op('Pad', [nhwc, g.constInt64([0, 0, 0, 0, 0, 0, 0, PROBE_HQ_CHANNELS - 7])], { mode: attr.string('constant') })
    const zero = g.op('Mul', [first, g.constFloat([0])])
    for (let i = 0; i < 4; i++) g.output(`interm_embeddings_${i}`, 'float32', [1, 64, 64, PROBE_HQ_CHANNELS], i === 0 ? first : zero)
  }
  return g.serialize('probe encoder')
}

function efficientSamEncoder(): Uint8Array {
  const g = new GraphBuilder('probe_efficient_sam_encoder')
  const image = g.input('batched_images', 'float32', ['batch', 3, 'height', 'width'])
  // Like the real graph: bilinear to exactly 1024² (no antialias), aspect ratio not kept.
  const resized = g.op('Resize', [image, '', '', g.constInt64([1, 3, 1024, 1024])], {
    mode: attr.string('linear'),
    coordinate_transformation_mode: attr.string('half_pixel'),
  })
  const echo = echoChannels(g, resized, image, false)
  g.output('image_embeddings', 'float32', ['batch', 256, 64, 64], padChannels(g, echo, 7, 256))
  return g.serialize('probe encoder efficient-sam')
}

function sam2Encoder(): Uint8Array {
  const g = new GraphBuilder('probe_sam2_encoder')
  const image = g.input('image', 'float32', [1, 3, 1024, 1024])
  const pool = (k: number): string => g.op('AveragePool', [image], { kernel_shape: attr.ints([k, k]), strides: attr.ints([k, k]) })
  g.output('high_res_feats_0', 'float32', [1, 32, 256, 256], padChannels(g, pool(4), 3, 32))
  g.output('high_res_feats_1', 'float32', [1, 64, 128, 128], padChannels(g, pool(8), 3, 64))
  g.output('image_embed', 'float32', [1, 256, 64, 64], padChannels(g, echoChannels(g, image, image, false), 7, 256))
  return g.serialize('probe encoder sam2')
}

/**
 * An encoder with the official signature (`input_image` [1,3,1024,1024] → `image_embeddings`) that runs
 * `matMuls` chained 6144×512 by 512×512 products (3.2 GFLOP each), for tests that need a long encode.
 */
export function buildSlowEncoder(matMuls: number): Uint8Array {
  const g = new GraphBuilder('probe_slow_encoder')
  const image = g.input('input_image', 'float32', [1, 3, 1024, 1024])
  const weight = g.constFloat(new Float32Array(512 * 512).fill(1 / 512), [512, 512])
  let x = g.op('Reshape', [image, g.constInt64([6144, 512])])
  for (let i = 0; i < matMuls; i++) x = g.op('MatMul', [x, weight])
  const first = g.op('Slice', [x, g.constInt64([0]), g.constInt64([2048]), g.constInt64([0])])
  g.output('image_embeddings', 'float32', [1, 256, 64, 64], g.op('Reshape', [first, g.constInt64([1, 256, 64, 64])]))
  return g.serialize('probe slow encoder')
}

export function buildProbeModel(name: ProbeName, radius = PROBE_DISK_RADIUS): ProbeModel {
  const variant = PROBE_VARIANT[name]
  switch (name) {
    case 'sam-official':
      return { name, variant, encoder: samEncoder('nchw', false), decoder: samOfficialDecoder('probe_sam_decoder', 4, false, radius) }
    case 'sam-official-single':
      return {
        name,
        variant,
        encoder: samEncoder('nchw', false),
        decoder: samOfficialDecoder('probe_sam_decoder_single', 1, false, radius),
      }
    case 'sam-official-hwc':
      return { name, variant, encoder: samEncoder('hwc', false), decoder: samOfficialDecoder('probe_sam_decoder', 4, false, radius) }
    case 'sam-hq':
      return {
        name,
        variant,
        encoder: samEncoder('nchw', true, 'image'),
        decoder: samOfficialDecoder('probe_sam_hq_decoder', 1, true, radius),
      }
    case 'edge-sam':
      return { name, variant, encoder: samEncoder('nchw', false, 'image'), decoder: edgeSamDecoder(radius) }
    case 'efficient-sam':
      return { name, variant, encoder: efficientSamEncoder(), decoder: efficientSamDecoder(false, radius) }
    case 'efficient-sam-fixed-n':
      return { name, variant, encoder: efficientSamEncoder(), decoder: efficientSamDecoder(true, radius) }
    case 'sam2':
      return { name, variant, encoder: sam2Encoder(), decoder: sam2Decoder(radius) }
  }
}

export function buildProbeModels(radius = PROBE_DISK_RADIUS): Record<ProbeName, ProbeModel> {
  return Object.fromEntries(PROBE_NAMES.map((n) => [n, buildProbeModel(n, radius)])) as Record<ProbeName, ProbeModel>
}
