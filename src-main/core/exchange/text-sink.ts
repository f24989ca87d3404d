/**
 * Streaming text output with backpressure, and the "write to <target>.partial, rename when
 * complete" discipline every export follows: an export that fails or is aborted leaves nothing at
 * the target name (and removes its partial file).
 */
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { ExchangeError } from './exchange-error'

/** Text is collected to about this many characters before one write (fewer syscalls, bounded memory). */
const CHUNK_CHARS = 64 * 1024

/**
 * Writes text to a stream in chunks, waiting for 'drain' when the stream is full, and keeps the
 * SHA-256 and byte count of what it wrote.
 */
export class TextSink {
  private pending: string[] = []
  private pendingChars = 0
  private readonly hash: Hash = createHash('sha256')
  bytes = 0

  constructor(private readonly stream: Writable) {}

  async write(text: string): Promise<void> {
    this.pending.push(text)
    this.pendingChars += text.length
    if (this.pendingChars >= CHUNK_CHARS) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return
    const buffer = Buffer.from(this.pending.join(''), 'utf8')
    this.pending = []
    this.pendingChars = 0
    this.hash.update(buffer)
    this.bytes += buffer.length
    if (!this.stream.write(buffer)) await drained(this.stream)
  }

  /** Flushes, ends the stream and returns the SHA-256 (hex) of everything written. */
  async end(): Promise<string> {
    await this.flush()
    this.stream.end()
    return this.hash.digest('hex')
  }
}

/** Resolves on 'drain'; rejects when the stream fails or closes first. */
export async function drained(stream: Writable): Promise<void> {
  if (stream.destroyed) throw new Error('the output stream was closed')
  const controller = new AbortController()
  try {
    await Promise.race([
      once(stream, 'drain', { signal: controller.signal }),
      once(stream, 'close', { signal: controller.signal }).then(() => {
        throw new Error('the output stream closed while writing')
      }),
    ])
  } finally {
    controller.abort()
  }
}

/** Path of the file an export writes before renaming it into place. */
export function partialPath(target: string): string {
  return `${target}.partial`
}

/**
 * Runs `write` against a stream on `<target>.partial` and renames it to `target` once the stream
 * has been fully written and closed. On any failure (or abort) the partial file is removed and the
 * error rethrown; the target is only ever the complete file (an older file there is replaced only
 * by the rename).
 */
export async function writeViaPartial<T>(target: string, write: (stream: Writable) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const partial = partialPath(target)
  const stream = createWriteStream(partial)
  let failure: Error | null = null
  stream.on('error', (error) => (failure ??= error))
  const onAbort = () => stream.destroy(new ExchangeError('cancelled', `Writing ${target} was cancelled; nothing was kept.`))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await once(stream, 'open')
    const result = await write(stream)
    if (!stream.writableEnded) stream.end()
    if (!stream.closed) await once(stream, 'close')
    if (failure) throw failure as Error
    if (signal?.aborted) throw new ExchangeError('cancelled', `Writing ${target} was cancelled; nothing was kept.`)
    await rename(partial, target)
    return result
  } catch (error) {
    stream.destroy()
    if (!stream.closed) await once(stream, 'close').catch(() => undefined)
    await rm(partial, { force: true })
    const first = failure as Error | null
    throw first instanceof ExchangeError ? first : error
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}
