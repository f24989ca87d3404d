/**
 * Compiles src-main/core/masks/kernels/mask-kernels.wat (WebAssembly text with SIMD) into
 * mask-kernels.wasm.ts, the module's bytes as base64, which the app loads without touching the disk.
 *
 *   npx tsx scripts/build-mask-kernels.ts
 *
 * wabt is a development dependency only; a unit test checks that the committed bytes equal a fresh compile.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileWat, wasmModuleSource } from './compile-wat'

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src-main', 'core', 'masks', 'kernels')
const bytes = await compileWat(readFileSync(join(dir, 'mask-kernels.wat'), 'utf8'), 'mask-kernels.wat')
writeFileSync(join(dir, 'mask-kernels.wasm.ts'), wasmModuleSource(bytes))
console.log(`wrote ${join(dir, 'mask-kernels.wasm.ts')}: ${bytes.length} B of WebAssembly`)
