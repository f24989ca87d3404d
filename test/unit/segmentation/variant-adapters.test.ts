/**
 * Every variant adapter against its signature-exact probe model, through real onnxruntime-node:
 * coordinate frames (a click lands where it was made, within one pixel, for several aspect ratios including
 * 1×N extremes and a swapped, EXIF-rotated frame), padding rows, box labels and order, orig_im_size,
 * token slicing, mask_input round trips, and the encoder preprocessing each variant requires.
 */
import { describe, expect, it } from 'vitest'
import {
  PROBE_DISK_RADIUS,
  PROBE_ENCODER_CHANNEL,
  PROBE_NAMES,
  PROBE_VARIANT,
  decodeProbeScore,
} from '../../../src-main/core/segmentation/probe-models/build-probe-models'
import type { ProbeName } from '../../../src-main/core/segmentation/probe-models/build-probe-models'
import { buildDecoderFeeds } from '../../../src-main/core/segmentation/sam-official/decoder-feeds'
import { isSegmentationError } from '../../../src-main/core/segmentation/errors'
import type {
  Embedding,
  ImageSize,
  RgbImage,
  SegmentationCandidate,
  SegmentationPrompt,
  TensorData,
} from '../../../src-main/core/segmentation/variants'
import { createVariantAdapter } from '../../../src-main/core/segmentation/variants'
import { greyImage, probeRig } from './probe-harness'
import { MaskKernelArena } from '../../../src-main/core/masks/kernels/mask-kernels'
import { decodeMask, encodeRowTransitions } from '../../../src-main/core/masks'
import { stabilityCounts } from '../../../src-main/core/segmentation/sam-official/postprocess'

type Click = { readonly x: number; readonly y: number }

const fg = (x: number, y: number) => ({ x, y, label: 'foreground' as const })
const bg = (x: number, y: number) => ({ x, y, label: 'background' as const })

/** Variants whose model frame is a uniform scaling of the image (long side 1024); the others stretch to 1024². */
const UNIFORM: ReadonlySet<ProbeName> = new Set(['sam-official', 'sam-official-single', 'sam-official-hwc', 'sam-hq', 'edge-sam'])
const SINGLE_TOKEN: ReadonlySet<ProbeName> = new Set(['sam-official-single', 'sam-hq'])
const MASK_INPUT: ReadonlySet<ProbeName> = new Set(['sam-official', 'sam-official-single', 'sam-official-hwc', 'sam-hq', 'sam2'])

const SIZES: readonly ImageSize[] = [
  { width: 1500, height: 1000 },
  { width: 1000, height: 1500 },
  { width: 640, height: 480 },
  { width: 2000, height: 3 },
  { width: 3, height: 2000 },
  { width: 1000, height: 1 },
  { width: 1, height: 1000 },
]

/** Clicks away from the borders by more than the disk radius along every axis longer than a few pixels. */
function clicksFor(size: ImageSize): Click[] {
  const at = (fx: number, fy: number): Click => ({
    x: Math.min(size.width - 1, Math.round(fx * size.width)),
    y: Math.min(size.height - 1, Math.round(fy * size.height)),
  })
  return [at(0.41, 0.57), at(0.66, 0.38)]
}

const embeddings = new Map<string, Promise<Embedding>>()
function embeddingFor(name: ProbeName, size: ImageSize, image: RgbImage = greyImage(size.width, size.height)): Promise<Embedding> {
  const key = `${name}:${size.width}x${size.height}`
  let e = embeddings.get(key)
  if (!e) {
    e = probeRig(name).then((rig) => rig.encode(image))
    embeddings.set(key, e)
  }
  return e
}

function at(c: SegmentationCandidate, x: number, y: number): number {
  return c.mask[y * c.width + x] as number
}

/** Centroid and bounding box of a candidate's mask. */
function maskGeometry(c: SegmentationCandidate): { count: number; cx: number; cy: number; x0: number; x1: number; y0: number; y1: number } {
  let count = 0
  let sx = 0
  let sy = 0
  let x0 = Infinity
  let x1 = -Infinity
  let y0 = Infinity
  let y1 = -Infinity
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      if (!c.mask[y * c.width + x]) continue
      count++
      sx += x
      sy += y
      x0 = Math.min(x0, x)
      x1 = Math.max(x1, x)
      y0 = Math.min(y0, y)
      y1 = Math.max(y1, y)
    }
  }
  return { count, cx: sx / count, cy: sy / count, x0, x1, y0, y1 }
}

/**
 * Where a ramp candidate crosses zero, as a pixel position: the x-ramp is positive left of the point, so the
 * number of positive pixels in the click's row, minus ½, estimates the click's x (likewise for y).
 */
function rampEstimate(c: SegmentationCandidate, axis: 'x' | 'y', click: Click): number {
  let positives = 0
  if (axis === 'x') for (let x = 0; x < c.width; x++) positives += at(c, x, click.y)
  else for (let y = 0; y < c.height; y++) positives += at(c, click.x, y)
  return positives - 0.5
}

const byToken = (cs: readonly SegmentationCandidate[], token: number): SegmentationCandidate => {
  const c = cs.find((x) => x.token === token)
  if (!c) throw new Error(`no candidate for token ${token}`)
  return c
}

/** Exact equality (vitest's deep equality is slow on large arrays). */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
  )
}

const labelsOf = (c: SegmentationCandidate): number[] => decodeProbeScore(c.predictedIou).labels
const f32 = (t: TensorData | undefined): Float32Array => {
  if (!t || t.type !== 'float32') throw new Error('expected a float32 feed')
  return t.data
}

describe.each(PROBE_NAMES)('%s adapter', (name) => {
  it.each(SIZES)('a click at image pixel (x, y) gives a mask centred at (x, y) within one pixel: $width×$height', async (size) => {
    const rig = await probeRig(name)
    const embedding = await embeddingFor(name, size)
    const uniform = UNIFORM.has(name)
    for (const click of clicksFor(size)) {
      const candidates = await rig.predict(embedding, { points: [fg(click.x, click.y)] })
      for (const c of candidates) {
        expect([c.width, c.height]).toEqual([size.width, size.height])
        expect(c.logits.length).toBe(size.width * size.height)
      }
      const disk = byToken(candidates, SINGLE_TOKEN.has(name) ? 0 : 1)
      // In a stretched frame a 3-pixel axis spans 1024 model pixels, so the disk (R = 160 model pixels) is
      // thinner than a pixel there and can fall between pixel centres (SAM 2 maps x·1024/W, a pixel's corner,
      // not its centre): only the ramps can locate the click then.
      const degenerate = !uniform && Math.min(size.width, size.height) < 8
      const g = maskGeometry(disk)
      if (!degenerate) {
        expect(g.count).toBeGreaterThan(0)
        expect(Math.abs(g.cx - click.x), 'mask centroid x').toBeLessThanOrEqual(1)
        expect(Math.abs(g.cy - click.y), 'mask centroid y').toBeLessThanOrEqual(1)
        expect(at(disk, click.x, click.y)).toBe(1)
      }
      if (!degenerate && size.width >= 8) {
        // The disk is round in the model frame: R model pixels, scaled back along x.
        const scaleX = uniform ? Math.max(size.width, size.height) / 1024 : size.width / 1024
        expect(Math.abs((g.x1 - g.x0 + 1) / 2 - PROBE_DISK_RADIUS * scaleX)).toBeLessThanOrEqual(1.5)
      }
      if (!SINGLE_TOKEN.has(name)) {
        // The ramps locate the point exactly along every axis the model can resolve (in a uniform frame a
        // 3-pixel axis is 2 model pixels, less than one low-res cell: every pixel gets the same value).
        if (!uniform || size.width >= 8) expect(Math.abs(rampEstimate(byToken(candidates, 2), 'x', click) - click.x)).toBeLessThanOrEqual(1)
        if (!uniform || size.height >= 8)
          expect(Math.abs(rampEstimate(byToken(candidates, 3), 'y', click) - click.y)).toBeLessThanOrEqual(1)
      }
    }
  })

  it('an EXIF-rotated image (width and height swapped) gives the transposed mask', async () => {
    const rig = await probeRig(name)
    const wide = await rig.predict(await embeddingFor(name, { width: 1500, height: 1000 }), { points: [fg(615, 570)] })
    const tall = await rig.predict(await embeddingFor(name, { width: 1000, height: 1500 }), { points: [fg(570, 615)] })
    const a = byToken(wide, SINGLE_TOKEN.has(name) ? 0 : 1)
    const b = byToken(tall, SINGLE_TOKEN.has(name) ? 0 : 1)
    let differ = 0
    let maxDiff = 0
    for (let y = 0; y < 1000; y++) {
      for (let x = 0; x < 1500; x++) {
        if (a.mask[y * 1500 + x] !== b.mask[x * 1000 + y]) differ++
        maxDiff = Math.max(maxDiff, Math.abs((a.logits[y * 1500 + x] as number) - (b.logits[x * 1000 + y] as number)))
      }
    }
    expect(differ).toBe(0)
    expect(maxDiff).toBeLessThan(1e-3)
  })

  it('feeds padding rows, box labels 2/3 and row order exactly as the variant wants', async () => {
    const rig = await probeRig(name)
    const embedding = await embeddingFor(name, { width: 1500, height: 1000 })
    const variant = PROBE_VARIANT[name]
    const box = { x0: 300, y0: 200, x1: 900, y1: 700 }
    const rowsFed = async (prompt: SegmentationPrompt): Promise<number[]> => {
      const [first] = await rig.predict(embedding, prompt)
      return labelsOf(first as SegmentationCandidate)
    }
    const official = variant === 'sam-official' || variant === 'sam-hq'
    // Official SAM 1: a padding row only without a box. EdgeSAM: never. SAM 2 and EfficientSAM: never from us (their graphs pad).
    expect(await rowsFed({ points: [fg(615, 570)] })).toEqual(official ? [1, -1] : [1])
    expect(await rowsFed({ points: [bg(615, 570)] })).toEqual(official ? [0, -1] : [0])
    if (name === 'efficient-sam-fixed-n') {
      // Its traced point axis takes one row: a box is refused, not truncated.
      const error = await rig.predict(embedding, { points: [], box }).catch((e: unknown) => e)
      expect(isSegmentationError(error, 'unsupported_prompt')).toBe(true)
      return
    }
    expect(await rowsFed({ points: [], box })).toEqual([2, 3])
    // SAM 2 puts the box first, as SAM2ImagePredictor does; the others put clicks first.
    expect(await rowsFed({ points: [fg(615, 570)], box })).toEqual(variant === 'sam2' ? [2, 3, 1] : [1, 2, 3])
    expect(await rowsFed({ points: [fg(615, 570), bg(400, 300)], box })).toEqual(variant === 'sam2' ? [2, 3, 1, 0] : [1, 0, 2, 3])
    // A box dragged from bottom-right to top-left still gives top-left (2) then bottom-right (3).
    const { feeds } = await rig.run(embedding, { points: [], box: { x0: 900, y0: 700, x1: 300, y1: 200 } })
    const coords = f32(feeds.point_coords ?? feeds.batched_point_coords)
    const expected =
      variant === 'efficient-sam'
        ? [300, 200, 900, 700]
        : variant === 'sam2'
          ? [300 * (1024 / 1500), 200 * (1024 / 1000), 900 * (1024 / 1500), 700 * (1024 / 1000)]
          : [300 * (1024 / 1500), 200 * (683 / 1000), 900 * (1024 / 1500), 700 * (683 / 1000)]
    expect(Array.from(coords).map((v) => Math.round(v * 1000) / 1000)).toEqual(
      expected.map((v) => Math.round(Math.fround(v) * 1000) / 1000),
    )
  })

  it('feeds orig_im_size as the variant wants it, and the masks come back at that size', async () => {
    const rig = await probeRig(name)
    const embedding = await embeddingFor(name, { width: 1500, height: 1000 })
    const { feeds, outputs } = await rig.run(embedding, { points: [fg(615, 570)] })
    const variant = PROBE_VARIANT[name]
    if (variant === 'sam-official' || variant === 'sam-hq') {
      expect(feeds.orig_im_size).toEqual({ type: 'float32', data: Float32Array.of(1000, 1500), dims: [2] })
      expect(outputs.masks?.dims.slice(2)).toEqual([1000, 1500])
    } else if (variant === 'efficient-sam') {
      expect(feeds.orig_im_size).toEqual({ type: 'int64', data: BigInt64Array.of(1000n, 1500n), dims: [2] })
      expect(outputs.output_masks?.dims).toEqual([1, 1, 3, 1000, 1500])
    } else {
      expect(feeds.orig_im_size).toBeUndefined()
      expect(outputs.masks?.dims.slice(2)).toEqual([256, 256])
    }
  })

  it('slices tokens: multimask gives tokens 1–3 in order, single gives the variant’s one mask', async () => {
    const rig = await probeRig(name)
    const embedding = await embeddingFor(name, { width: 1500, height: 1000 })
    const multi = await rig.predict(embedding, { points: [fg(615, 570)] }, { multimask: true })
    const single = await rig.predict(embedding, { points: [fg(615, 570)] }, { multimask: false })
    const tags = (cs: SegmentationCandidate[]): number[] => cs.map((c) => decodeProbeScore(c.predictedIou).tag)
    expect(multi.length).toBe(rig.adapter.capabilities.multimaskCandidates)
    if (SINGLE_TOKEN.has(name)) {
      expect(multi.map((c) => c.token)).toEqual([0])
      expect(tags(single)).toEqual([0])
    } else {
      expect(multi.map((c) => c.token)).toEqual([1, 2, 3])
      expect(tags(multi)).toEqual([1, 2, 3])
      // SAM 1 and EdgeSAM: token 0; EfficientSAM and SAM 2 (no token 0 exported): the best by predicted IoU.
      const variant = PROBE_VARIANT[name]
      expect(single.map((c) => c.token)).toEqual(variant === 'efficient-sam' || variant === 'sam2' ? [3] : [0])
      expect(tags(single)).toEqual(single.map((c) => c.token))
    }
    for (const c of [...multi, ...single]) expect(c.lowResLogits === null || c.lowResLogits.length === 256 * 256).toBe(true)
  })

  it(
    MASK_INPUT.has(name) ? 'round-trips mask_input: previous low-res logits come back exactly' : 'refuses mask_input (the model has none)',
    async () => {
      const rig = await probeRig(name)
      const embedding = await embeddingFor(name, { width: 1500, height: 1000 })
      const first = await rig.predict(embedding, { points: [fg(615, 570)] })
      const previous = byToken(first, SINGLE_TOKEN.has(name) ? 0 : 1)
      if (!MASK_INPUT.has(name)) {
        const error = await rig
          .predict(embedding, { points: [fg(615, 570)], maskInput: new Float32Array(256 * 256) })
          .catch((e: unknown) => e)
        expect(isSegmentationError(error, 'unsupported_prompt')).toBe(true)
        return
      }
      const lowRes = previous.lowResLogits as Float32Array
      const { feeds } = await rig.run(embedding, { points: [fg(100, 100)], maskInput: lowRes })
      expect(Array.from(f32(feeds.has_mask_input))).toEqual([1])
      expect(sameFloats(f32(feeds.mask_input), lowRes)).toBe(true)
      const plain = await rig.run(embedding, { points: [fg(100, 100)] })
      expect(Array.from(f32(plain.feeds.has_mask_input))).toEqual([0])
      expect(f32(plain.feeds.mask_input).every((v) => v === 0)).toBe(true)
      // A click elsewhere, but the echo channel returns the previous mask: same low-res logits, same mask.
      const refined = await rig.predict(embedding, { points: [fg(100, 100)], maskInput: lowRes })
      for (const c of refined) {
        expect(sameFloats(c.lowResLogits as Float32Array, lowRes)).toBe(true)
        expect(Buffer.compare(Buffer.from(c.mask), Buffer.from(previous.mask))).toBe(0)
      }
    },
  )
})

describe.each(PROBE_NAMES.filter((name) => !name.startsWith('efficient-sam')))(
  '%s binarised route (answers encoded in the worker)',
  (name) => {
    it.each(SIZES)('upscales the low-res logits to the same masks and stability counts as the full route: $width×$height', async (size) => {
      const rig = await probeRig(name)
      const embedding = await embeddingFor(name, size)
      const arena = new MaskKernelArena()
      for (const click of clicksFor(size)) {
        const prompt = { points: [fg(click.x, click.y)] }
        const full = await rig.predict(embedding, prompt)
        const binarised = await rig.predictBinarised(embedding, prompt, arena, { stabilityOffset: 1 })
        expect(binarised.map((c) => c.token)).toEqual(full.map((c) => c.token))
        for (const [k, c] of binarised.entries()) {
          const want = full[k]!
          expect(c.predictedIou).toBe(want.predictedIou)
          const mask = decodeMask(encodeRowTransitions(c.firstRow, c.lastRow, c.height, c.width, c.rowTransitions, c.rowTransitions.length))
          // float32 rounding of the upscale may flip only logits within rounding of 0 (or of ±1 for the counts).
          let differing = 0
          let nearZero = 0
          let nearOne = 0
          for (let i = 0; i < mask.length; i++) {
            if (mask[i] !== want.mask[i]) differing++
            if (Math.abs(want.logits[i]!) < 1e-3) nearZero++
            if (Math.abs(Math.abs(want.logits[i]!) - 1) < 1e-3) nearOne++
          }
          expect(differing).toBeLessThanOrEqual(nearZero)
          const counts = stabilityCounts(want.logits, 1)
          expect(Math.abs(c.stabilityCounts.above - counts.above)).toBeLessThanOrEqual(nearOne)
          expect(Math.abs(c.stabilityCounts.aboveLow - counts.aboveLow)).toBeLessThanOrEqual(nearOne)
        }
      }
    })
  },
)

describe('adapter prompt rules', () => {
  it('the official adapter’s feeds equal buildDecoderFeeds (sam-official/decoder-feeds.ts)', async () => {
    const rig = await probeRig('sam-official')
    const embedding = await embeddingFor('sam-official', { width: 1500, height: 1000 })
    for (const prompt of [{ points: [fg(500, 375)] }, { points: [fg(10, 20), bg(1499, 999)], box: { x0: 1, y0: 2, x1: 1400, y1: 900 } }]) {
      const ours = rig.adapter.decoderFeeds(prompt, { embedding, frame: embedding.imageSize, multimask: true })
      const theirs = buildDecoderFeeds(prompt, embedding.imageSize, embedding.tensors[0]?.data as Float32Array)
      for (const key of ['point_coords', 'point_labels', 'orig_im_size', 'has_mask_input'] as const) {
        expect(f32(ours[key])).toEqual(theirs[key].data)
        expect(ours[key]?.dims).toEqual(theirs[key].dims)
      }
    }
  })

  it('SAM-HQ feeds interm_embeddings [4,1,64,64,C] with the embedding’s features in slot 0 and zeros after', async () => {
    const rig = await probeRig('sam-hq')
    const a = await embeddingFor('sam-hq', { width: 1500, height: 1000 })
    const b = await embeddingFor('sam-hq', { width: 1000, height: 1500 })
    const slot = 64 * 64 * 768
    for (const embedding of [a, b, a]) {
      const feeds = rig.adapter.decoderFeeds({ points: [fg(10, 10)] }, { embedding, frame: embedding.imageSize, multimask: true })
      const interm = feeds.interm_embeddings
      expect(interm?.dims).toEqual([4, 1, 64, 64, 768])
      const data = f32(interm)
      const own = embedding.tensors.find((t) => t.name === 'interm_embeddings')?.data as Float32Array
      expect(sameFloats(data.subarray(0, slot), own)).toBe(true)
      expect(data.subarray(slot).every((v) => v === 0)).toBe(true)
    }
  })

  it('SAM-HQ keeps slot 0 of a stacked [4,1,64,64,C] encoder output as its own copy', () => {
    const c = 8
    const adapter = createVariantAdapter({
      variant: 'sam-hq',
      description: 'test',
      decoder: { variant: 'sam-hq', intermChannels: c },
      encoder: {
        inputName: 'image',
        inputForm: 'sam-nchw-1024',
        embeddings: [
          { decoderInput: 'image_embeddings', encoderOutputs: ['image_embeddings'] },
          { decoderInput: 'interm_embeddings', encoderOutputs: ['interm'] },
        ],
      },
    })
    const stacked = new Float32Array(4 * 64 * 64 * c).map((_, i) => i)
    const embedding = adapter.toEmbedding(
      {
        image_embeddings: { type: 'float32', data: new Float32Array(256 * 64 * 64), dims: [1, 256, 64, 64] },
        interm: { type: 'float32', data: stacked, dims: [4, 1, 64, 64, c] },
      },
      { width: 10, height: 10 },
    )
    const interm = embedding.tensors[1]
    expect(interm?.dims).toEqual([1, 1, 64, 64, c])
    expect(interm?.data.buffer).not.toBe(stacked.buffer)
    expect(sameFloats(interm?.data as Float32Array, stacked.subarray(0, 64 * 64 * c))).toBe(true)
    expect(embedding.byteSize).toBe(4 * (256 * 64 * 64 + 64 * 64 * c))
  })

  it('EfficientSAM takes at most 6 rows (its graph would silently truncate)', async () => {
    const rig = await probeRig('efficient-sam')
    const embedding = await embeddingFor('efficient-sam', { width: 1500, height: 1000 })
    const six = Array.from({ length: 6 }, (_, i) => fg(100 + i * 50, 500))
    await expect(rig.predict(embedding, { points: six })).resolves.toHaveLength(3)
    const error = await rig.predict(embedding, { points: [...six, fg(900, 500)] }).catch((e: unknown) => e)
    expect(isSegmentationError(error, 'unsupported_prompt')).toBe(true)
  })

  it('rejects malformed prompts with invalid_prompt', async () => {
    const rig = await probeRig('sam2')
    const embedding = await embeddingFor('sam2', { width: 1500, height: 1000 })
    const request = { embedding, frame: embedding.imageSize, multimask: true }
    const code = (prompt: SegmentationPrompt): string | undefined => {
      try {
        rig.adapter.decoderFeeds(prompt, request)
      } catch (error) {
        return isSegmentationError(error) ? error.code : 'other'
      }
      return undefined
    }
    expect(code({ points: [] })).toBe('invalid_prompt')
    expect(code({ points: [fg(Number.NaN, 1)] })).toBe('invalid_prompt')
    expect(code({ points: [fg(1, 1)], maskInput: new Float32Array(10) })).toBe('invalid_prompt')
    expect(code({ points: [], box: { x0: 0, y0: 0, x1: Infinity, y1: 1 } })).toBe('invalid_prompt')
  })

  it('works in a frame other than the encoded size (same aspect ratio) and refuses another aspect ratio', async () => {
    for (const name of ['sam-official', 'edge-sam', 'sam2', 'efficient-sam'] as const) {
      const rig = await probeRig(name)
      const embedding = await embeddingFor(name, { width: 3000, height: 2000 })
      const frame = { width: 1500, height: 1000 }
      const candidates = await rig.predict(embedding, { points: [fg(615, 570)] }, { frame })
      const g = maskGeometry(byToken(candidates, 1))
      expect([candidates[0]?.width, candidates[0]?.height]).toEqual([1500, 1000])
      expect(Math.abs(g.cx - 615)).toBeLessThanOrEqual(1)
      expect(Math.abs(g.cy - 570)).toBeLessThanOrEqual(1)
      const error = await rig
        .predict(embedding, { points: [fg(10, 10)] }, { frame: { width: 1000, height: 1000 } })
        .catch((e: unknown) => e)
      expect(isSegmentationError(error, 'size_mismatch')).toBe(true)
    }
  })
})

describe('encoder preprocessing per variant (read back from the probe encoders’ echo channels)', () => {
  const colour = (width: number, height: number): RgbImage => {
    const data = new Uint8Array(width * height * 3)
    for (let i = 0; i < width * height; i++) data.set([10, 100, 250], i * 3)
    return { data, width, height }
  }
  const channel = (e: Embedding, c: number, y = 0, x = 0): number => e.tensors[0]?.data[c * 4096 + y * 64 + x] as number
  const size = { width: 1500, height: 1000 }

  it('SAM / EdgeSAM / SAM-HQ: RGB order, SAM mean/std, long side 1024, zero padding after normalising', async () => {
    for (const name of ['sam-official', 'edge-sam', 'sam-hq'] as const) {
      const e = await (await probeRig(name)).encode(colour(size.width, size.height))
      expect(channel(e, PROBE_ENCODER_CHANNEL.poolR)).toBeCloseTo((10 - 123.675) / 58.395, 5)
      expect(channel(e, PROBE_ENCODER_CHANNEL.poolG)).toBeCloseTo((100 - 116.28) / 57.12, 5)
      expect(channel(e, PROBE_ENCODER_CHANNEL.poolB)).toBeCloseTo((250 - 103.53) / 57.375, 5)
      // Resized to 1024×683: block row 42 is partly image, rows 43–63 are padding, which is 0 (the mean colour).
      expect(channel(e, PROBE_ENCODER_CHANNEL.poolR, 43, 10)).toBe(0)
      expect(channel(e, PROBE_ENCODER_CHANNEL.poolR, 42, 10)).toBeCloseTo(((10 - 123.675) / 58.395) * (11 / 16), 4)
      expect(channel(e, PROBE_ENCODER_CHANNEL.height)).toBe(1024)
      expect(channel(e, PROBE_ENCODER_CHANNEL.width)).toBe(1024)
    }
  })

  it('SAM-HQ keeps interm_embeddings slot 0 only ([1,1,64,64,C]) and decodes with it', async () => {
    const e = await (await probeRig('sam-hq')).encode(colour(size.width, size.height))
    const interm = e.tensors.find((t) => t.name === 'interm_embeddings')
    expect(interm?.dims).toEqual([1, 1, 64, 64, 768])
    expect(interm?.data[0]).toBeCloseTo((10 - 123.675) / 58.395, 5)
    expect(e.byteSize).toBe(4 * (256 * 64 * 64 + 64 * 64 * 768))
  })

  it('SAM with built-in preprocessing: the resized image in 0–255, [h,w,3]', async () => {
    const e = await (await probeRig('sam-official-hwc')).encode(colour(size.width, size.height))
    expect(channel(e, PROBE_ENCODER_CHANNEL.height)).toBe(683)
    expect(channel(e, PROBE_ENCODER_CHANNEL.width)).toBe(1024)
    expect(channel(e, PROBE_ENCODER_CHANNEL.max)).toBe(250)
    expect(channel(e, PROBE_ENCODER_CHANNEL.min)).toBe(10)
    // The graph normalises and pads: the same embedding as the NCHW form for this flat image.
    expect(channel(e, PROBE_ENCODER_CHANNEL.poolR)).toBeCloseTo((10 - 123.675) / 58.395, 4)
    expect(channel(e, PROBE_ENCODER_CHANNEL.poolR, 43, 10)).toBe(0)
  })

  it('EfficientSAM: the original size, RGB ÷ 255', async () => {
    const e = await (await probeRig('efficient-sam')).encode(colour(size.width, size.height))
    expect(channel(e, PROBE_ENCODER_CHANNEL.height)).toBe(1000)
    expect(channel(e, PROBE_ENCODER_CHANNEL.width)).toBe(1500)
    expect(channel(e, PROBE_ENCODER_CHANNEL.max)).toBeCloseTo(250 / 255, 6)
    expect(channel(e, PROBE_ENCODER_CHANNEL.poolR, 63, 63)).toBeCloseTo(10 / 255, 6)
  })

  it('SAM 2: stretched to 1024² (no padding), ÷ 255, ImageNet mean/std', async () => {
    const e = await (await probeRig('sam2')).encode(colour(size.width, size.height))
    const r = (10 / 255 - 0.485) / 0.229
    expect(channel(e, PROBE_ENCODER_CHANNEL.poolR)).toBeCloseTo(r, 5)
    expect(channel(e, PROBE_ENCODER_CHANNEL.poolR, 63, 63)).toBeCloseTo(r, 5)
    expect(channel(e, PROBE_ENCODER_CHANNEL.poolB, 63, 63)).toBeCloseTo((250 / 255 - 0.406) / 0.225, 5)
    expect(e.tensors.map((t) => [t.name, t.dims])).toEqual([
      ['image_embed', [1, 256, 64, 64]],
      ['high_res_feats_0', [1, 32, 256, 256]],
      ['high_res_feats_1', [1, 64, 128, 128]],
    ])
  })
})
