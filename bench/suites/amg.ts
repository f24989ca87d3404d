/**
 * The automatic mask generator with the demo segmenter on a 1500×1000 synthetic scene (32×32 points,
 * without crops and with one crop layer): decoder calls, time in onnxruntime, time in our
 * post-processing, proposals kept, peak memory; then proposal quality per triage preset on synthetic
 * scenes with known true masks (recall of true objects at IoU ≥ 0.9 by auto-accepted or needs-review
 * proposals, precision of auto-accepted proposals, masks per image).
 */
import { generateScene, type SyntheticScene } from '../../src-main/core/demo/synthetic-scene'
import { decodeMask, decompressRle } from '../../src-main/core/masks'
import { TRIAGE_PRESETS, classify, presetSettings } from '../../src-main/core/proposals/triage'
import { generateMasks, type AmgMaskRecord } from '../../src-main/core/segmentation/amg/generate'
import { serviceMaskSource, type AmgSegmentationService } from '../../src-main/core/segmentation/amg/service-source'
import { tsxWorkerFactory } from '../../src-main/core/segmentation/worker/dev-worker'
import { SegmentationService } from '../../src-main/core/segmentation/worker/segmentation-service'
import { peakRssMb, round, type BenchRow, type BenchSuite } from '../report'

const WIDTH = 1500
const HEIGHT = 1000
/** Quality scenes: smaller, so several fit in a bench run; the grid is the SAM default. */
const QUALITY_SCENES = Number(process.env.BENCH_AMG_SCENES ?? 6)
const QUALITY_SIZE = { width: 600, height: 400 }
const MATCH_IOU = 0.9

interface Timing {
  decoderMs: number
  workerPostMs: number
  insideMs: number
  predictCalls: number
}

function timedService(service: SegmentationService, timing: Timing): AmgSegmentationService {
  return {
    encode: async (image, options) => {
      const started = performance.now()
      try {
        return await service.encode(image, options)
      } finally {
        timing.insideMs += performance.now() - started
      }
    },
    predict: async (handle, prompt, options) => {
      const started = performance.now()
      const result = await service.predict(handle, prompt, options)
      timing.insideMs += performance.now() - started
      timing.decoderMs += result.timings.decoderMs
      timing.workerPostMs += result.timings.feedsMs + result.timings.postprocessMs
      timing.predictCalls++
      return result
    },
  }
}

async function run(service: SegmentationService, scene: SyntheticScene, hash: string, params: Record<string, number>) {
  const timing: Timing = { decoderMs: 0, workerPostMs: 0, insideMs: 0, predictCalls: 0 }
  const source = serviceMaskSource(timedService(service, timing), { data: scene.rgb, width: scene.width, height: scene.height }, hash)
  const started = performance.now()
  const result = await generateMasks(source, { width: scene.width, height: scene.height }, params)
  const wallMs = performance.now() - started
  // Ours: the generator's own work on the main thread plus the worker's feeds and post-processing.
  const oursMs = wallMs - timing.insideMs + timing.workerPostMs
  return { result, timing, wallMs, oursMs }
}

function quality(scenes: readonly SyntheticScene[], records: readonly AmgMaskRecord[][]) {
  const out: Record<string, { recall: number; precision: number; perImage: number }> = {}
  for (const preset of Object.keys(TRIAGE_PRESETS) as (keyof typeof TRIAGE_PRESETS)[]) {
    const settings = presetSettings(preset)
    let matchedTruth = 0
    let truthTotal = 0
    let autoTotal = 0
    let autoCorrect = 0
    let kept = 0
    scenes.forEach((scene, index) => {
      const imageArea = scene.width * scene.height
      const classified = records[index]!.map((record) => ({
        record,
        triage: classify({ predictedIou: record.predicted_iou, stability: record.stability_score, area: record.area }, imageArea, settings),
        pixels: decodeMask(decompressRle(record.segmentation)),
      }))
      const visible = classified.filter((item) => item.triage !== 'discard')
      kept += visible.length
      const iou = (a: Uint8Array, b: Uint8Array) => {
        let inter = 0
        let union = 0
        for (let i = 0; i < a.length; i++) {
          inter += a[i]! & b[i]!
          union += a[i]! | b[i]!
        }
        return union === 0 ? 0 : inter / union
      }
      for (const object of scene.objects) {
        truthTotal++
        if (visible.some((item) => iou(item.pixels, object.mask) >= MATCH_IOU)) matchedTruth++
      }
      for (const item of classified.filter((entry) => entry.triage === 'auto')) {
        autoTotal++
        if (scene.objects.some((object) => iou(item.pixels, object.mask) >= MATCH_IOU)) autoCorrect++
      }
    })
    out[preset] = {
      recall: matchedTruth / truthTotal,
      precision: autoTotal === 0 ? Number.NaN : autoCorrect / autoTotal,
      perImage: kept / scenes.length,
    }
  }
  return out
}

export const amgSuite: BenchSuite = async () => {
  const service = new SegmentationService({ createWorker: tsxWorkerFactory() })
  await service.loadModel('resources/models/demo-segmenter/encoder.onnx', 'resources/models/demo-segmenter/decoder.onnx', {})
  const rows: BenchRow[] = []
  const json: Record<string, number> = {}
  try {
    const scene = generateScene(2024, WIDTH, HEIGHT, 10)
    // The review floor of every preset (Maximum coverage) as the generator's filters; triage sorts after.
    const floor = TRIAGE_PRESETS['maximum-coverage']
    for (const [label, cropNLayers] of [
      ['no crops', 0],
      ['1 crop layer', 1],
    ] as const) {
      process.stderr.write(`AMG 32×32, ${label}…\n`)
      const { result, timing, wallMs, oursMs } = await run(service, scene, `benchamg${cropNLayers}`.padEnd(16, '0'), {
        pointsPerSide: 32,
        cropNLayers,
        predIouThresh: floor.predictedIou,
        stabilityScoreThresh: floor.stability,
      })
      const key = cropNLayers === 0 ? 'nocrop' : 'crop1'
      const perPoint = oursMs / result.stats.points
      const perThousand = (oursMs / Math.max(1, result.stats.candidates)) * 1000
      rows.push(
        {
          metric: `[${label}] decoder calls`,
          value: timing.predictCalls,
          unit: 'calls',
          note: `${result.stats.crops} crop(s), ${result.stats.points} points`,
        },
        { metric: `[${label}] onnxruntime decoder`, value: round(timing.decoderMs), unit: 'ms', note: 'sum over calls' },
        { metric: `[${label}] our post-processing`, value: round(oursMs), unit: 'ms', note: 'filters, RLE, NMS, worker feeds/threshold' },
        { metric: `[${label}] post-processing per point`, value: round(perPoint, 3), unit: 'ms', note: 'target < 3 ms' },
        { metric: `[${label}] post-processing per 1,000 candidates`, value: round(perThousand), unit: 'ms' },
        { metric: `[${label}] wall time`, value: round(wallMs), unit: 'ms' },
        { metric: `[${label}] proposals kept`, value: result.records.length, unit: 'masks', note: 'at the review floor, before triage' },
      )
      Object.assign(json, {
        [`decoder_calls_${key}`]: timing.predictCalls,
        [`decoder_ms_${key}`]: round(timing.decoderMs),
        [`postprocess_ms_${key}`]: round(oursMs),
        [`postprocess_ms_per_point_${key}`]: round(perPoint, 3),
        [`postprocess_ms_per_1000_candidates_${key}`]: round(perThousand),
        [`proposals_kept_${key}`]: result.records.length,
      })
      if (cropNLayers === 0) json.postprocess_ms_per_point = round(perPoint, 3)
    }

    process.stderr.write(`quality on ${QUALITY_SCENES} synthetic scenes…\n`)
    const scenes = Array.from({ length: QUALITY_SCENES }, (_, index) =>
      generateScene(7000 + index, QUALITY_SIZE.width, QUALITY_SIZE.height, 8),
    )
    const records: AmgMaskRecord[][] = []
    for (const [index, qualityScene] of scenes.entries()) {
      const floor = TRIAGE_PRESETS['maximum-coverage']
      const { result } = await run(service, qualityScene, `quality${index}`.padEnd(16, '0'), {
        pointsPerSide: 32,
        predIouThresh: floor.predictedIou,
        stabilityScoreThresh: floor.stability,
      })
      records.push([...result.records])
    }
    const byPreset = quality(scenes, records)
    for (const [preset, figures] of Object.entries(byPreset)) {
      const key = preset.replace(/-/g, '_')
      rows.push(
        {
          metric: `[${preset}] recall (IoU ≥ 0.9)`,
          value: round(figures.recall, 3),
          unit: 'fraction',
          note: 'true objects matched by auto or review',
        },
        { metric: `[${preset}] precision of auto-accepted`, value: round(figures.precision, 3), unit: 'fraction' },
        { metric: `[${preset}] masks per image`, value: round(figures.perImage, 1), unit: 'masks', note: 'auto + review' },
      )
      json[`synthetic_recall_${key}`] = round(figures.recall, 3)
      json[`synthetic_precision_${key}`] = Number.isNaN(figures.precision) ? -1 : round(figures.precision, 3)
      json[`masks_per_image_${key}`] = round(figures.perImage, 1)
    }
    rows.push({ metric: 'peak RSS', value: round(peakRssMb(), 1), unit: 'MiB' })
    json.peak_rss_mb = round(peakRssMb(), 1)
    return { rows, json }
  } finally {
    await service.dispose()
  }
}
