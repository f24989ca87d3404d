import { mkdir, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket, type ClientOptions } from 'ws'
import { Backend } from '../../../src-main/core/app/backend'
import { TOKEN_COOKIE } from '../../../src-main/web-shell/security'
import { startWebShell, type WebShell } from '../../../src-main/web-shell/server'
import { makeTempDir, writeJpegSeries } from '../../support/make-images'
import { testBackendOptions } from '../../support/test-backend'

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

const SECRET = 'top secret: outside the renderer folder'
const INDEX = '<!doctype html><title>Tessera test renderer</title>'

describe('web shell server', () => {
  let shell: WebShell
  let backend: Backend
  let imageId = 0
  let cleanup: () => Promise<void> = async () => {}

  beforeAll(async () => {
    const temp = await makeTempDir('webshell')
    cleanup = temp.cleanup
    const rendererDir = join(temp.dir, 'renderer')
    await mkdir(join(rendererDir, 'assets'), { recursive: true })
    await writeFile(join(rendererDir, 'index.html'), INDEX)
    await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("app")')
    await writeFile(join(temp.dir, 'secret.txt'), SECRET)
    const imageRoot = join(temp.dir, 'photos')
    await writeJpegSeries(imageRoot, 2)

    backend = new Backend(testBackendOptions({ dataDir: join(temp.dir, 'data'), transport: 'web-shell', version: 'test' }))
    await backend.call('projects:create', { name: 'Shell test', imageRoot })
    const session = backend.currentProject
    for (const job of session?.jobs.list() ?? []) await session?.jobs.wait(job.id)
    imageId = (await backend.call('images:list', { offset: 0, limit: 1 })).items[0]?.id ?? 0
    shell = await startWebShell({ backend, rendererDir, port: 0 })
  })
  afterAll(async () => {
    await shell?.close()
    await backend?.close()
    await cleanup()
  })

  function get(path: string, options: { headers?: Record<string, string>; method?: string } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: shell.port, path, method: options.method ?? 'GET', headers: options.headers },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end()
    })
  }
  const withToken = (path: string) => `${path}${path.includes('?') ? '&' : '?'}token=${shell.token}`
  const cookie = () => ({ cookie: `${TOKEN_COOKIE}=${shell.token}` })

  describe('HTTP', () => {
    it('listens on 127.0.0.1 only, with a long random token in its URL', () => {
      const address = shell.server.address() as AddressInfo
      expect(address.address).toBe('127.0.0.1')
      expect(address.family).toBe('IPv4')
      expect(address.port).toBe(shell.port)
      expect(shell.url).toBe(`http://127.0.0.1:${shell.port}/?token=${shell.token}`)
      expect(shell.token.length).toBeGreaterThanOrEqual(40)
    })

    it('answers 401 without a token or with a wrong one', async () => {
      for (const path of ['/', '/index.html', '/assets/app.js', `/media/${imageId}/thumb`, '/?token=wrong', `/?token=${shell.token}x`]) {
        const reply = await get(path)
        expect(reply.status, path).toBe(401)
        expect(reply.body.toString()).not.toContain('Tessera test renderer')
      }
      expect((await get('/', { headers: { cookie: `${TOKEN_COOKIE}=nope` } })).status).toBe(401)
    })

    it('serves the page with ?token, setting an HttpOnly SameSite=Strict cookie and a CSP', async () => {
      const reply = await get(withToken('/'))
      expect(reply.status).toBe(200)
      expect(reply.body.toString()).toBe(INDEX)
      expect(reply.headers['content-type']).toMatch(/text\/html/)
      const setCookie = reply.headers['set-cookie']?.[0] ?? ''
      expect(setCookie).toMatch(new RegExp(`^${TOKEN_COOKIE}=${shell.token};`))
      expect(setCookie).toMatch(/HttpOnly/)
      expect(setCookie).toMatch(/SameSite=Strict/)
      expect(reply.headers['content-security-policy']).toMatch(/script-src 'self'/)
      expect(reply.headers['content-security-policy']).toContain(`ws://127.0.0.1:${shell.port}`)
      expect(reply.headers['x-frame-options']).toBe('DENY')
      expect(reply.headers['x-content-type-options']).toBe('nosniff')
    })

    it('lets the cookie (or a bearer header) load assets', async () => {
      const reply = await get('/assets/app.js', { headers: cookie() })
      expect(reply.status).toBe(200)
      expect(reply.headers['content-type']).toMatch(/text\/javascript/)
      expect(reply.body.toString()).toBe('console.log("app")')
      expect((await get('/assets/app.js', { headers: { authorization: `Bearer ${shell.token}` } })).status).toBe(200)
      expect((await get('/assets/missing.js', { headers: cookie() })).status).toBe(404)
      expect((await get('/assets', { headers: cookie() })).status).toBe(404) // a folder is not a file
    })

    it('answers 421 when the Host header is not this loopback server', async () => {
      for (const host of ['evil.example', `evil.example:${shell.port}`, `127.0.0.1:${shell.port + 1}`, `192.168.1.5:${shell.port}`]) {
        const reply = await get(withToken('/'), { headers: { host } })
        expect(reply.status, host).toBe(421)
      }
      expect((await get(withToken('/'), { headers: { host: `localhost:${shell.port}` } })).status).toBe(200)
    })

    it('refuses methods other than GET and HEAD', async () => {
      expect((await get(withToken('/'), { method: 'POST' })).status).toBe(405)
      const head = await get(withToken('/'), { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.body.length).toBe(0)
    })

    it('never serves a file outside the renderer folder', async () => {
      const attempts = [
        '/../secret.txt',
        '/assets/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/%2E%2E/secret.txt',
        '/..%2fsecret.txt',
        '/assets/..%2f..%2fsecret.txt',
        '/%2e%2e%2fsecret.txt',
        '/..%5csecret.txt',
        '/assets/%2e%2e/%2e%2e/secret.txt',
        '//etc/passwd',
        '/%00/secret.txt',
        '/%',
      ]
      for (const path of attempts) {
        const reply = await get(path, { headers: cookie() })
        expect(reply.status, path).not.toBe(200)
        expect(reply.status, path).toBeLessThan(500)
        expect(reply.body.toString(), path).not.toContain('top secret')
      }
    })

    it('serves the pictures of imported images and 404s for unknown ids', async () => {
      const thumb = await get(`/media/${imageId}/thumb?v=abc`, { headers: cookie() })
      expect(thumb.status).toBe(200)
      expect(thumb.headers['content-type']).toBe('image/jpeg')
      expect([...thumb.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
      expect(thumb.headers['cache-control']).toMatch(/immutable/)
      expect((await get(`/media/${imageId}/annotation`, { headers: cookie() })).status).toBe(200)
      expect((await get('/media/999999/thumb', { headers: cookie() })).status).toBe(404)
      expect((await get(`/media/${imageId}/original`, { headers: cookie() })).status).toBe(404)
    })
  })

  describe('WebSocket', () => {
    const origin = () => `http://127.0.0.1:${shell.port}`

    /** Opens a socket, resolving to it once open or to the HTTP status it was refused with. */
    function connect(
      query: string,
      options: ClientOptions = {},
    ): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] } | { refused: number }> {
      return new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws${query}`, options)
        const messages: Record<string, unknown>[] = []
        ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>))
        ws.on('open', () => resolve({ ws, messages }))
        ws.on('unexpected-response', (_request, response) => {
          resolve({ refused: response.statusCode ?? 0 })
          ws.terminate()
        })
        ws.on('error', () => resolve({ refused: -1 }))
      })
    }

    async function open(): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] }> {
      const result = await connect(`?token=${shell.token}`, { origin: origin() })
      if ('refused' in result) throw new Error(`socket refused: ${result.refused}`)
      return result
    }

    async function next(
      messages: Record<string, unknown>[],
      match: (m: Record<string, unknown>) => boolean,
    ): Promise<Record<string, unknown>> {
      for (let waited = 0; waited < 5000; waited += 10) {
        const found = messages.find(match)
        if (found) return found
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      throw new Error(`no matching message; got ${JSON.stringify(messages)}`)
    }

    it('refuses a socket without a token, with a wrong one, or from a foreign origin', async () => {
      expect(await connect('', { origin: origin() })).toEqual({ refused: 401 })
      expect(await connect('?token=wrong', { origin: origin() })).toEqual({ refused: 401 })
      expect(await connect(`?token=${shell.token}`, { origin: 'http://evil.example' })).toEqual({ refused: 401 })
      expect(await connect(`?token=${shell.token}`, { origin: `http://127.0.0.1:${shell.port + 1}` })).toEqual({ refused: 401 })
      expect(await connect(`?token=${shell.token}`)).toEqual({ refused: 401 }) // no Origin at all
    })

    it('accepts the session cookie in place of ?token', async () => {
      const result = await connect('', { origin: origin(), headers: cookie() })
      expect('ws' in result).toBe(true)
      if ('ws' in result) result.ws.close()
    })

    it('round-trips an invoke, and reports backend errors against their seq', async () => {
      const { ws, messages } = await open()
      ws.send(JSON.stringify({ type: 'invoke', seq: 1, channel: 'app:info', input: {} }))
      expect(await next(messages, (m) => m.seq === 1)).toEqual({
        type: 'result',
        seq: 1,
        ok: true,
        value: expect.objectContaining({ version: 'test', transport: 'web-shell' }) as unknown,
      })

      ws.send(JSON.stringify({ type: 'invoke', seq: 2, channel: 'images:get', input: { imageId } }))
      expect(await next(messages, (m) => m.seq === 2)).toMatchObject({ ok: true, value: { id: imageId, relPath: 'img-01.jpg' } })

      ws.send(JSON.stringify({ type: 'invoke', seq: 3, channel: 'nope:nothing', input: {} }))
      expect(await next(messages, (m) => m.seq === 3)).toMatchObject({ ok: false, error: { code: 'unknown_channel' } })

      ws.send(JSON.stringify({ type: 'invoke', seq: 4, channel: 'images:get', input: { imageId: 'one' } }))
      expect(await next(messages, (m) => m.seq === 4)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request', message: expect.stringContaining('imageId') as unknown },
      })
      ws.close()
    })

    it('answers malformed messages with a specific error and keeps serving', async () => {
      const { ws, messages } = await open()
      ws.send('{ this is not json')
      expect(await next(messages, (m) => m.type === 'result')).toMatchObject({
        seq: null,
        ok: false,
        error: { code: 'invalid_request', message: expect.stringMatching(/^Malformed message/) as unknown },
      })
      messages.length = 0

      for (const text of ['null', '[]', '42', '"invoke"']) ws.send(text)
      ws.send(JSON.stringify({ type: 'call', seq: 7, channel: 'app:info' }))
      ws.send(JSON.stringify({ type: 'invoke', seq: 'eight', channel: 'app:info' }))
      ws.send(Buffer.from([1, 2, 3]), { binary: true })
      await next(messages, () => messages.length >= 7)
      expect(messages.every((m) => m.ok === false && (m.error as { code: string }).code === 'invalid_request')).toBe(true)
      expect(messages.find((m) => m.seq === 7)).toMatchObject({
        error: { message: expect.stringContaining('Expected { type: "invoke"') as unknown },
      })

      ws.send(JSON.stringify({ type: 'invoke', seq: 9, channel: 'app:info', input: {} }))
      expect(await next(messages, (m) => m.seq === 9)).toMatchObject({ ok: true })
      ws.close()
    })

    it('pushes backend events to the socket', async () => {
      const { ws, messages } = await open()
      ws.send(JSON.stringify({ type: 'invoke', seq: 1, channel: 'images:setStatus', input: { imageId, status: 'skipped' } }))
      const event = await next(messages, (m) => m.type === 'event' && m.name === 'images:updated')
      expect(event).toMatchObject({ payload: { id: imageId, status: 'skipped' } })
      ws.close()
    })
  })
})
