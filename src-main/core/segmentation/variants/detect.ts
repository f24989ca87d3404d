/**
 * Variant detection from the encoder's and decoder's input/output signatures (names, dims including
 * symbolic ones, dtypes), as onnxruntime reports them. Never from file names.
 *
 * The decoder's input names decide the family (they differ between every export script); dims and dtypes
 * are then checked, and the encoder must produce what that decoder needs (a SAM 2 decoder with a SAM 1
 * encoder, or a SAM-HQ vit_h decoder with a vit_b encoder, is refused here rather than failing at run time).
 * Sources per family: shared/docs/sam-reference.md §1–§2.
 */
import { SegmentationError } from '../errors'
import type { ModelSignature, TensorSpec, VariantId } from './types'

/** How an encoder wants its image. */
export type EncoderInputForm =
  /** float32 [1,3,1024,1024]: long side 1024 (PIL bilinear), SAM mean/std, zero pad after normalising. */
  | 'sam-nchw-1024'
  /** float32 [h,w,3]: long side 1024 (PIL bilinear), RGB 0–255; the graph normalises and pads (samexporter --use-preprocess). */
  | 'sam-hwc-resized'
  /** float32 [B,3,H,W]: RGB ÷ 255 at any size; the graph resizes to 1024² itself (EfficientSAM). */
  | 'rgb01-nchw-any'
  /** float32 [1,3,1024,1024]: stretched to 1024² (antialiased bilinear), ÷ 255, ImageNet mean/std (SAM 2). */
  | 'sam2-nchw-1024'

/** Which encoder output(s) feed which decoder input. */
export interface EmbeddingBinding {
  readonly decoderInput: string
  /** One output, or several stacked along a new axis 0 (SAM-HQ's four intermediate ViT features). */
  readonly encoderOutputs: readonly string[]
}

export interface EncoderBinding {
  readonly inputName: string
  readonly inputForm: EncoderInputForm
  readonly embeddings: readonly EmbeddingBinding[]
}

export type DecoderBinding =
  /** tokens: 4 (default export), 1 (`--return-single-mask`), null when the graph leaves it symbolic. */
  | { readonly variant: 'sam-official'; readonly tokens: 1 | 4 | null }
  /** intermChannels: C of interm_embeddings [4,1,64,64,C] (768 vit_b, 1024 vit_l, 1280 vit_h). */
  | { readonly variant: 'sam-hq'; readonly intermChannels: number }
  | { readonly variant: 'edge-sam' }
  /**
   * lowResOutput: the auto-named third output with 256×256 logits, when present.
   * pointsPerQuery: a fixed N of batched_point_coords [B,Q,N,2] (the official export script traces N = 1), or null.
   */
  | { readonly variant: 'efficient-sam'; readonly lowResOutput: string | null; readonly pointsPerQuery: number | null }
  /** tokens: 3 (samexporter's multimask export), 1 (single-mask export) or null when symbolic. */
  | { readonly variant: 'sam2'; readonly tokens: 1 | 3 | null }

export interface DetectedModel {
  readonly variant: VariantId
  /** For people: what was recognised. */
  readonly description: string
  readonly encoder: EncoderBinding
  readonly decoder: DecoderBinding
}

/** What each variant expects, for error messages. */
export const VARIANT_EXPECTATIONS: Readonly<Record<VariantId, string>> = {
  'sam-official':
    'SAM ViT-B/L/H or MobileSAM (segment-anything export_onnx_model.py / samexporter): decoder inputs image_embeddings float32 [1,256,64,64], ' +
    'point_coords float32 [1,N,2], point_labels float32 [1,N], mask_input float32 [1,1,256,256], has_mask_input float32 [1], ' +
    'orig_im_size float32 [2]; outputs masks [1,C,H,W], iou_predictions [1,C], low_res_masks [1,C,256,256] with C = 4 or 1. ' +
    'Encoder: one float32 input [1,3,1024,1024] (or [h,w,3] with built-in preprocessing) → [1,256,64,64].',
  'sam-hq':
    'SAM-HQ (sam-hq export_onnx_model.py): the SAM decoder inputs plus interm_embeddings float32 [4,1,64,64,C] (C = 768/1024/1280); ' +
    'outputs masks [1,1,H,W], iou_predictions [1,1], low_res_masks [1,1,256,256]. Encoder: float32 [1,3,1024,1024] → ' +
    'image_embeddings [1,256,64,64] plus the intermediate ViT features, four [1,64,64,C] outputs or one [4,1,64,64,C].',
  'edge-sam':
    'EdgeSAM (export_onnx_model.py): decoder inputs image_embeddings float32 [1,256,64,64], point_coords float32 [1,N,2], ' +
    'point_labels float32 [1,N]; outputs scores [1,4], masks [1,4,256,256]. Encoder: image float32 [1,3,1024,1024] → image_embeddings [1,256,64,64].',
  'efficient-sam':
    'EfficientSAM (export_to_onnx.py): decoder inputs image_embeddings float32 [B,256,64,64], batched_point_coords float32 [B,Q,N,2], ' +
    'batched_point_labels float32 [B,Q,N], orig_im_size int64 [2]; outputs output_masks [B,Q,3,H,W], iou_predictions [B,Q,3] ' +
    '(+ low-res logits). Encoder: batched_images float32 [B,3,H,W] of any size → image_embeddings [B,256,64,64].',
  sam2:
    'SAM 2 / 2.1 (samexporter export_sam2.py): decoder inputs image_embed float32 [1,256,64,64], high_res_feats_0 [1,32,256,256], ' +
    'high_res_feats_1 [1,64,128,128], point_coords [B,N,2], point_labels [B,N], mask_input [B,1,256,256], has_mask_input [B] (float32); ' +
    'outputs masks [B,3,256,256], iou_predictions [B,3]. Encoder: image float32 [1,3,1024,1024] → high_res_feats_0, high_res_feats_1, image_embed.',
}

/** The signatures that were inspected, the expectations, and the specific problems found. */
export class ModelSignatureError extends SegmentationError {
  readonly encoder: ModelSignature
  readonly decoder: ModelSignature
  readonly problems: readonly string[]
  constructor(
    code: 'unknown_model_signature' | 'encoder_decoder_mismatch',
    headline: string,
    problems: readonly string[],
    encoder: ModelSignature,
    decoder: ModelSignature,
    variants: readonly VariantId[] = Object.keys(VARIANT_EXPECTATIONS) as VariantId[],
  ) {
    const lines = [
      headline,
      ...problems.map((p) => `  - ${p}`),
      'Found:',
      `  encoder ${describeSignature(encoder)}`,
      `  decoder ${describeSignature(decoder)}`,
      variants.length === 1 ? 'Expected:' : 'Supported variants expect:',
      ...variants.map((v) => `  ${v}: ${VARIANT_EXPECTATIONS[v]}`),
    ]
    super(code, lines.join('\n'))
    this.encoder = encoder
    this.decoder = decoder
    this.problems = problems
  }
}

export function describeTensor(t: TensorSpec): string {
  return `${t.name} [${t.shape.join(',')}] ${t.type}`
}

export function describeSignature(sig: ModelSignature): string {
  const list = (ts: readonly TensorSpec[]): string => (ts.length === 0 ? '(none)' : ts.map(describeTensor).join('; '))
  return `inputs: ${list(sig.inputs)} | outputs: ${list(sig.outputs)}`
}

/** The metadata shape of `ort.InferenceSession.inputMetadata`, without importing onnxruntime. */
export type ValueMetadataLike =
  | { readonly name: string; readonly isTensor: false }
  | { readonly name: string; readonly isTensor: true; readonly type: string; readonly shape: readonly (number | string)[] }

export function signatureFromMetadata(session: {
  readonly inputMetadata: readonly ValueMetadataLike[]
  readonly outputMetadata: readonly ValueMetadataLike[]
}): ModelSignature {
  const spec = (m: ValueMetadataLike): TensorSpec =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }
  return { inputs: session.inputMetadata.map(spec), outputs: session.outputMetadata.map(spec) }
}

// ---------------------------------------------------------------------------------------------------
// Shape checks. Expected dims: a number must match a fixed dim (a symbolic dim is accepted, we feed that
// size); '*' is any (dynamic axes such as the number of points).

type ExpectedDim = number | '*'

function dimsProblem(t: TensorSpec, expected: readonly ExpectedDim[], dtype: string, what: string): string | null {
  const issues: string[] = []
  if (t.type !== dtype) issues.push(`dtype ${t.type}, expected ${dtype}`)
  if (t.shape.length !== expected.length) {
    issues.push(`rank ${t.shape.length} [${t.shape.join(',')}], expected [${expected.join(',')}]`)
  } else {
    expected.forEach((e, i) => {
      const d = t.shape[i]
      if (e !== '*' && typeof d === 'number' && d !== e) issues.push(`dim ${i} is ${d}, expected ${e}`)
    })
  }
  return issues.length ? `${what} ${t.name}: ${issues.join(', ')}` : null
}

function byName(ts: readonly TensorSpec[], name: string): TensorSpec | undefined {
  return ts.find((t) => t.name === name)
}

const isFixed = (d: number | string | undefined, v: number): boolean => d === v
const isDynamic = (d: number | string | undefined): boolean => typeof d === 'string'
/** A dim that is fixed to v, or symbolic. */
const fits = (d: number | string | undefined, v: number): boolean => d === v || typeof d === 'string'
const shapeFits = (t: TensorSpec, dims: readonly number[]): boolean =>
  t.shape.length === dims.length && dims.every((v, i) => fits(t.shape[i], v))
const shapeIs = (t: TensorSpec, dims: readonly number[]): boolean =>
  t.shape.length === dims.length && dims.every((v, i) => isFixed(t.shape[i], v))

// ---------------------------------------------------------------------------------------------------
// Decoders.

interface DecoderSpec {
  readonly variant: VariantId
  readonly inputs: readonly { readonly name: string; readonly dims: readonly ExpectedDim[]; readonly dtype: string }[]
  readonly outputs: readonly { readonly name: string; readonly rank: number }[]
}

const F32 = 'float32'
const SAM_PROMPT_INPUTS = [
  { name: 'image_embeddings', dims: [1, 256, 64, 64], dtype: F32 },
  { name: 'point_coords', dims: [1, '*', 2], dtype: F32 },
  { name: 'point_labels', dims: [1, '*'], dtype: F32 },
  { name: 'mask_input', dims: [1, 1, 256, 256], dtype: F32 },
  { name: 'has_mask_input', dims: [1], dtype: F32 },
  { name: 'orig_im_size', dims: [2], dtype: F32 },
] as const
const SAM_OUTPUTS = [
  { name: 'masks', rank: 4 },
  { name: 'iou_predictions', rank: 2 },
  { name: 'low_res_masks', rank: 4 },
] as const

const DECODER_SPECS: readonly DecoderSpec[] = [
  { variant: 'sam-official', inputs: SAM_PROMPT_INPUTS, outputs: SAM_OUTPUTS },
  {
    variant: 'sam-hq',
    inputs: [...SAM_PROMPT_INPUTS, { name: 'interm_embeddings', dims: [4, 1, 64, 64, '*'], dtype: F32 }],
    outputs: SAM_OUTPUTS,
  },
  {
    variant: 'edge-sam',
    inputs: SAM_PROMPT_INPUTS.slice(0, 3),
    outputs: [
      { name: 'scores', rank: 2 },
      { name: 'masks', rank: 4 },
    ],
  },
  {
    variant: 'efficient-sam',
    inputs: [
      { name: 'image_embeddings', dims: ['*', 256, 64, 64], dtype: F32 },
      { name: 'batched_point_coords', dims: ['*', '*', '*', 2], dtype: F32 },
      { name: 'batched_point_labels', dims: ['*', '*', '*'], dtype: F32 },
      { name: 'orig_im_size', dims: [2], dtype: 'int64' },
    ],
    outputs: [
      { name: 'output_masks', rank: 5 },
      { name: 'iou_predictions', rank: 3 },
    ],
  },
  {
    variant: 'sam2',
    inputs: [
      { name: 'image_embed', dims: [1, 256, 64, 64], dtype: F32 },
      { name: 'high_res_feats_0', dims: [1, 32, 256, 256], dtype: F32 },
      { name: 'high_res_feats_1', dims: [1, 64, 128, 128], dtype: F32 },
      { name: 'point_coords', dims: ['*', '*', 2], dtype: F32 },
      { name: 'point_labels', dims: ['*', '*'], dtype: F32 },
      { name: 'mask_input', dims: ['*', 1, 256, 256], dtype: F32 },
      { name: 'has_mask_input', dims: ['*'], dtype: F32 },
    ],
    outputs: [
      { name: 'masks', rank: 4 },
      { name: 'iou_predictions', rank: 2 },
    ],
  },
]

interface DecoderCheck {
  readonly spec: DecoderSpec
  /** The decoder's input names are exactly this variant's. */
  readonly namesMatch: boolean
  /** How many of this variant's input names the decoder has (to name the closest variant). */
  readonly overlap: number
  readonly problems: string[]
}

function checkDecoder(spec: DecoderSpec, sig: ModelSignature): DecoderCheck {
  const wanted = new Set(spec.inputs.map((i) => i.name))
  const have = new Set(sig.inputs.map((i) => i.name))
  const overlap = [...wanted].filter((n) => have.has(n)).length
  const namesMatch = overlap === wanted.size && have.size === wanted.size
  const problems: string[] = []
  for (const want of spec.inputs) {
    const t = byName(sig.inputs, want.name)
    if (!t) {
      problems.push(`decoder input ${want.name} is missing`)
      continue
    }
    const p = dimsProblem(t, want.dims, want.dtype, 'decoder input')
    if (p) problems.push(p)
  }
  for (const name of have) if (!wanted.has(name)) problems.push(`decoder has an unexpected input ${name}`)
  for (const want of spec.outputs) {
    const t = byName(sig.outputs, want.name)
    if (!t) problems.push(`decoder output ${want.name} is missing`)
    else if (t.type !== F32) problems.push(`decoder output ${want.name}: dtype ${t.type}, expected float32`)
    else if (t.shape.length !== want.rank && t.shape.length !== 0)
      problems.push(`decoder output ${want.name}: rank ${t.shape.length}, expected ${want.rank}`)
  }
  return { spec, namesMatch, overlap, problems }
}

/** Variant-specific decoder details, after the generic checks passed. Pushes problems it finds. */
function decoderBinding(variant: VariantId, sig: ModelSignature, problems: string[]): DecoderBinding {
  const out = (name: string): TensorSpec | undefined => byName(sig.outputs, name)
  switch (variant) {
    case 'sam-official': {
      // `--return-extra-metrics` exports 5 outputs but names only 3 by position, so low_res_masks holds stability scores.
      if (sig.outputs.length > 3) {
        problems.push(
          `decoder has ${sig.outputs.length} outputs; an export with --return-extra-metrics names them by position, ` +
            'so low_res_masks would hold stability scores. Re-export without that flag.',
        )
      }
      const c = out('iou_predictions')?.shape[1] ?? out('low_res_masks')?.shape[1]
      if (typeof c === 'number' && c !== 1 && c !== 4) problems.push(`decoder returns ${c} masks; official exports return 4 or 1`)
      return { variant, tokens: c === 1 || c === 4 ? c : null }
    }
    case 'sam-hq': {
      const c = byName(sig.inputs, 'interm_embeddings')?.shape[4]
      if (typeof c !== 'number') problems.push('decoder input interm_embeddings needs a fixed channel count C (768, 1024 or 1280)')
      return { variant, intermChannels: typeof c === 'number' ? c : 0 }
    }
    case 'edge-sam': {
      const masks = out('masks')
      if (masks && masks.shape.length === 4 && !shapeFits(masks, [1, 4, 256, 256])) {
        problems.push(`decoder output masks is [${masks.shape.join(',')}], expected [1,4,256,256] (EdgeSAM returns low-res logits only)`)
      }
      return { variant }
    }
    case 'efficient-sam': {
      const named = new Set(['output_masks', 'iou_predictions'])
      const extra = sig.outputs.find((o) => !named.has(o.name) && o.type === F32 && o.shape.length === 4)
      const n = byName(sig.inputs, 'batched_point_coords')?.shape[2]
      return { variant, lowResOutput: extra?.name ?? null, pointsPerQuery: typeof n === 'number' ? n : null }
    }
    case 'sam2': {
      const c = out('iou_predictions')?.shape[1] ?? out('masks')?.shape[1]
      if (typeof c === 'number' && c !== 1 && c !== 3)
        problems.push(`decoder returns ${c} masks; samexporter's SAM 2 export returns 3 (or 1)`)
      const masks = out('masks')
      if (masks && masks.shape.length === 4 && !(fits(masks.shape[2], 256) && fits(masks.shape[3], 256))) {
        problems.push(`decoder output masks is [${masks.shape.join(',')}], expected [B,C,256,256] low-res logits`)
      }
      return { variant, tokens: c === 1 || c === 3 ? c : null }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Encoders.

const EMBEDDING_DIMS = [1, 256, 64, 64]
const SAM2_FEATS_0 = [1, 32, 256, 256]
const SAM2_FEATS_1 = [1, 64, 128, 128]

type RawInputForm = 'nchw-1024' | 'nchw-any' | 'hwc-any' | 'other'

function rawInputForm(t: TensorSpec): RawInputForm {
  if (t.type !== F32) return 'other'
  const [a, b, c, d] = t.shape
  if (t.shape.length === 4 && fits(a, 1) && b === 3 && isFixed(c, 1024) && isFixed(d, 1024)) return 'nchw-1024'
  if (t.shape.length === 4 && b === 3 && isDynamic(c) && isDynamic(d)) return 'nchw-any'
  if (t.shape.length === 3 && isDynamic(a) && isDynamic(b) && c === 3) return 'hwc-any'
  return 'other'
}

const INPUT_FORM_WORDS: Record<RawInputForm, string> = {
  'nchw-1024': 'a fixed [1,3,1024,1024] image',
  'nchw-any': 'an image of any size [B,3,H,W] (like EfficientSAM)',
  'hwc-any': 'an [h,w,3] image with built-in preprocessing',
  other: 'an input this app does not know how to fill',
}

function looksLikeSam2Encoder(sig: ModelSignature): boolean {
  return sig.outputs.some((o) => shapeIs(o, SAM2_FEATS_0)) && sig.outputs.some((o) => shapeIs(o, SAM2_FEATS_1))
}

/** The encoder output that is the [1,256,64,64] image embedding: by the given name, else the only one of that shape. */
function embeddingOutput(sig: ModelSignature, preferredName: string, problems: string[], decoderInput: string): string | null {
  const named = byName(sig.outputs, preferredName)
  if (named && named.type === F32 && shapeFits(named, EMBEDDING_DIMS)) return named.name
  const candidates = sig.outputs.filter((o) => o.type === F32 && shapeFits(o, EMBEDDING_DIMS) && o.shape.length === 4)
  const fixed = candidates.filter((o) => shapeIs(o, EMBEDDING_DIMS))
  const pick = fixed.length === 1 ? fixed[0] : candidates.length === 1 ? candidates[0] : undefined
  if (pick) return pick.name
  const found = sig.outputs.map(describeTensor).join('; ') || '(none)'
  problems.push(
    `the decoder's ${decoderInput} needs an encoder output float32 [1,256,64,64] (embedding shape mismatch); encoder outputs: ${found}`,
  )
  return null
}

function encoderBinding(decoder: DecoderBinding, encoder: ModelSignature, decoderSig: ModelSignature, problems: string[]): EncoderBinding {
  const variant = decoder.variant
  const first = encoder.inputs[0]
  if (encoder.inputs.length !== 1 || !first) {
    problems.push(`the encoder must have exactly one image input, it has ${encoder.inputs.length}`)
  }
  const inputName = first?.name ?? ''
  const form = first ? rawInputForm(first) : 'other'
  const sam2Encoder = looksLikeSam2Encoder(encoder)

  let inputForm: EncoderInputForm = 'sam-nchw-1024'
  const refuseForm = (wanted: string): void => {
    problems.push(
      `the ${variant} decoder needs an encoder that takes ${wanted}; this encoder takes ${INPUT_FORM_WORDS[form]} (${first ? describeTensor(first) : 'no input'})`,
    )
  }
  switch (variant) {
    case 'sam-official':
    case 'sam-hq':
      if (form === 'nchw-1024') inputForm = 'sam-nchw-1024'
      else if (form === 'hwc-any') inputForm = 'sam-hwc-resized'
      else refuseForm('a float32 [1,3,1024,1024] image (or [h,w,3] with built-in preprocessing)')
      break
    case 'edge-sam':
      if (form === 'nchw-1024') inputForm = 'sam-nchw-1024'
      else refuseForm('a float32 [1,3,1024,1024] image')
      break
    case 'efficient-sam':
      inputForm = 'rgb01-nchw-any'
      if (form !== 'nchw-any') refuseForm('a float32 [B,3,H,W] image of any size')
      break
    case 'sam2':
      inputForm = 'sam2-nchw-1024'
      if (form !== 'nchw-1024') refuseForm('a float32 [1,3,1024,1024] image')
      break
  }
  if (sam2Encoder && variant !== 'sam2') {
    problems.push(
      `this is a SAM 2 encoder (it returns high-resolution features [1,32,256,256] and [1,64,128,128]); it cannot feed a ${variant} decoder`,
    )
  }

  const embeddings: EmbeddingBinding[] = []
  switch (variant) {
    case 'sam-official':
    case 'edge-sam':
    case 'efficient-sam': {
      const name = embeddingOutput(encoder, 'image_embeddings', problems, 'image_embeddings')
      if (name) embeddings.push({ decoderInput: 'image_embeddings', encoderOutputs: [name] })
      break
    }
    case 'sam-hq': {
      const name = embeddingOutput(encoder, 'image_embeddings', problems, 'image_embeddings')
      if (name) embeddings.push({ decoderInput: 'image_embeddings', encoderOutputs: [name] })
      const c = decoder.intermChannels
      const stacked = encoder.outputs.find((o) => o.type === F32 && o.shape.length === 5 && shapeFits(o, [4, 1, 64, 64, c]))
      const split = encoder.outputs.filter(
        (o) => o.type === F32 && o.shape.length === 4 && shapeFits(o, [1, 64, 64, c]) && isFixed(o.shape[3], c),
      )
      if (stacked) embeddings.push({ decoderInput: 'interm_embeddings', encoderOutputs: [stacked.name] })
      else if (split.length === 4) embeddings.push({ decoderInput: 'interm_embeddings', encoderOutputs: split.map((o) => o.name) })
      else {
        const otherC = encoder.outputs
          .filter(
            (o) => (o.shape.length === 4 && fits(o.shape[1], 64) && fits(o.shape[2], 64) && o.shape[3] !== 256) || o.shape.length === 5,
          )
          .map((o) => o.shape[o.shape.length - 1])
        problems.push(
          otherC.length
            ? `embedding shape mismatch: the decoder's interm_embeddings has C = ${c}, the encoder's intermediate features have C = ${[...new Set(otherC)].join('/')} (a different ViT size)`
            : `the SAM-HQ decoder needs intermediate ViT features from the encoder (four [1,64,64,${c}] outputs or one [4,1,64,64,${c}]); this encoder has none`,
        )
      }
      break
    }
    case 'sam2': {
      const pick = (name: string, dims: readonly number[]): string | null => {
        const named = byName(encoder.outputs, name)
        if (named && shapeFits(named, dims)) return named.name
        const same = encoder.outputs.filter((o) => shapeIs(o, dims))
        if (same.length === 1 && same[0]) return same[0].name
        problems.push(`the SAM 2 decoder's ${name} needs an encoder output [${dims.join(',')}] (embedding shape mismatch)`)
        return null
      }
      const f0 = pick('high_res_feats_0', SAM2_FEATS_0)
      const f1 = pick('high_res_feats_1', SAM2_FEATS_1)
      const emb = pick('image_embed', EMBEDDING_DIMS)
      if (emb) embeddings.push({ decoderInput: 'image_embed', encoderOutputs: [emb] })
      if (f0) embeddings.push({ decoderInput: 'high_res_feats_0', encoderOutputs: [f0] })
      if (f1) embeddings.push({ decoderInput: 'high_res_feats_1', encoderOutputs: [f1] })
      break
    }
  }
  // Every decoder input the binding feeds must match the shape the decoder declares.
  for (const b of embeddings) {
    const want = byName(decoderSig.inputs, b.decoderInput)
    const got = b.encoderOutputs.map((n) => byName(encoder.outputs, n))
    if (!want || got.some((g) => !g)) continue
    const g0 = got[0] as TensorSpec
    const dims = b.encoderOutputs.length > 1 ? [b.encoderOutputs.length, ...g0.shape] : g0.shape
    const clash =
      dims.length !== want.shape.length ||
      dims.some((d, i) => typeof d === 'number' && typeof want.shape[i] === 'number' && d !== want.shape[i])
    if (clash) problems.push(`embedding shape mismatch: encoder gives [${dims.join(',')}] for the decoder's ${describeTensor(want)}`)
  }
  return { inputName, inputForm, embeddings }
}

const DESCRIPTIONS: Record<VariantId, string> = {
  'sam-official': 'SAM ViT-B/L/H or MobileSAM (official decoder export)',
  'sam-hq': 'SAM-HQ',
  'edge-sam': 'EdgeSAM',
  'efficient-sam': 'EfficientSAM',
  sam2: 'SAM 2 / 2.1 (samexporter)',
}

function describe(decoder: DecoderBinding, encoder: EncoderBinding): string {
  const parts = [DESCRIPTIONS[decoder.variant]]
  if (decoder.variant === 'sam-official' && decoder.tokens) parts.push(decoder.tokens === 4 ? '4 mask tokens' : 'single-mask export')
  if (decoder.variant === 'sam-hq') parts.push(`interm C = ${decoder.intermChannels}`)
  if (encoder.inputForm === 'sam-hwc-resized') parts.push('encoder with built-in preprocessing')
  return parts.join(', ')
}

/**
 * Detects the variant of an encoder/decoder pair from their signatures.
 * Throws a {@link ModelSignatureError}: `unknown_model_signature` when the decoder matches no variant (or a
 * variant's names with broken dims/dtypes), `encoder_decoder_mismatch` when the encoder cannot feed it.
 */
export function detectVariant(encoder: ModelSignature, decoder: ModelSignature): DetectedModel {
  const checks = DECODER_SPECS.map((s) => checkDecoder(s, decoder))
  const named = checks.find((c) => c.namesMatch)
  if (!named) {
    const swapped = DECODER_SPECS.map((s) => checkDecoder(s, encoder)).find((c) => c.namesMatch)
    const closest = [...checks].sort((a, b) => b.overlap - a.overlap)[0]
    const problems = swapped
      ? [`the encoder file looks like a ${swapped.spec.variant} decoder: were the two files swapped?`]
      : closest && closest.overlap > 0
        ? [`closest match ${closest.spec.variant}:`, ...closest.problems]
        : ['no decoder input names of any supported variant were found']
    throw new ModelSignatureError(
      'unknown_model_signature',
      'The decoder does not match any supported SAM variant.',
      problems,
      encoder,
      decoder,
    )
  }
  const variant = named.spec.variant
  const problems = [...named.problems]
  const decoderInfo = decoderBinding(variant, decoder, problems)
  if (problems.length) {
    throw new ModelSignatureError(
      'unknown_model_signature',
      `The decoder has the input names of ${DESCRIPTIONS[variant]} but not its shapes or types.`,
      problems,
      encoder,
      decoder,
      [variant],
    )
  }
  const encoderProblems: string[] = []
  const encoderInfo = encoderBinding(decoderInfo, encoder, decoder, encoderProblems)
  if (encoderProblems.length) {
    throw new ModelSignatureError(
      'encoder_decoder_mismatch',
      `The decoder is ${DESCRIPTIONS[variant]}, but the encoder does not produce what it needs.`,
      encoderProblems,
      encoder,
      decoder,
      [variant],
    )
  }
  return { variant, description: describe(decoderInfo, encoderInfo), encoder: encoderInfo, decoder: decoderInfo }
}
