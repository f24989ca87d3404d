#!/usr/bin/env node
// `npm start` after the build: the Electron window where the Electron binary is installed; where it
// is not (and cannot be fetched), one line saying so and the same backend through the web shell,
// opened in a local Chromium app window if one is found. Arguments are passed on
// (e.g. `npm start -- --folder ~/photos`).
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from './electron-binary.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const args = process.argv.slice(2)

let binary = electronBinary()
if (!binary && process.env.TESSERA_WEB_SHELL !== '1' && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  // First run after `npm install` (which skips Electron's download script): try to fetch it once.
  try {
    const installer = join(dirname(require.resolve('electron/package.json')), 'install.js')
    spawnSync(process.execPath, [installer], { stdio: 'ignore', timeout: 120_000 })
    binary = electronBinary()
  } catch {
    binary = null
  }
}

const run = (command, commandArgs) => {
  const child = spawn(command, commandArgs, { stdio: 'inherit', cwd: root })
  child.on('exit', (code) => process.exit(code ?? 0))
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
}

if (binary && process.env.TESSERA_WEB_SHELL !== '1') {
  run(binary, [root, ...args])
} else {
  console.log('Electron binary not installed (its download is unavailable here): starting the Tessera web shell instead.')
  run(process.execPath, [join(root, 'out', 'main', 'web-shell.js'), ...args])
}
