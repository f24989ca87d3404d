/**
 * The preload: exposes one object implementing the contract's transport interface as
 * `window.tessera`. Nothing else crosses into the renderer.
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { AnyTesseraEvent } from './contract/events'
import { IPC_EVENT, IPC_INVOKE, MEDIA_SCHEME, type InvokeResult, type TesseraTransport } from './contract/transport'

const transport: TesseraTransport = {
  kind: 'electron',
  async invoke(channel, input) {
    const result = (await ipcRenderer.invoke(IPC_INVOKE, channel, input)) as InvokeResult
    // contextBridge keeps only an Error's message, so the code travels inside it: "[code] message".
    if (!result.ok) throw new Error(`[${result.error.code}] ${result.error.message}`)
    return result.value as never
  },
  subscribe(listener) {
    const handler = (_event: Electron.IpcRendererEvent, payload: AnyTesseraEvent) => listener(payload)
    ipcRenderer.on(IPC_EVENT, handler)
    return () => ipcRenderer.off(IPC_EVENT, handler)
  },
  mediaUrl(imageId, kind, cacheKey) {
    return `${MEDIA_SCHEME}://image/${imageId}/${kind}?v=${encodeURIComponent(cacheKey)}`
  },
}

contextBridge.exposeInMainWorld('tessera', transport)
