/**
 * What is ours in a predict, per variant, at 1500×1000: building the decoder feeds, and turning the decoder's
 * outputs into 3 candidates (slicing, upscaling for low-res-only decoders, thresholding, allocation).
 * The decoder outputs come from the probe models once; only our code is timed.
 *
 *   npx vitest bench -c vitest.config.ts test/unit/segmentation/predict-postprocess.bench.ts --run
 */
import { bench, describe } from 'vitest'
import { PROBE_NAMES } from '../../../src-main/core/segmentation/probe-models/build-probe-models'
import { fromOrtOutputs, toOrtFeeds } from '../../../src-main/core/segmentation/worker/ort-tensors'
import { greyImage, probeRig } from './probe-harness'

const prompt = { points: [{ x: 615, y: 570, label: 'foreground' as const }] }

for (const name of PROBE_NAMES) {
  describe(name, async () => {
    const rig = await probeRig(name)
    const embedding = await rig.encode(greyImage(1500, 1000))
    const request = { embedding, frame: embedding.imageSize, multimask: true }
    const outputs = fromOrtOutputs(await rig.decoder.run(toOrtFeeds(rig.adapter.decoderFeeds(prompt, request))))
    bench('decoder feeds', () => {
      rig.adapter.decoderFeeds(prompt, request)
    })
    bench('outputs → candidates', () => {
      rig.adapter.decodeOutputs(outputs, request)
    })
  })
}
