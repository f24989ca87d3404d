/**
 * Runs probe models through the real onnxruntime-node path with the variant adapters, in-process
 * (the worker runs the same calls; see worker tests for the thread boundary).
 */
import * as ort from 'onnxruntime-node'
import { buildProbeModel } from '../../../src-main/core/segmentation/probe-models/build-probe-models'
import type { ProbeName } from '../../../src-main/core/segmentation/probe-models/build-probe-models'
import { createVariantAdapter, detectVariant } from '../../../src-main/core/segmentation/variants'
import type { MaskKernelArena } from '../../../src-main/core/masks/kernels/mask-kernels'
import type {
  BinarisedCandidate,
  DetectedModel,
  Embedding,
  ImageSize,
  RgbImage,
  SegmentationCandidate,
  SegmentationPrompt,
  TensorMap,
  VariantAdapter,
} from '../../../src-main/core/segmentation/variants'
import { fromOrtOutputs, sessionSignature, toOrtFeeds } from '../../../src-main/core/segmentation/worker/ort-tensors'

export interface ProbeRig {
  readonly name: ProbeName
  readonly detected: DetectedModel
  readonly adapter: VariantAdapter
  readonly encoder: ort.InferenceSession
  readonly decoder: ort.InferenceSession
  encode(image: RgbImage): Promise<Embedding>
  /** Raw decoder outputs for the adapter's feeds. */
  run(embedding: Embedding, prompt: SegmentationPrompt, frame?: ImageSize): Promise<{ feeds: TensorMap; outputs: TensorMap }>
  predict(
    embedding: Embedding,
    prompt: SegmentationPrompt,
    options?: { frame?: ImageSize; multimask?: boolean },
  ): Promise<SegmentationCandidate[]>
  /** The worker's route for encoded answers: only the adapter's binarised fetches, upscaled in `arena`. */
  predictBinarised(
    embedding: Embedding,
    prompt: SegmentationPrompt,
    arena: MaskKernelArena,
    options?: { frame?: ImageSize; multimask?: boolean; stabilityOffset?: number },
  ): Promise<BinarisedCandidate[]>
}

const OPTIONS: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 1 }
const rigs = new Map<ProbeName, Promise<ProbeRig>>()

export function probeRig(name: ProbeName): Promise<ProbeRig> {
  let rig = rigs.get(name)
  if (!rig) {
    rig = makeRig(name)
    rigs.set(name, rig)
  }
  return rig
}

async function makeRig(name: ProbeName): Promise<ProbeRig> {
  const model = buildProbeModel(name)
  const encoder = await ort.InferenceSession.create(model.encoder, OPTIONS)
  const decoder = await ort.InferenceSession.create(model.decoder, OPTIONS)
  const detected = detectVariant(sessionSignature(encoder), sessionSignature(decoder))
  const adapter = createVariantAdapter(detected)
  const rig: ProbeRig = {
    name,
    detected,
    adapter,
    encoder,
    decoder,
    async encode(image) {
      const outputs = fromOrtOutputs(await encoder.run(toOrtFeeds(adapter.encoderFeeds(image))))
      return adapter.toEmbedding(outputs, image)
    },
    async run(embedding, prompt, frame = embedding.imageSize) {
      const feeds = adapter.decoderFeeds(prompt, { embedding, frame, multimask: true })
      const outputs = fromOrtOutputs(await decoder.run(toOrtFeeds(feeds)))
      return { feeds, outputs }
    },
    async predict(embedding, prompt, options = {}) {
      const request = { embedding, frame: options.frame ?? embedding.imageSize, multimask: options.multimask ?? true }
      const outputs = fromOrtOutputs(await decoder.run(toOrtFeeds(adapter.decoderFeeds(prompt, request))))
      return adapter.decodeOutputs(outputs, request)
    },
    async predictBinarised(embedding, prompt, arena, options = {}) {
      if (!adapter.decodeBinarised) throw new Error(`${name} has no binarised route`)
      const request = {
        embedding,
        frame: options.frame ?? embedding.imageSize,
        multimask: options.multimask ?? true,
        masksUnused: true,
        ...(options.stabilityOffset !== undefined ? { stabilityOffset: options.stabilityOffset } : {}),
      }
      const feeds = toOrtFeeds(adapter.decoderFeeds(prompt, request))
      const fetches = adapter.binarisedFetches
      const outputs = fromOrtOutputs(await (fetches ? decoder.run(feeds, [...fetches]) : decoder.run(feeds)))
      return adapter.decodeBinarised(outputs, request, arena)
    },
  }
  return rig
}

/** A flat grey RGB image (probe encoders ignore content apart from the echo channels). */
export function greyImage(width: number, height: number, value = 128): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(value), width, height }
}
