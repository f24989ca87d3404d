/**
 * What a transport gives the renderer. The preload exposes one of these as `window.tessera`
 * (Electron IPC); the web shell client implements the same interface over a WebSocket.
 */
import type { AnyTesseraEvent } from './events'
import type { RequestChannel, RequestInput, RequestOutput } from './requests'

/** Which picture of an image: the small grid thumbnail or the annotation-size copy. */
export type MediaKind = 'thumb' | 'annotation'

export interface TesseraTransport {
  readonly kind: 'electron' | 'web-shell'
  invoke<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>>
  /** Subscribes to every backend event; returns the unsubscribe function. */
  subscribe(listener: (event: AnyTesseraEvent) => void): () => void
  /** URL the renderer can put in an <img> or texture loader for one image's picture. */
  mediaUrl(imageId: number, kind: MediaKind, cacheKey: string): string
}

/** Envelope of an invoke result on the wire (IPC and WebSocket alike). */
export type InvokeResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }

/** IPC channel names used by the Electron preload. */
export const IPC_INVOKE = 'tessera:invoke'
export const IPC_EVENT = 'tessera:event'
/** Custom protocol serving images to the Electron renderer (never file://). */
export const MEDIA_SCHEME = 'tessera-media'
