import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'electron-vite'
import { resolve } from 'node:path'

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          // Electron entry, and the same backend as a plain-Node program (web shell).
          index: resolve('src-main/index.ts'),
          'web-shell': resolve('src-main/web-shell/launch.ts'),
          cli: resolve('src-main/cli/tessera.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve('src-preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    build: { rolldownOptions: { input: resolve('src-renderer/index.html') } },
    plugins: [svelte({ configFile: resolve('svelte.config.js') })],
  },
})
