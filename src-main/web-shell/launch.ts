/**
 * Entry of the web shell as a program (`node out/main/web-shell.js`): the backend core and the
 * loopback server, then a Chromium app window if one is found, else the URL on stdout.
 *
 *   --project <dir>   open this project     --folder <dir>  create a project from this folder
 *   --port <n>        fixed port (default: a free one)       --no-browser  only print the URL
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Backend } from '../core/app/backend'
import { defaultDataDir } from '../core/app/app-paths'
import { productionWorkerFactory } from '../core/segmentation/worker/worker-entry'
import { startWebShell } from './server'

const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
]

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.TESSERA_CHROMIUM ?? env.CHROME_PATH
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  return CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate)) ?? null
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      folder: { type: 'string' },
      port: { type: 'string' },
      'no-browser': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    console.log(
      'Usage: npm start -- [--project <dir> | --folder <dir>] [--port <n>] [--no-browser]\n' +
        '  --project <dir>  open a Tessera project folder\n  --folder <dir>   create a project from a folder of images\n' +
        '  --port <n>       serve the web shell on this loopback port\n  --no-browser     print the URL instead of opening Chromium',
    )
    return
  }
  const here = dirname(fileURLToPath(import.meta.url))
  const rendererDir = resolve(here, '..', 'renderer')
  const dataDir = defaultDataDir()
  await mkdir(dataDir, { recursive: true })
  const backend = new Backend({
    dataDir,
    transport: 'web-shell',
    version: process.env.npm_package_version ?? '0.1.0',
    createSegmentationWorker: productionWorkerFactory,
    resourcesDir: resolve(here, '..', '..', 'resources'),
  })

  if (values.project) await backend.call('projects:open', { projectDir: values.project })
  else if (values.folder) await backend.call('projects:create', { name: basename(resolve(values.folder)), imageRoot: values.folder })
  else if ((await backend.call('projects:listRecent', {})).length === 0) await backend.call('projects:openDemo', {})

  const shell = await startWebShell({ backend, rendererDir, port: values.port ? Number(values.port) : 0 })
  console.log(`Tessera web shell: ${shell.url}`)
  console.log(`Data folder: ${dataDir}`)

  const chromium = findChromium()
  const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
  if (!values['no-browser'] && chromium && hasDisplay) {
    const profile = join(dataDir, 'browser-profile')
    const child = spawn(
      chromium,
      [
        `--app=${shell.url}`,
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--window-size=1440,900',
      ],
      { stdio: 'ignore' },
    )
    child.on('exit', () => void shutdown())
    console.log(`Opened in ${chromium} (app window). Close the window or press Ctrl+C to quit.`)
  } else {
    console.log(
      chromium
        ? 'No display found: open the URL above in a browser. Ctrl+C quits.'
        : 'No Chromium found: open the URL above in a browser. Ctrl+C quits.',
    )
  }

  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    await shell.close()
    await backend.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown())
  process.on('SIGTERM', () => void shutdown())
}

main().catch((error: unknown) => {
  console.error(`Tessera could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
