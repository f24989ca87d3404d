/**
 * The automatic mask generator with the demo segmenter on a 1500×1000 synthetic scene (32×32 points,
 * without crops and with one crop layer): decoder calls, time in onnxruntime, time in our
 * post-processing, proposals kept, peak memory; then proposal quality per triage preset on seeded
 * synthetic scenes with known true masks (recall of true objects at IoU ≥ 0.9 by auto-accepted or
 * needs-review proposals, overall and per kind — distinct, nested, touching, small —, precision of
 * auto-accepted proposals, masks per image), measured by core/proposals/quality.
 */
import { OBJECT_ROLES, generateQualityScene, generateScene, type SyntheticScene } from '../../src-main/core/demo/synthetic-scene'
import { decodeMask, decompressRle } from '../../src-main/core/masks'
import { MATCH_IOU, evaluateQuality, matchScene, type SceneMatches } from '../../src-main/core/proposals/quality'
import { TRIAGE_PRESETS, presetSettings } from '../../src-main/core/proposals/triage'
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

/** Matches one quality scene's proposals to its true masks (decoded one scene at a time, then dropped). */
function matchRecords(scene: SyntheticScene, records: readonly AmgMaskRecord[]): SceneMatches {
  return matchScene(
    scene.width,
    scene.height,
    scene.objects.map((object) => ({ role: object.role, mask: object.mask })),
    records.map((record) => ({
      mask: decodeMask(decompressRle(record.segmentation)),
      predictedIou: record.predicted_iou,
      stability: record.stability_score,
    })),
    MATCH_IOU,
  )
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
        {
          metric: `[${label}] of which in the worker, per point`,
          value: round(timing.workerPostMs / result.stats.points, 3),
          unit: 'ms',
          note: 'feeds, upscale, threshold, stability, RLE; the rest is the generator on the main thread',
        },
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
    // Seeded scenes laid out with 3 distinct objects, 3 with a nested part, 3 touching pairs, 3 small objects each.
    const matches: SceneMatches[] = []
    let truths = 0
    for (let index = 0; index < QUALITY_SCENES; index++) {
      const qualityScene = generateQualityScene(7000 + index, QUALITY_SIZE.width, QUALITY_SIZE.height)
      const floor = TRIAGE_PRESETS['maximum-coverage']
      const { result } = await run(service, qualityScene, `quality${index}`.padEnd(16, '0'), {
        pointsPerSide: 32,
        predIouThresh: floor.predictedIou,
        stabilityScoreThresh: floor.stability,
      })
      matches.push(matchRecords(qualityScene, result.records))
      truths += qualityScene.objects.length
    }
    const perKind = OBJECT_ROLES.map((role) => `${role} ${matches.reduce((n, m) => n + m.truthRoles.filter((r) => r === role).length, 0)}`)
    rows.push({
      metric: 'quality scenes',
      value: matches.length,
      unit: 'images',
      note: `${QUALITY_SIZE.width}×${QUALITY_SIZE.height}, ${truths} true objects: ${perKind.join(', ')}`,
    })
    const fraction = (value: number) => (Number.isNaN(value) ? -1 : round(value, 3))
    for (const preset of Object.keys(TRIAGE_PRESETS) as (keyof typeof TRIAGE_PRESETS)[]) {
      const report = evaluateQuality(matches, presetSettings(preset), OBJECT_ROLES)
      const key = preset.replace(/-/g, '_')
      rows.push(
        {
          metric: `[${preset}] recall (IoU ≥ ${MATCH_IOU})`,
          value: fraction(report.recall),
          unit: 'fraction',
          note: 'true objects matched by auto or review (one review floor for all presets)',
        },
        ...OBJECT_ROLES.map((role) => {
          const entry = report.byRole[role]!
          return {
            metric: `[${preset}] recall, ${role}`,
            value: fraction(entry.recall),
            unit: 'fraction',
            note: `${entry.matched} of ${entry.total}`,
          }
        }),
        {
          metric: `[${preset}] recall by auto-accepted alone`,
          value: fraction(report.autoRecall),
          unit: 'fraction',
          note: 'what the preset finds with no one reviewing',
        },
        {
          metric: `[${preset}] precision of auto-accepted`,
          value: fraction(report.precision),
          unit: 'fraction',
          note: `${report.autoCorrect} of ${report.autoAccepted} match a true object one-to-one (-1: none auto-accepted)`,
        },
        {
          metric: `[${preset}] masks per image`,
          value: round(report.masksPerImage, 1),
          unit: 'masks',
          note: `${round(report.autoPerImage, 1)} auto + ${round(report.reviewPerImage, 1)} review`,
        },
      )
      json[`synthetic_recall_${key}`] = fraction(report.recall)
      for (const role of OBJECT_ROLES) json[`synthetic_recall_${role}_${key}`] = fraction(report.byRole[role]!.recall)
      json[`synthetic_recall_auto_${key}`] = fraction(report.autoRecall)
      json[`synthetic_precision_${key}`] = fraction(report.precision)
      json[`masks_per_image_${key}`] = round(report.masksPerImage, 1)
    }
    rows.push({ metric: 'peak RSS', value: round(peakRssMb(), 1), unit: 'MiB' })
    json.peak_rss_mb = round(peakRssMb(), 1)
    return { rows, json }
  } finally {
    await service.dispose()
  }
}
