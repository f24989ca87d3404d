/**
 * Regenerates the bundled demo model in resources/models/demo-segmenter:
 * encoder.onnx, decoder.onnx and model.json (name, variant, sha256 of each file).
 *
 *   npx tsx scripts/build-demo-model.ts
 *
 * The output is deterministic; a unit test checks that the committed files equal a fresh generation.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildDemoModel, demoModelManifest } from '../src-main/core/segmentation/demo-model/build-demo-model'

const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'models', 'demo-segmenter')
mkdirSync(outDir, { recursive: true })
const files = buildDemoModel()
writeFileSync(join(outDir, 'encoder.onnx'), files.encoder)
writeFileSync(join(outDir, 'decoder.onnx'), files.decoder)
writeFileSync(join(outDir, 'model.json'), `${JSON.stringify(demoModelManifest(files), null, 2)}\n`)
console.log(`wrote ${outDir}: encoder ${files.encoder.length} B, decoder ${files.decoder.length} B`)
