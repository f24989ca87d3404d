/**
 * The Electron transport: one invoke channel validated by the backend against the contract's
 * schemas, events pushed to the window, and images served through a custom protocol.
 */
import { ipcMain, net, protocol, type WebContents } from 'electron'
import { pathToFileURL } from 'node:url'
import { IPC_EVENT, IPC_INVOKE, MEDIA_SCHEME, type InvokeResult, type MediaKind } from '../../src-preload/contract/transport'
import type { Backend } from '../core/app/backend'
import { toErrorPayload } from '../core/app/error-payload'

/** Must run before the app is ready: the media scheme is standard and secure, never privileged beyond that. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }])
}

export function registerIpc(backend: Backend, target: () => WebContents | null): void {
  ipcMain.handle(IPC_INVOKE, async (event, channel: unknown, input: unknown): Promise<InvokeResult> => {
    // Only our own window may call the backend.
    if (event.sender !== target()) return { ok: false, error: { code: 'unauthorized', message: 'Unknown sender.' } }
    try {
      return { ok: true, value: await backend.invoke(String(channel), input) }
    } catch (error) {
      return { ok: false, error: toErrorPayload(error) }
    }
  })
  backend.subscribe((event) => target()?.send(IPC_EVENT, event))

  // tessera-media://image/<id>/<thumb|annotation>?v=<hash>
  protocol.handle(MEDIA_SCHEME, (request) => {
    const match = /^\/(\d+)\/(thumb|annotation)$/.exec(new URL(request.url).pathname)
    const file = match ? backend.mediaFile(Number(match[1]), match[2] as MediaKind) : null
    if (!file) return new Response('Not found', { status: 404 })
    return net.fetch(pathToFileURL(file).toString())
  })
}
