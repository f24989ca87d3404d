/**
 * The bundled demo model: a tiny ONNX encoder/decoder pair with exactly the official SAM ONNX interface
 * (`sam-official` variant) that segments by colour similarity. It is not SAM and is labelled so in the UI.
 * It lets a fresh install do something useful and lets every test run the real onnxruntime-node path.
 *
 * Both graphs are generated here from a handful of numbers, so they carry no trained weights and
 * serialise deterministically (byte-identical on every run).
 *
 * Encoder (`input_image` [1,3,1024,1024], normalised and zero-padded as SAM expects →
 * `image_embeddings` [1,256,64,64]):
 *   - channels 0–47: the 4×4 average colour (a 256×256×3 map in normalised space), space-to-depth by 4;
 *   - channels 48–95: local colour spread (per-channel standard deviation of that map over 3×3 cells,
 *     i.e. 12×12 input pixels), space-to-depth by 4; a texture measure;
 *   - channels 96–255: zeros.
 *
 * Decoder (official inputs and outputs; everything is computed on the 256×256 low-res grid whose cells
 * are 4×4 pixels of the padded 1024² frame, cell centres at 4j + 2):
 *   - depth-to-space recovers the colour and texture maps;
 *   - each prompt row gets a seed colour: the 3×3-cell mean colour at its cell; label −1 rows are ignored;
 *   - a box (labels 2/3) adds its centre as a positive seed whose spatial reach covers the box, and
 *     pushes every cell whose centre lies outside the box to a strongly negative logit;
 *   - affinity of a cell to a seed = −(colour distance / tolerance) − (spatial distance / reach),
 *     where tolerance grows with the texture at the seed and reach is 512 px of the 1024 frame for clicks;
 *   - P = best affinity to a positive seed, Q = best affinity to a negative seed;
 *     logit = min(T + P, 2·(P − Q)), so cells closer (in colour and space) to a negative click are out;
 *   - with has_mask_input = 1, an eighth of the previous logits (clipped to ±10) is added;
 *   - tokens: 1 = tight (T − 0.4), 2 = medium (T), 3 = loose (T + 0.4), 0 = medium. A constant shift per
 *     token makes the candidates nested, before and after (linear) upscaling: tight ⊆ medium ⊆ loose;
 *   - iou_predictions: a stability-like crispness per token, #(logit > 0.25) / (#(logit > −0.25) + 1),
 *     times a per-token factor, so values lie in [0, 1) and differ between tokens;
 *   - masks: bilinear 256→1024, crop to h′×w′ computed in-graph from orig_im_size in float32, bilinear to
 *     H×W, exactly as the official `mask_postprocessing`.
 */
import { createHash } from 'node:crypto'
import { GraphBuilder, attr } from '../onnx-graph'

export const DEMO_MODEL_NAME = 'Demo segmenter (colour similarity, not SAM)'
export const DEMO_MODEL_VARIANT = 'sam-official'

/** Threshold of the medium candidate, in units of normalised colour distance. */
const BASE_TOLERANCE = 1.0
/** Shift of the tight and loose candidates. */
const CANDIDATE_SPREAD = 0.4
/** Spatial reach of a click: 1024-frame pixels per unit of colour distance. */
const CLICK_REACH = 512
/** Extra colour tolerance per unit of local colour spread at the seed. */
const TEXTURE_TOLERANCE = 1.0
/** Weight of (P − Q) when a negative seed competes with the positive ones. */
const NEGATIVE_SHARPNESS = 2
/** Logit given to cells outside the box. */
const OUTSIDE_BOX_PENALTY = 20
/**
 * Fraction of the previous low-res logits (gained, clipped to ±MASK_INPUT_CLIP) added when refining: at
 * most ±1.25 ungained units, enough to steer a mask, not enough to outvote a new negative click.
 */
const MASK_INPUT_WEIGHT = 0.125
const MASK_INPUT_CLIP = 10
/**
 * Output logits are the affinity scores above times this gain, so they are as steep around 0 as SAM's
 * (most cells far beyond ±1): the stability score (offset 1) and the AMG stability filter then mean what
 * they mean with SAM. Everything above is in ungained units; mask_input is brought back to them.
 */
const LOGIT_GAIN = 12
/** Logits are clipped to this magnitude (SAM 2 clips to 32 too). */
const LOGIT_CLIP = 32
/** Stand-in for −∞ in masked maxima. */
const MASKED = 1e4
/** Logit offset of the crispness measure behind iou_predictions. */
const CRISPNESS_OFFSET = 0.25
/** Per-token factors of iou_predictions: token 0 (medium), 1 (tight), 2 (medium), 3 (loose). */
const IOU_FACTORS = [0.95, 0.9, 0.97, 0.86]

const GRID = 256 // low-res grid side
const CELLS = GRID * GRID
const CELL = 4 // 1024-frame pixels per low-res cell
const EMBED_CHANNELS = 256
const COLOUR_CHANNELS = 3 * CELL * CELL // 48

export interface DemoModelFiles {
  readonly encoder: Uint8Array
  readonly decoder: Uint8Array
}

function buildEncoder(): Uint8Array {
  const g = new GraphBuilder('demo_segmenter_encoder')
  const image = g.input('input_image', 'float32', [1, 3, 1024, 1024])
  const pool4 = { kernel_shape: attr.ints([CELL, CELL]), strides: attr.ints([CELL, CELL]) }
  const pool3 = {
    kernel_shape: attr.ints([3, 3]),
    strides: attr.ints([1, 1]),
    pads: attr.ints([1, 1, 1, 1]),
    count_include_pad: attr.int(0),
  }
  const colour = g.op('AveragePool', [image], pool4) // [1,3,256,256]
  const localMean = g.op('AveragePool', [colour], pool3)
  const localMeanSq = g.op('AveragePool', [g.op('Mul', [colour, colour])], pool3)
  const variance = g.op('Relu', [g.op('Sub', [localMeanSq, g.op('Mul', [localMean, localMean])])])
  const spread = g.op('Sqrt', [variance]) // [1,3,256,256]
  const s2d = { blocksize: attr.int(CELL) }
  const features = g.op('Concat', [g.op('SpaceToDepth', [colour], s2d), g.op('SpaceToDepth', [spread], s2d)], {
    axis: attr.int(1),
  }) // [1,96,64,64]
  const pads = g.constInt64([0, 0, 0, 0, 0, EMBED_CHANNELS - 2 * COLOUR_CHANNELS, 0, 0])
  const embedding = g.op('Pad', [features, pads], { mode: attr.string('constant') })
  g.output('image_embeddings', 'float32', [1, EMBED_CHANNELS, 64, 64], embedding)
  return g.serialize(`${DEMO_MODEL_NAME}: encoder`)
}

function buildDecoder(): Uint8Array {
  const g = new GraphBuilder('demo_segmenter_decoder')
  const embeddings = g.input('image_embeddings', 'float32', [1, EMBED_CHANNELS, 64, 64])
  const pointCoords = g.input('point_coords', 'float32', [1, 'num_points', 2])
  const pointLabels = g.input('point_labels', 'float32', [1, 'num_points'])
  const maskInput = g.input('mask_input', 'float32', [1, 1, GRID, GRID])
  const hasMaskInput = g.input('has_mask_input', 'float32', [1])
  const origImSize = g.input('orig_im_size', 'float32', [2])

  const f = (v: number): string => g.constFloat([v])
  const i64 = (values: number[]): string => g.constInt64(values)
  const add = (a: string, b: string): string => g.op('Add', [a, b])
  const sub = (a: string, b: string): string => g.op('Sub', [a, b])
  const mul = (a: string, b: string): string => g.op('Mul', [a, b])
  const div = (a: string, b: string): string => g.op('Div', [a, b])
  const reshape = (a: string, shape: number[]): string => g.op('Reshape', [a, i64(shape)])
  const isLabel = (labels: string, value: number): string => g.op('Cast', [g.op('Equal', [labels, f(value)])], { to: attr.int(1) })
  const sliceAxis = (a: string, axis: number, start: number, end: number): string =>
    g.op('Slice', [a, i64([start]), i64([end]), i64([axis])])
  const sumAll = (a: string): string => g.op('ReduceSum', [a], { keepdims: attr.int(1) }) // all axes → [1,1]

  // Feature maps back at 256×256 colour resolution.
  const d2s = { blocksize: attr.int(CELL), mode: attr.string('DCR') }
  const colour = g.op('DepthToSpace', [sliceAxis(embeddings, 1, 0, COLOUR_CHANNELS)], d2s) // [1,3,256,256]
  const spread = g.op('DepthToSpace', [sliceAxis(embeddings, 1, COLOUR_CHANNELS, 2 * COLOUR_CHANNELS)], d2s)
  const colourFlat = reshape(colour, [1, 3, CELLS])
  const smoothColour = g.op('AveragePool', [colour], {
    kernel_shape: attr.ints([3, 3]),
    strides: attr.ints([1, 1]),
    pads: attr.ints([1, 1, 1, 1]),
    count_include_pad: attr.int(0),
  })
  const seedColourTable = reshape(smoothColour, [3, CELLS])
  const textureTable = reshape(g.op('ReduceMean', [spread], { axes: attr.ints([1]), keepdims: attr.int(0) }), [CELLS])

  // Cell-centre coordinates in the 1024 frame, [1, CELLS], built in-graph to keep the file small.
  const ramp = add(mul(g.op('Range', [f(0), f(GRID), f(1)]), f(CELL)), f(CELL / 2)) // [256]
  const zeros = mul(ramp, f(0))
  const gridX = reshape(add(reshape(ramp, [1, GRID]), reshape(zeros, [GRID, 1])), [1, CELLS])
  const gridY = reshape(add(reshape(ramp, [GRID, 1]), reshape(zeros, [1, GRID])), [1, CELLS])

  // Prompt rows as columns [N,1].
  const points = reshape(pointCoords, [-1, 2])
  const clickX = sliceAxis(points, 1, 0, 1)
  const clickY = sliceAxis(points, 1, 1, 2)
  const labels = reshape(pointLabels, [-1, 1])
  const isPositive = isLabel(labels, 1)
  const isNegative = isLabel(labels, 0)
  const isTopLeft = isLabel(labels, 2)
  const isBottomRight = isLabel(labels, 3)

  // Box (mean of the corners given; SAM takes one box). hasBox is 0 or 1, shape [1,1].
  const one = f(1)
  const countTL = sumAll(isTopLeft)
  const countBR = sumAll(isBottomRight)
  const hasBox = g.op('Min', [g.op('Mul', [countTL, countBR]), one])
  const meanOf = (value: string, mask: string, count: string): string => div(sumAll(mul(value, mask)), g.op('Max', [count, one]))
  const boxX0 = meanOf(clickX, isTopLeft, countTL)
  const boxY0 = meanOf(clickY, isTopLeft, countTL)
  const boxX1 = meanOf(clickX, isBottomRight, countBR)
  const boxY1 = meanOf(clickY, isBottomRight, countBR)
  const half = f(0.5)
  const boxCx = mul(add(boxX0, boxX1), half)
  const boxCy = mul(add(boxY0, boxY1), half)
  const boxW = g.op('Abs', [sub(boxX1, boxX0)])
  const boxH = g.op('Abs', [sub(boxY1, boxY0)])
  const halfDiagonal = mul(g.op('Sqrt', [add(mul(boxW, boxW), mul(boxH, boxH))]), half)

  // Seeds: the N prompt rows plus the box centre (a positive seed only when there is a box).
  const concat0 = (a: string, b: string): string => g.op('Concat', [a, b], { axis: attr.int(0) })
  const seedX = concat0(clickX, boxCx) // [N+1,1]
  const seedY = concat0(clickY, boxCy)
  const seedPositive = concat0(isPositive, hasBox)
  const seedNegative = concat0(isNegative, mul(hasBox, f(0)))
  const clickInvReach = add(mul(clickX, f(0)), f(1 / CLICK_REACH))
  const boxInvReach = div(one, g.op('Max', [mul(halfDiagonal, f(2)), f(CLICK_REACH)]))
  const seedInvReach = concat0(clickInvReach, boxInvReach)

  // Seed cell index, clamped to the grid.
  const cellOf = (v: string): string => g.op('Clip', [g.op('Floor', [div(v, f(CELL))]), f(0), f(GRID - 1)])
  const seedIndex = g.op('Cast', [reshape(add(mul(cellOf(seedY), f(GRID)), cellOf(seedX)), [-1])], { to: attr.int(7) })
  const seedColour = reshape(
    g.op('Transpose', [g.op('Gather', [seedColourTable, seedIndex], { axis: attr.int(1) })], { perm: attr.ints([1, 0]) }),
    [-1, 3, 1],
  ) // [N+1,3,1]
  const seedTexture = reshape(g.op('Gather', [textureTable, seedIndex], { axis: attr.int(0) }), [-1, 1])
  const tolerance = add(one, mul(seedTexture, f(TEXTURE_TOLERANCE)))

  // Affinity [N+1, CELLS] = −colourDistance/tolerance − spatialDistance/reach.
  const colourDiff = sub(colourFlat, seedColour) // [N+1,3,CELLS]
  const colourDist = g.op('Sqrt', [add(g.op('ReduceSum', [mul(colourDiff, colourDiff), i64([1])], { keepdims: attr.int(0) }), f(1e-6))])
  const dx = sub(gridX, seedX)
  const dy = sub(gridY, seedY)
  const spatialDist = g.op('Sqrt', [add(mul(dx, dx), mul(dy, dy))])
  const affinity = g.op('Neg', [add(div(colourDist, tolerance), mul(spatialDist, seedInvReach))])
  const bestOf = (mask: string): string =>
    g.op('ReduceMax', [add(affinity, mul(sub(mask, one), f(MASKED)))], { axes: attr.ints([0]), keepdims: attr.int(1) })
  const positive = bestOf(seedPositive) // [1,CELLS]
  const negative = bestOf(seedNegative)
  let logits = g.op('Min', [add(positive, f(BASE_TOLERANCE)), mul(sub(positive, negative), f(NEGATIVE_SHARPNESS))])

  // Box gate: cells whose centre is outside the box.
  const outside = g.op('Or', [
    g.op('Or', [g.op('Less', [gridX, g.op('Min', [boxX0, boxX1])]), g.op('Greater', [gridX, g.op('Max', [boxX0, boxX1])])]),
    g.op('Or', [g.op('Less', [gridY, g.op('Min', [boxY0, boxY1])]), g.op('Greater', [gridY, g.op('Max', [boxY0, boxY1])])]),
  ])
  const outsideF = g.op('Cast', [outside], { to: attr.int(1) })
  logits = sub(logits, mul(mul(outsideF, hasBox), f(OUTSIDE_BOX_PENALTY)))

  // Refinement from the previous low-res logits.
  const previous = g.op('Clip', [reshape(maskInput, [1, CELLS]), f(-MASK_INPUT_CLIP), f(MASK_INPUT_CLIP)])
  logits = add(logits, mul(previous, mul(reshape(hasMaskInput, [1, 1]), f(MASK_INPUT_WEIGHT))))

  // Four tokens: medium, tight, medium, loose.
  const offsets = g.constFloat([0, -CANDIDATE_SPREAD, 0, CANDIDATE_SPREAD], [4, 1])
  const tokens = g.op('Clip', [mul(add(logits, offsets), f(LOGIT_GAIN)), f(-LOGIT_CLIP), f(LOGIT_CLIP)]) // [4,CELLS]
  const lowRes = reshape(tokens, [1, 4, GRID, GRID])

  // iou_predictions: crispness per token.
  const countAbove = (t: number): string =>
    g.op('ReduceSum', [g.op('Cast', [g.op('Greater', [tokens, f(t)])], { to: attr.int(1) }), i64([1])], {
      keepdims: attr.int(0),
    })
  const crisp = div(countAbove(CRISPNESS_OFFSET * LOGIT_GAIN), add(countAbove(-CRISPNESS_OFFSET * LOGIT_GAIN), one)) // [4]
  const iou = reshape(mul(crisp, g.constFloat(IOU_FACTORS)), [1, 4])

  // masks: official mask_postprocessing.
  const linear = {
    mode: attr.string('linear'),
    coordinate_transformation_mode: attr.string('half_pixel'),
  }
  const up = g.op('Resize', [lowRes, '', '', i64([1, 4, 1024, 1024])], linear)
  const longest = g.op('ReduceMax', [origImSize], { keepdims: attr.int(0) })
  const scale = div(f(1024), longest)
  const prepadded = g.op('Cast', [g.op('Floor', [add(mul(origImSize, scale), half)])], { to: attr.int(7) }) // [h′, w′]
  const cropped = g.op('Slice', [up, i64([0, 0]), prepadded, i64([2, 3])])
  const outSize = g.op('Concat', [i64([1, 4]), g.op('Cast', [origImSize], { to: attr.int(7) })], { axis: attr.int(0) })
  const masks = g.op('Resize', [cropped, '', '', outSize], linear)

  g.output('masks', 'float32', [1, 4, 'height', 'width'], masks)
  g.output('iou_predictions', 'float32', [1, 4], iou)
  g.output('low_res_masks', 'float32', [1, 4, GRID, GRID], lowRes)
  return g.serialize(`${DEMO_MODEL_NAME}: decoder`)
}

/** Generates the demo encoder and decoder as ONNX bytes (opset 17, IR 8). Deterministic. */
export function buildDemoModel(): DemoModelFiles {
  return { encoder: buildEncoder(), decoder: buildDecoder() }
}

/** Contents of resources/models/demo-segmenter/model.json. */
export interface DemoModelManifest {
  readonly name: string
  readonly variant: string
  readonly description: string
  readonly files: {
    readonly encoder: { readonly path: string; readonly sha256: string; readonly bytes: number }
    readonly decoder: { readonly path: string; readonly sha256: string; readonly bytes: number }
  }
}

/** The manifest describing generated files, with their sha256 (hex). */
export function demoModelManifest(files: DemoModelFiles): DemoModelManifest {
  const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
  return {
    name: DEMO_MODEL_NAME,
    variant: DEMO_MODEL_VARIANT,
    description:
      'Generated by scripts/build-demo-model.ts. Segments by colour similarity around the clicks, with the ' +
      'official SAM ONNX encoder/decoder interface. Not a trained model.',
    files: {
      encoder: { path: 'encoder.onnx', sha256: sha256(files.encoder), bytes: files.encoder.length },
      decoder: { path: 'decoder.onnx', sha256: sha256(files.decoder), bytes: files.decoder.length },
    },
  }
}
