/**
 * The web shell's guards: a per-launch token on every request, loopback-only Host and Origin
 * headers (against DNS rebinding), and paths that cannot leave their root.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isAbsolute, relative, resolve, sep } from 'node:path'

export const TOKEN_COOKIE = 'tessera_token'
export const LOOPBACK_HOST = '127.0.0.1'

export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

export function tokensEqual(expected: string, given: string | null | undefined): boolean {
  if (!given) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return null
}

/** The token a request carries: `?token=`, `Authorization: Bearer`, or the session cookie. */
export function requestToken(request: IncomingMessage, url: URL): string | null {
  const query = url.searchParams.get('token')
  if (query) return query
  const auth = request.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  return cookieValue(request.headers.cookie, TOKEN_COOKIE)
}

/** Host must name this server on loopback; anything else is a rebinding attempt or a proxy. */
export function hostAllowed(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host
  return host === `${LOOPBACK_HOST}:${port}` || host === `localhost:${port}`
}

/** WebSocket Origin must be this server's own page (browsers always send it). */
export function originAllowed(origin: string | undefined, port: number): boolean {
  return origin === `http://${LOOPBACK_HOST}:${port}` || origin === `http://localhost:${port}`
}

/** `root/relativePath` if it stays inside root, else null (blocks `..` and absolute paths). */
export function resolveInside(root: string, relativePath: string): string | null {
  if (relativePath.includes('\0')) return null
  const target = resolve(root, '.' + '/' + relativePath)
  const rel = relative(root, target)
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null // (a file may be named '..x')
  return target
}
