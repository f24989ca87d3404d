/**
 * Electron lifecycle and window: wiring only. The work happens in the backend core.
 * Hardening: context isolation, sandboxed renderer without Node, strict CSP, no navigation,
 * no new windows, no permissions, IPC only from our own window.
 */
import { app, BrowserWindow, dialog, session, shell } from 'electron'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Backend } from './core/app/backend'
import { defaultDataDir } from './core/app/app-paths'
import { rendererCsp } from './core/app/renderer-csp'
import { registerIpc, registerMediaScheme } from './ipc/register-ipc'
import { productionWorkerFactory } from './core/segmentation/worker/worker-entry'

const here = dirname(fileURLToPath(import.meta.url))
let mainWindow: BrowserWindow | null = null

registerMediaScheme()

async function createWindow(backend: Backend): Promise<void> {
  mainWindow = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#15171c',
    title: 'Tessera',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  const contents = mainWindow.webContents
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  mainWindow.once('ready-to-show', () => mainWindow?.show())
  mainWindow.on('closed', () => (mainWindow = null))
  if (process.env.ELECTRON_RENDERER_URL) await mainWindow.loadURL(process.env.ELECTRON_RENDERER_URL)
  else await mainWindow.loadFile(join(here, '../renderer/index.html'))
  void backend
}

async function main(): Promise<void> {
  await app.whenReady()
  const dataDir = process.env.TESSERA_HOME ?? defaultDataDir()
  await mkdir(dataDir, { recursive: true })
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [rendererCsp([])] } })
  })
  const backend = new Backend({
    dataDir,
    transport: 'electron',
    version: app.getVersion(),
    createSegmentationWorker: productionWorkerFactory,
    // Packaged: resources sit beside the app archive; from a checkout: the repository's resources/.
    resourcesDir: app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources'),
    pickFolder: async () => {
      const result = await dialog.showOpenDialog({ properties: ['openDirectory'] })
      return result.canceled ? null : (result.filePaths[0] ?? null)
    },
    pickFile: async (title, extensions) => {
      const result = await dialog.showOpenDialog({
        title,
        properties: ['openFile'],
        filters: [{ name: extensions.join(', '), extensions }],
      })
      return result.canceled ? null : (result.filePaths[0] ?? null)
    },
  })
  registerIpc(backend, () => mainWindow?.webContents ?? null)
  if ((await backend.call('projects:listRecent', {})).length === 0) await backend.call('projects:openDemo', {})
  await createWindow(backend)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow(backend)
  })
  app.on('window-all-closed', () => {
    void backend.close().then(() => app.quit())
  })
}

void main()
