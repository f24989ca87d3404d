/**
 * The bundled demo model through the real onnxruntime-node path:
 * synthetic scene → preprocess → encoder → decoder feeds → decoder → postprocess.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MODEL_NAME, buildDemoModel, demoModelManifest } from '../../../src-main/core/segmentation/demo-model/build-demo-model'
import type { DemoModelManifest } from '../../../src-main/core/segmentation/demo-model/build-demo-model'
import { buildDecoderFeeds } from '../../../src-main/core/segmentation/sam-official/decoder-feeds'
import type { SamDecoderFeeds, SamPrompt } from '../../../src-main/core/segmentation/sam-official/decoder-feeds'
import { selectMaskTokens, thresholdLogits, upscaleLowResLogits } from '../../../src-main/core/segmentation/sam-official/postprocess'
import type { MaskCandidate, SamDecoderOutputs } from '../../../src-main/core/segmentation/sam-official/postprocess'
import { preprocessSamImage } from '../../../src-main/core/segmentation/sam-official/preprocess'
import type { ImageSize, RgbImage } from '../../../src-main/core/segmentation/sam-official/preprocess'
import { isSubset, makeScene, maskArea, maskIou } from './synthetic-scene'

const MODEL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources', 'models', 'demo-segmenter')
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 2 }

let encoder: ort.InferenceSession
let decoder: ort.InferenceSession
const scene = makeScene() // 1500×1000, disk centre (450, 500) r 250, rect x 850–1350 y 200–800
let embedding: Float32Array

async function encode(image: RgbImage): Promise<Float32Array> {
  const { tensor, dims } = preprocessSamImage(image)
  const out = await encoder.run({ input_image: new ort.Tensor('float32', tensor, dims) })
  const emb = out.image_embeddings
  if (!emb) throw new Error('encoder returned no image_embeddings')
  expect(emb.dims).toEqual([1, 256, 64, 64])
  return emb.data as Float32Array
}

async function runDecoder(feeds: SamDecoderFeeds): Promise<SamDecoderOutputs> {
  const ortFeeds: Record<string, ort.Tensor> = {}
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims)
  const out = await decoder.run(ortFeeds)
  const get = (name: string): { data: Float32Array; dims: readonly number[] } => {
    const t = out[name]
    if (!t) throw new Error(`decoder returned no ${name}`)
    return { data: t.data as Float32Array, dims: t.dims }
  }
  return { masks: get('masks'), iouPredictions: get('iou_predictions'), lowResMasks: get('low_res_masks') }
}

interface Prediction {
  readonly outputs: SamDecoderOutputs
  /** Tokens 0–3 in order. */
  readonly tokens: MaskCandidate[]
  /** Binary masks of tokens 0–3. */
  readonly masks: Uint8Array[]
}

async function predict(prompt: SamPrompt, image: ImageSize = scene.image, emb = embedding): Promise<Prediction> {
  const outputs = await runDecoder(buildDecoderFeeds(prompt, image, emb))
  const tokens = [...selectMaskTokens(outputs, false), ...selectMaskTokens(outputs, true)]
  return { outputs, tokens, masks: tokens.map((t) => thresholdLogits(t.logits)) }
}

const at = (mask: Uint8Array, x: number, y: number): number => mask[y * scene.image.width + x] as number
const click = (x: number, y: number, label: 'foreground' | 'background' = 'foreground') => ({ x, y, label })

beforeAll(async () => {
  encoder = await ort.InferenceSession.create(readFileSync(join(MODEL_DIR, 'encoder.onnx')), SESSION_OPTIONS)
  decoder = await ort.InferenceSession.create(readFileSync(join(MODEL_DIR, 'decoder.onnx')), SESSION_OPTIONS)
  embedding = await encode(scene.image)
})

describe('demo model files', () => {
  it('committed files equal a fresh generation and model.json records their sha256', () => {
    const fresh = buildDemoModel()
    const encoderBytes = readFileSync(join(MODEL_DIR, 'encoder.onnx'))
    const decoderBytes = readFileSync(join(MODEL_DIR, 'decoder.onnx'))
    expect(Buffer.compare(encoderBytes, fresh.encoder)).toBe(0)
    expect(Buffer.compare(decoderBytes, fresh.decoder)).toBe(0)
    const manifest = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as DemoModelManifest
    expect(manifest).toEqual(demoModelManifest(fresh))
    expect(manifest.name).toBe(DEMO_MODEL_NAME)
    expect(manifest.variant).toBe('sam-official')
    expect(manifest.files.encoder.sha256).toBe(createHash('sha256').update(encoderBytes).digest('hex'))
    expect(manifest.files.decoder.sha256).toBe(createHash('sha256').update(decoderBytes).digest('hex'))
    expect(encoderBytes.length).toBeLessThan(100_000)
    expect(decoderBytes.length).toBeLessThan(100_000)
  })

  it('has exactly the official SAM ONNX interface', () => {
    expect(encoder.inputNames).toEqual(['input_image'])
    expect(encoder.outputNames).toEqual(['image_embeddings'])
    expect(decoder.inputNames).toEqual(['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size'])
    expect(decoder.outputNames).toEqual(['masks', 'iou_predictions', 'low_res_masks'])
  })
})

describe('demo model segmentation', () => {
  it('a click in the disk segments the disk (IoU ≥ 0.9) with the official output shapes', async () => {
    const p = await predict({ points: [click(450, 500)] })
    expect(p.outputs.masks.dims).toEqual([1, 4, 1000, 1500])
    expect(p.outputs.iouPredictions.dims).toEqual([1, 4])
    expect(p.outputs.lowResMasks.dims).toEqual([1, 4, 256, 256])
    for (const mask of p.masks) expect(maskIou(mask, scene.diskMask)).toBeGreaterThanOrEqual(0.9)
    expect(maskIou(p.masks[0] as Uint8Array, scene.rectMask)).toBe(0)
    // An off-centre click still finds the whole disk.
    const edge = await predict({ points: [click(300, 420)] })
    expect(maskIou(edge.masks[0] as Uint8Array, scene.diskMask)).toBeGreaterThanOrEqual(0.9)
    const rect = await predict({ points: [click(1100, 500)] })
    expect(maskIou(rect.masks[0] as Uint8Array, scene.rectMask)).toBeGreaterThanOrEqual(0.9)
  })

  it('upscales in-graph exactly like the official mask_postprocessing', async () => {
    const p = await predict({ points: [click(450, 500)] })
    for (const token of p.tokens) {
      expect(maxAbsDiff(upscaleLowResLogits(token.lowResLogits, scene.image), token.logits)).toBeLessThan(1e-3)
    }
  })

  it('gives nested candidates tight ⊆ medium ⊆ loose, token 0 = medium, distinct plausible IoUs', async () => {
    const prompts: SamPrompt[] = [
      { points: [click(450, 500)] },
      { points: [click(100, 100)] }, // textured background
      { points: [click(350, 500), click(560, 500, 'background')] },
      { points: [], box: { x0: 840, y0: 190, x1: 1360, y1: 810 } },
    ]
    for (const prompt of prompts) {
      const p = await predict(prompt)
      const [m0, tight, medium, loose] = p.masks as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
      expect(isSubset(tight, medium)).toBe(true)
      expect(isSubset(medium, loose)).toBe(true)
      expect(Buffer.compare(m0, medium)).toBe(0)
      expect(maskArea(tight)).toBeLessThanOrEqual(maskArea(medium))
      const ious = Array.from(p.outputs.iouPredictions.data)
      expect(new Set(ious).size).toBe(4)
      for (const v of ious) {
        expect(v).toBeGreaterThanOrEqual(0)
        expect(v).toBeLessThanOrEqual(1)
      }
    }
    // A crisp object is predicted better than a click on textured background.
    const crisp = await predict({ points: [click(450, 500)] })
    const textured = await predict({ points: [click(100, 100)] })
    expect(crisp.tokens[0]?.predictedIou).toBeGreaterThan(textured.tokens[0]?.predictedIou ?? 1)
  })

  it('a negative point removes the part of the object near it', async () => {
    const positiveOnly = await predict({ points: [click(350, 500)] })
    const withNegative = await predict({ points: [click(350, 500), click(560, 500, 'background')] })
    const before = positiveOnly.masks[0] as Uint8Array
    const after = withNegative.masks[0] as Uint8Array
    expect(at(before, 560, 500)).toBe(1)
    expect(at(after, 560, 500)).toBe(0)
    expect(at(after, 350, 500)).toBe(1)
    expect(maskArea(after)).toBeLessThan(maskArea(before) * 0.8)
    expect(isSubset(after, scene.diskMask)).toBe(true)
    // A negative click far away on another colour changes nothing.
    const farNegative = await predict({ points: [click(350, 500), click(1100, 500, 'background')] })
    expect(maskIou(farNegative.masks[0] as Uint8Array, before)).toBeGreaterThan(0.99)
  })

  it('a box alone selects the object inside it, and a box clips a click’s mask', async () => {
    const boxOnly = await predict({ points: [], box: { x0: 840, y0: 190, x1: 1360, y1: 810 } })
    expect(maskIou(boxOnly.masks[0] as Uint8Array, scene.rectMask)).toBeGreaterThanOrEqual(0.9)

    const clipped = await predict({ points: [click(300, 500)], box: { x0: 150, y0: 200, x1: 450, y1: 800 } })
    const mask = clipped.masks[0] as Uint8Array
    let outside = 0
    for (let y = 0; y < scene.image.height; y++) {
      for (let x = 0; x < scene.image.width; x++) {
        if (mask[y * scene.image.width + x] && (x > 450 + 6 || x < 150 - 6 || y < 200 - 6 || y > 800 + 6)) outside++
      }
    }
    expect(outside).toBe(0)
    expect(at(mask, 300, 500)).toBe(1)
    expect(at(mask, 600, 500)).toBe(0)
    expect(maskArea(mask)).toBeGreaterThan(0.4 * maskArea(scene.diskMask))
  })

  it('ignores padding rows (label −1)', async () => {
    const feeds = buildDecoderFeeds({ points: [click(450, 500)] }, scene.image, embedding)
    const base = await runDecoder(feeds)
    // Three padding rows, one at a red spot, instead of one.
    const coords = new Float32Array([...feeds.point_coords.data.slice(0, 2), 0, 0, 300, 340, 900, 900])
    const padded = await runDecoder({
      ...feeds,
      point_coords: { data: coords, dims: [1, 4, 2] },
      point_labels: { data: Float32Array.of(1, -1, -1, -1), dims: [1, 4] },
    })
    expect(sameFloats(padded.lowResMasks.data, base.lowResMasks.data)).toBe(true)
  })

  it('refines from mask_input only when has_mask_input = 1', async () => {
    const first = await predict({ points: [click(450, 500)] })
    const previous = first.tokens[0]?.lowResLogits as Float32Array

    // Same prompt + its own previous logits: same mask, more confident logits.
    const refined = await predict({ points: [click(450, 500)], maskInput: previous })
    expect(maskIou(refined.masks[0] as Uint8Array, first.masks[0] as Uint8Array)).toBeGreaterThan(0.99)
    const meanAbs = (a: Float32Array): number => a.reduce((s, v) => s + Math.abs(v), 0) / a.length
    expect(meanAbs(refined.tokens[0]?.lowResLogits as Float32Array)).toBeGreaterThan(meanAbs(previous))

    // A previous mask that rejects the left half of the disk removes it.
    const leftOut = new Float32Array(256 * 256)
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) leftOut[y * 256 + x] = x * 4 < 450 * (1024 / 1500) ? -10 : 0
    const steered = await predict({ points: [click(500, 500)], maskInput: leftOut })
    expect(at(steered.masks[0] as Uint8Array, 300, 500)).toBe(0)
    expect(at(steered.masks[0] as Uint8Array, 600, 500)).toBe(1)

    // The same mask_input with has_mask_input = 0 is ignored.
    const feeds = buildDecoderFeeds({ points: [click(500, 500)] }, scene.image, embedding)
    const ignored = await runDecoder({ ...feeds, mask_input: { data: leftOut, dims: [1, 1, 256, 256] } })
    const plain = await runDecoder(feeds)
    expect(sameFloats(ignored.lowResMasks.data, plain.lowResMasks.data)).toBe(true)
  })

  it('is deterministic', async () => {
    const a = await predict({ points: [click(700, 300), click(450, 500, 'background')] })
    const b = await predict({ points: [click(700, 300), click(450, 500, 'background')] })
    expect(sameFloats(a.outputs.masks.data, b.outputs.masks.data)).toBe(true)
    expect(sameFloats(a.outputs.iouPredictions.data, b.outputs.iouPredictions.data)).toBe(true)
  })

  it.each([
    [3, 1],
    [1, 3],
    [2000, 2],
    [2, 2000],
    [1, 1],
  ])('handles an extreme %i×%i image end to end', async (width, height) => {
    const data = new Uint8Array(width * height * 3)
    for (let i = 0; i < width * height; i++) data.set(i < (width * height) / 2 ? [220, 30, 30] : [30, 30, 220], i * 3)
    const image = { data, width, height }
    const emb = await encode(image)
    // A click a quarter of the way in lands on the red half.
    const p = await predict({ points: [click(width / 4, height / 4)] }, image, emb)
    expect(p.outputs.masks.dims).toEqual([1, 4, height, width])
    expect(p.outputs.masks.data.every(Number.isFinite)).toBe(true)
    expect(p.masks[0]?.[Math.floor(height / 4) * width + Math.floor(width / 4)]).toBe(1)
    const expected = upscaleLowResLogits(p.tokens[0]?.lowResLogits as Float32Array, image)
    expect(maxAbsDiff(expected, p.tokens[0]?.logits as Float32Array)).toBeLessThan(1e-3)
  })
})

/** Exact equality of two float arrays (vitest's deep equality is slow on millions of elements). */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.compare(bytesOf(a), bytesOf(b)) === 0
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)))
  return m
}
