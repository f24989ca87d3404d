/**
 * Variant detection from signatures alone: the shapes the real export scripts produce (sam-reference.md §1–§2),
 * the probe models as onnxruntime reports them, and the failures (unknown, broken, mismatched, swapped).
 */
import { describe, expect, it } from 'vitest'
import { SegmentationError } from '../../../src-main/core/segmentation/errors'
import { ModelSignatureError, detectVariant } from '../../../src-main/core/segmentation/variants'
import type { ModelSignature, TensorSpec } from '../../../src-main/core/segmentation/variants'
import { PROBE_NAMES, PROBE_VARIANT } from '../../../src-main/core/segmentation/probe-models/build-probe-models'
import { probeRig } from './probe-harness'

const t = (name: string, shape: (number | string)[], type = 'float32'): TensorSpec => ({ name, type, shape })
const sig = (inputs: readonly TensorSpec[], outputs: readonly TensorSpec[]): ModelSignature => ({ inputs, outputs })

// Encoders.
const samEncoder = sig([t('input_image', [1, 3, 1024, 1024])], [t('image_embeddings', [1, 256, 64, 64])])
const samHwcEncoder = sig([t('input_image', ['image_height', 'image_width', 3])], [t('image_embeddings', [1, 256, 64, 64])])
const edgeEncoder = sig([t('image', [1, 3, 1024, 1024])], [t('image_embeddings', [1, 256, 64, 64])])
const hqEncoderSplit = (c: number): ModelSignature =>
  sig([t('x', [1, 3, 1024, 1024])], [t('image_embeddings', [1, 256, 64, 64]), ...[0, 1, 2, 3].map((i) => t(`interm_${i}`, [1, 64, 64, c]))])
const hqEncoderStacked = sig(
  [t('image', [1, 3, 1024, 1024])],
  [t('image_embeddings', [1, 256, 64, 64]), t('interm_embeddings', [4, 1, 64, 64, 1280])],
)
const efficientEncoder = sig([t('batched_images', ['batch', 3, 'height', 'width'])], [t('image_embeddings', ['batch', 256, 64, 64])])
const sam2Encoder = sig(
  [t('image', [1, 3, 1024, 1024])],
  [t('high_res_feats_0', [1, 32, 256, 256]), t('high_res_feats_1', [1, 64, 128, 128]), t('image_embed', [1, 256, 64, 64])],
)

// Decoders.
const samPromptInputs = [
  t('image_embeddings', [1, 256, 64, 64]),
  t('point_coords', [1, 'num_points', 2]),
  t('point_labels', [1, 'num_points']),
  t('mask_input', [1, 1, 256, 256]),
  t('has_mask_input', [1]),
  t('orig_im_size', [2]),
]
const samDecoder = (c: number | string): ModelSignature =>
  sig(samPromptInputs, [t('masks', [1, c, 'h', 'w']), t('iou_predictions', [1, c]), t('low_res_masks', [1, c, 256, 256])])
const hqDecoder = (c: number): ModelSignature =>
  sig(
    [...samPromptInputs, t('interm_embeddings', [4, 1, 64, 64, c])],
    [t('masks', [1, 1, 'h', 'w']), t('iou_predictions', [1, 1]), t('low_res_masks', [1, 1, 256, 256])],
  )
const edgeDecoder = sig(samPromptInputs.slice(0, 3), [t('scores', [1, 4]), t('masks', [1, 4, 256, 256])])
const efficientDecoder = (n: number | string): ModelSignature =>
  sig(
    [
      t('image_embeddings', ['batch', 256, 64, 64]),
      t('batched_point_coords', [1, 'num_points', n, 2]),
      t('batched_point_labels', [1, 'num_points', n]),
      t('orig_im_size', [2], 'int64'),
    ],
    [
      t('output_masks', [1, 'num_points', 3, 'h', 'w']),
      t('iou_predictions', [1, 'num_points', 3]),
      t('onnx::Reshape_1711', ['bq', 3, 256, 256]),
    ],
  )
const sam2Decoder = sig(
  [
    t('image_embed', [1, 256, 64, 64]),
    t('high_res_feats_0', [1, 32, 256, 256]),
    t('high_res_feats_1', [1, 64, 128, 128]),
    t('point_coords', ['num_labels', 'num_points', 2]),
    t('point_labels', ['num_labels', 'num_points']),
    t('mask_input', ['num_labels', 1, 256, 256]),
    t('has_mask_input', ['num_labels']),
  ],
  [t('masks', ['num_labels', 3, 256, 256]), t('iou_predictions', ['num_labels', 3])],
)

function signatureError(f: () => unknown): ModelSignatureError {
  try {
    f()
  } catch (error) {
    expect(error).toBeInstanceOf(ModelSignatureError)
    return error as ModelSignatureError
  }
  throw new Error('expected a ModelSignatureError')
}

describe('detectVariant on the export scripts’ signatures', () => {
  it('official SAM / MobileSAM: 4-token, 1-token and symbolic token count; both encoder input forms', () => {
    const four = detectVariant(samEncoder, samDecoder(4))
    expect(four.variant).toBe('sam-official')
    expect(four.decoder).toEqual({ variant: 'sam-official', tokens: 4 })
    expect(four.encoder).toEqual({
      inputName: 'input_image',
      inputForm: 'sam-nchw-1024',
      embeddings: [{ decoderInput: 'image_embeddings', encoderOutputs: ['image_embeddings'] }],
    })
    expect(detectVariant(samEncoder, samDecoder(1)).decoder).toEqual({ variant: 'sam-official', tokens: 1 })
    expect(detectVariant(samEncoder, samDecoder('num_masks')).decoder).toEqual({ variant: 'sam-official', tokens: null })
    expect(detectVariant(samHwcEncoder, samDecoder(4)).encoder.inputForm).toBe('sam-hwc-resized')
    // X-AnyLabeling pairs the MobileSAM encoder with the ViT-H decoder: same signatures, accepted.
    expect(detectVariant(edgeEncoder, samDecoder(4)).variant).toBe('sam-official')
  })

  it('SAM-HQ: interm C from the decoder; four split or one stacked encoder output', () => {
    const split = detectVariant(hqEncoderSplit(768), hqDecoder(768))
    expect(split.variant).toBe('sam-hq')
    expect(split.decoder).toEqual({ variant: 'sam-hq', intermChannels: 768 })
    expect(split.encoder.embeddings).toEqual([
      { decoderInput: 'image_embeddings', encoderOutputs: ['image_embeddings'] },
      { decoderInput: 'interm_embeddings', encoderOutputs: ['interm_0', 'interm_1', 'interm_2', 'interm_3'] },
    ])
    expect(detectVariant(hqEncoderStacked, hqDecoder(1280)).encoder.embeddings[1]).toEqual({
      decoderInput: 'interm_embeddings',
      encoderOutputs: ['interm_embeddings'],
    })
  })

  it('EdgeSAM, EfficientSAM (dynamic and traced point axis), SAM 2', () => {
    expect(detectVariant(edgeEncoder, edgeDecoder).variant).toBe('edge-sam')
    const eff = detectVariant(efficientEncoder, efficientDecoder('n'))
    expect(eff.variant).toBe('efficient-sam')
    expect(eff.encoder.inputForm).toBe('rgb01-nchw-any')
    expect(eff.decoder).toEqual({ variant: 'efficient-sam', lowResOutput: 'onnx::Reshape_1711', pointsPerQuery: null })
    expect(detectVariant(efficientEncoder, efficientDecoder(1)).decoder).toMatchObject({ pointsPerQuery: 1 })
    const s2 = detectVariant(sam2Encoder, sam2Decoder)
    expect(s2.variant).toBe('sam2')
    expect(s2.decoder).toEqual({ variant: 'sam2', tokens: 3 })
    expect(s2.encoder.inputForm).toBe('sam2-nchw-1024')
    expect(s2.encoder.embeddings.map((e) => e.decoderInput)).toEqual(['image_embed', 'high_res_feats_0', 'high_res_feats_1'])
  })

  it('does not depend on the order of inputs or outputs (EdgeSAM lists scores before masks)', () => {
    const reversed = sig([...edgeDecoder.inputs].reverse(), [...edgeDecoder.outputs].reverse())
    expect(detectVariant(edgeEncoder, reversed).variant).toBe('edge-sam')
  })
})

describe('detectVariant on the probe models as onnxruntime reports them', () => {
  it.each(PROBE_NAMES)('%s', async (name) => {
    const rig = await probeRig(name)
    expect(rig.detected.variant).toBe(PROBE_VARIANT[name])
  })
})

describe('detectVariant failures name what was found and what is expected', () => {
  it('an unrelated model: lists every input/output with shape and dtype, and every variant’s expectation', () => {
    const yolo = sig([t('images', [1, 3, 640, 640])], [t('output0', [1, 84, 8400])])
    const error = signatureError(() => detectVariant(yolo, yolo))
    expect(error.code).toBe('unknown_model_signature')
    expect(error).toBeInstanceOf(SegmentationError)
    expect(error.message).toContain('images [1,3,640,640] float32')
    expect(error.message).toContain('output0 [1,84,8400] float32')
    for (const v of ['sam-official', 'sam-hq', 'edge-sam', 'efficient-sam', 'sam2']) expect(error.message).toContain(`${v}:`)
  })

  it('the right names with a wrong dtype or shape are reported as broken, with the specific problem', () => {
    const badLabels = sig(
      samPromptInputs.map((i) => (i.name === 'point_labels' ? t('point_labels', [1, 'n'], 'int64') : i)),
      samDecoder(4).outputs,
    )
    const error = signatureError(() => detectVariant(samEncoder, badLabels))
    expect(error.code).toBe('unknown_model_signature')
    expect(error.problems.join('\n')).toContain('point_labels: dtype int64, expected float32')
    const wrongMask = sig(
      samPromptInputs.map((i) => (i.name === 'mask_input' ? t('mask_input', [1, 1, 128, 128]) : i)),
      samDecoder(4).outputs,
    )
    expect(signatureError(() => detectVariant(samEncoder, wrongMask)).problems.join()).toContain('mask_input: dim 2 is 128, expected 256')
    const efficientFloatSize = sig(
      efficientDecoder('n').inputs.map((i) => (i.name === 'orig_im_size' ? t('orig_im_size', [2]) : i)),
      efficientDecoder('n').outputs,
    )
    expect(signatureError(() => detectVariant(efficientEncoder, efficientFloatSize)).problems.join()).toContain(
      'orig_im_size: dtype float32, expected int64',
    )
  })

  it('refuses an export made with --return-extra-metrics (outputs named by position)', () => {
    const extra = sig(samPromptInputs, [...samDecoder(4).outputs, t('onnx::a', [1, 4]), t('onnx::b', [1, 4, 256, 256])])
    expect(signatureError(() => detectVariant(samEncoder, extra)).message).toMatch(/--return-extra-metrics/)
  })

  it('says when the encoder and decoder files look swapped', () => {
    expect(signatureError(() => detectVariant(samDecoder(4), samEncoder)).message).toMatch(/swapped/)
  })

  it.each([
    ['a SAM 2 decoder with a SAM 1 encoder', samEncoder, sam2Decoder, /high_res_feats_0 needs an encoder output \[1,32,256,256\]/],
    ['a SAM 1 decoder with a SAM 2 encoder', sam2Encoder, samDecoder(4), /SAM 2 encoder/],
    ['a SAM-HQ vit_h decoder with a vit_b encoder', hqEncoderSplit(768), hqDecoder(1280), /C = 1280.*C = 768/],
    ['a SAM-HQ decoder with a plain SAM encoder', samEncoder, hqDecoder(768), /intermediate ViT features/],
    ['an EfficientSAM decoder with a SAM encoder', samEncoder, efficientDecoder('n'), /any size/],
    ['a SAM decoder with an EfficientSAM encoder', efficientEncoder, samDecoder(4), /like EfficientSAM/],
    [
      'an encoder whose embedding has another shape',
      sig([t('input_image', [1, 3, 1024, 1024])], [t('image_embeddings', [1, 256, 32, 32])]),
      samDecoder(4),
      /embedding shape mismatch.*image_embeddings \[1,256,32,32\]/,
    ],
  ])('catches %s', (_what, encoder, decoder, pattern) => {
    const error = signatureError(() => detectVariant(encoder, decoder))
    expect(error.code).toBe('encoder_decoder_mismatch')
    expect(error.message).toMatch(pattern)
    // Both signatures are in the message.
    expect(error.message).toContain(`encoder inputs: ${encoder.inputs[0]?.name}`)
    expect(error.message).toContain('decoder inputs:')
  })
})
