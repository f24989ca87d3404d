/**
 * The renderer's transport when it runs in a browser against the web shell: requests and events
 * over one WebSocket (sequence-numbered), pictures over token-authenticated HTTP.
 */
import type { AnyTesseraEvent } from '../../src-preload/contract/events'
import type { RequestChannel, RequestInput, RequestOutput } from '../../src-preload/contract/requests'
import type { MediaKind, TesseraTransport } from '../../src-preload/contract/transport'
import { ApiError } from './api-error'

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void }

/** Delay before reconnecting a dropped socket, in ms (doubles up to the maximum). */
const RECONNECT_MIN_MS = 250
const RECONNECT_MAX_MS = 4000

export class WebShellTransport implements TesseraTransport {
  readonly kind = 'web-shell' as const
  private socket: WebSocket | null = null
  private opening: Promise<WebSocket> | null = null
  private seq = 0
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Set<(event: AnyTesseraEvent) => void>()
  private reconnectDelay = RECONNECT_MIN_MS

  constructor(
    private readonly origin: string,
    private readonly token: string,
  ) {}

  invoke<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
    return this.connect().then(
      (socket) =>
        new Promise<RequestOutput<C>>((resolve, reject) => {
          const seq = ++this.seq
          this.pending.set(seq, { resolve: resolve as (value: unknown) => void, reject })
          socket.send(JSON.stringify({ type: 'invoke', seq, channel, input }))
        }),
    )
  }

  subscribe(listener: (event: AnyTesseraEvent) => void): () => void {
    this.listeners.add(listener)
    void this.connect()
    return () => this.listeners.delete(listener)
  }

  mediaUrl(imageId: number, kind: MediaKind, cacheKey: string): string {
    return `${this.origin}/media/${imageId}/${kind}?v=${encodeURIComponent(cacheKey)}&token=${encodeURIComponent(this.token)}`
  }

  private connect(): Promise<WebSocket> {
    if (this.socket?.readyState === WebSocket.OPEN) return Promise.resolve(this.socket)
    if (this.opening) return this.opening
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${this.origin.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.token)}`)
      socket.onopen = () => {
        this.socket = socket
        this.opening = null
        this.reconnectDelay = RECONNECT_MIN_MS
        resolve(socket)
      }
      socket.onerror = () => {
        if (this.opening) {
          this.opening = null
          reject(new ApiError('unreachable', 'Cannot reach the Tessera backend. Is the web shell still running?'))
        }
      }
      socket.onclose = () => {
        this.socket = null
        for (const [, pending] of this.pending)
          pending.reject(new ApiError('unreachable', 'The connection to the Tessera backend was lost.'))
        this.pending.clear()
        if (this.listeners.size > 0) {
          setTimeout(() => void this.connect().catch(() => undefined), this.reconnectDelay)
          this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2)
        }
      }
      socket.onmessage = (message) => this.receive(String(message.data))
    })
    return this.opening
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as
      | { type: 'result'; seq: number; ok: true; value: unknown }
      | { type: 'result'; seq: number; ok: false; error: { code: string; message: string } }
      | { type: 'event'; name: string; payload: unknown }
    if (message.type === 'event') {
      for (const listener of this.listeners) listener(message as unknown as AnyTesseraEvent)
      return
    }
    const pending = this.pending.get(message.seq)
    if (!pending) return
    this.pending.delete(message.seq)
    if (message.ok) pending.resolve(message.value)
    else pending.reject(new ApiError(message.error.code, message.error.message))
  }
}
