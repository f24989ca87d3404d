/**
 * The one client the renderer uses, over whichever transport it has: the Electron preload
 * (`window.tessera`) or the web shell (token from the page URL).
 */
import type { RequestChannel, RequestInput, RequestOutput } from '../../src-preload/contract/requests'
import type { TesseraTransport } from '../../src-preload/contract/transport'
import { ApiError } from './api-error'
import { WebShellTransport } from './web-shell-transport'

declare global {
  interface Window {
    tessera?: TesseraTransport
  }
}

const TOKEN_KEY = 'tessera.webShellToken'

function createTransport(): TesseraTransport {
  if (window.tessera) return window.tessera
  // The token arrives once in the URL; keep it for reloads of this tab and take it out of the address bar.
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl)
    url.searchParams.delete('token')
    history.replaceState(null, '', url.toString())
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? ''
  return new WebShellTransport(window.location.origin, token)
}

export const transport: TesseraTransport = createTransport()

export function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  return transport.invoke(channel, input).catch((error: unknown) => {
    if (error instanceof ApiError) throw error
    const message = error instanceof Error ? error.message : String(error)
    const coded = /^(?:Error invoking remote method[^:]*: )?(?:Error: )?\[(\w+)\] ([\s\S]*)$/.exec(message)
    throw coded ? new ApiError(coded[1] as string, coded[2] as string) : new ApiError('internal', message)
  })
}

export { ApiError }
