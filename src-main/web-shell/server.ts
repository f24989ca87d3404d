/**
 * The web shell: the renderer and the same API over HTTP + WebSocket, bound to 127.0.0.1 only,
 * with a random per-launch token on every request. It exists so every user flow runs for real in
 * Chromium (tests, and machines where the Electron binary cannot run).
 *
 * Wire protocol on /ws (JSON text frames):
 *   renderer → server  { type: 'invoke', seq, channel, input }
 *   server → renderer  { type: 'result', seq, ok: true, value } | { type: 'result', seq, ok: false, error: { code, message } }
 *                      { type: 'event', name, payload }
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { MediaKind } from '../../src-preload/contract/transport'
import type { Backend } from '../core/app/backend'
import { toErrorPayload } from '../core/app/error-payload'
import { rendererCsp } from '../core/app/renderer-csp'
import { LOOPBACK_HOST, TOKEN_COOKIE, hostAllowed, newToken, originAllowed, requestToken, resolveInside, tokensEqual } from './security'

export interface WebShellOptions {
  backend: Backend
  /** The built renderer (electron-vite's out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  token?: string
}

export interface WebShell {
  url: string
  port: number
  token: string
  server: Server
  close(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
}

/** Largest WebSocket message accepted from the renderer, in bytes (prompts and edits are small). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024

export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const { backend, rendererDir } = options
  const token = options.token ?? newToken()
  let port = 0

  const securityHeaders = (response: ServerResponse) => {
    response.setHeader('X-Content-Type-Options', 'nosniff')
    response.setHeader('Referrer-Policy', 'no-referrer')
    response.setHeader('X-Frame-Options', 'DENY')
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  }
  const fail = (response: ServerResponse, status: number, message: string) => {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    response.end(message)
  }
  const sendFile = async (response: ServerResponse, file: string, headers: Record<string, string>) => {
    try {
      const info = await stat(file)
      if (!info.isFile()) return fail(response, 404, 'Not found')
      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(info.size),
        ...headers,
      })
      createReadStream(file)
        .on('error', () => response.destroy()) // e.g. deleted between stat and read
        .pipe(response)
    } catch {
      fail(response, 404, 'Not found')
    }
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    securityHeaders(response)
    if (!hostAllowed(request, port)) return fail(response, 421, 'Misdirected request')
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(response, 405, 'Method not allowed')
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${port}`)
    if (!tokensEqual(token, requestToken(request, url))) {
      return fail(response, 401, 'This Tessera web shell needs the token printed when it started (open the full URL it printed).')
    }
    let path: string
    try {
      path = decodeURIComponent(url.pathname)
    } catch {
      return fail(response, 400, 'Bad path') // malformed percent-encoding
    }
    if (path === '/' || path === '/index.html') {
      const file = resolveInside(rendererDir, 'index.html') as string
      return sendFile(response, file, {
        'Content-Security-Policy': rendererCsp([`ws://${LOOPBACK_HOST}:${port}`, `ws://localhost:${port}`]),
        'Cache-Control': 'no-store',
        // HttpOnly + SameSite=Strict: assets load with it; other sites' pages cannot send it.
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
      })
    }
    const media = /^\/media\/(\d+)\/(thumb|annotation)$/.exec(path)
    if (media) {
      const file = backend.mediaFile(Number(media[1]), media[2] as MediaKind)
      if (!file) return fail(response, 404, 'No such image in the open project')
      // The URL carries the content hash (?v=), so a cached picture is never stale.
      return sendFile(response, file, { 'Cache-Control': 'private, max-age=31536000, immutable' })
    }
    const asset = resolveInside(rendererDir, path.slice(1))
    if (!asset) return fail(response, 400, 'Bad path')
    return sendFile(response, asset, { 'Cache-Control': 'no-cache' })
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => fail(response, 500, String(error)))
  })
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${port}`)
    const allowed =
      url.pathname === '/ws' &&
      hostAllowed(request, port) &&
      originAllowed(request.headers.origin, port) &&
      tokensEqual(token, requestToken(request, url))
    if (!allowed) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, backend))
  })

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, LOOPBACK_HOST, () => resolvePromise())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://${LOOPBACK_HOST}:${port}/?token=${token}`,
    port,
    token,
    server,
    close: async () => {
      for (const client of sockets.clients) client.terminate()
      sockets.close()
      server.closeAllConnections()
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()))
    },
  }
}

function serveSocket(ws: WebSocket, backend: Backend): void {
  const unsubscribe = backend.subscribe((event) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'event', name: event.name, payload: event.payload }))
  })
  ws.on('close', unsubscribe)
  ws.on('message', (data, isBinary) => {
    let message: { type?: unknown; seq?: unknown; channel?: unknown; input?: unknown }
    try {
      if (isBinary) throw new Error('binary frames are not part of the protocol')
      const parsed: unknown = JSON.parse(String(data))
      // `null` or an array is valid JSON but no message; reading fields off null would throw here
      // and take the whole server down.
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object')
      message = parsed as typeof message
    } catch (error) {
      ws.send(
        JSON.stringify({
          type: 'result',
          seq: null,
          ok: false,
          error: { code: 'invalid_request', message: `Malformed message: ${(error as Error).message}` },
        }),
      )
      return
    }
    const seq = message.seq
    if (message.type !== 'invoke' || typeof seq !== 'number' || typeof message.channel !== 'string') {
      ws.send(
        JSON.stringify({
          type: 'result',
          seq: typeof seq === 'number' ? seq : null,
          ok: false,
          error: { code: 'invalid_request', message: 'Expected { type: "invoke", seq, channel, input }.' },
        }),
      )
      return
    }
    backend.invoke(message.channel, message.input).then(
      (value) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'result', seq, ok: true, value })),
      (error: unknown) =>
        ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'result', seq, ok: false, error: toErrorPayload(error) })),
    )
  })
}
