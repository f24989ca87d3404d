import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  hostAllowed,
  newToken,
  originAllowed,
  requestToken,
  resolveInside,
  TOKEN_COOKIE,
  tokensEqual,
} from '../../../src-main/web-shell/security'

function fakeRequest(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage
}

describe('web shell security', () => {
  it('makes long, distinct, URL-safe tokens', () => {
    const tokens = Array.from({ length: 50 }, newToken)
    expect(new Set(tokens).size).toBe(50)
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/) // 32 random bytes
  })

  it('compares tokens exactly', () => {
    const token = newToken()
    expect(tokensEqual(token, token)).toBe(true)
    expect(tokensEqual(token, `${token}x`)).toBe(false)
    expect(tokensEqual(token, token.slice(1))).toBe(false)
    expect(tokensEqual(token, '')).toBe(false)
    expect(tokensEqual(token, null)).toBe(false)
    expect(tokensEqual(token, undefined)).toBe(false)
  })

  it('reads the token from the query, a bearer header or the cookie, in that order', () => {
    const url = (q = '') => new URL(`http://127.0.0.1:1/${q}`)
    expect(requestToken(fakeRequest({}), url('?token=q'))).toBe('q')
    expect(requestToken(fakeRequest({ authorization: 'Bearer b' }), url('?token=q'))).toBe('q')
    expect(requestToken(fakeRequest({ authorization: 'Bearer b', cookie: `${TOKEN_COOKIE}=c` }), url())).toBe('b')
    expect(requestToken(fakeRequest({ cookie: `theme=dark; ${TOKEN_COOKIE}=c=d; other=1` }), url())).toBe('c=d')
    expect(requestToken(fakeRequest({ cookie: `x${TOKEN_COOKIE}=nope` }), url())).toBeNull()
    expect(requestToken(fakeRequest({ authorization: 'Basic abc' }), url())).toBeNull()
  })

  it('allows only this port on 127.0.0.1 or localhost as Host and Origin', () => {
    expect(hostAllowed(fakeRequest({ host: '127.0.0.1:5000' }), 5000)).toBe(true)
    expect(hostAllowed(fakeRequest({ host: 'localhost:5000' }), 5000)).toBe(true)
    for (const host of ['127.0.0.1:5001', 'localhost', 'evil.test:5000', '127.0.0.1.evil.test:5000', '[::1]:5000', '0.0.0.0:5000']) {
      expect(hostAllowed(fakeRequest({ host }), 5000), host).toBe(false)
    }
    expect(hostAllowed(fakeRequest({}), 5000)).toBe(false)
    expect(originAllowed('http://127.0.0.1:5000', 5000)).toBe(true)
    expect(originAllowed('http://localhost:5000', 5000)).toBe(true)
    for (const origin of [
      undefined,
      'null',
      'https://127.0.0.1:5000',
      'http://127.0.0.1:5001',
      'http://evil.test',
      'http://localhost:5000.evil.test',
    ]) {
      expect(originAllowed(origin, 5000), String(origin)).toBe(false)
    }
  })

  it('resolves paths inside the root and refuses the rest', () => {
    const root = '/srv/renderer'
    expect(resolveInside(root, 'index.html')).toBe(join(root, 'index.html'))
    expect(resolveInside(root, 'assets/app.js')).toBe(join(root, 'assets/app.js'))
    expect(resolveInside(root, '/etc/passwd')).toBe(join(root, 'etc/passwd'))
    expect(resolveInside(root, 'assets/../index.html')).toBe(join(root, 'index.html'))
    expect(resolveInside(root, '..x.js')).toBe(join(root, '..x.js'))
    for (const bad of ['..', '../secret', 'assets/../../secret', '../renderer-other/x', 'a\0b']) {
      expect(resolveInside(root, bad), bad).toBeNull()
    }
  })

  it('never resolves outside the root, whatever the path', () => {
    const root = '/srv/renderer'
    const segment = fc.constantFrom('..', '.', 'a', 'b.js', '', '..a', 'a..', '/', '\\')
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
        const result = resolveInside(root, segments.join('/'))
        if (result !== null) expect(result === root || result.startsWith(`${root}/`)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })
})
