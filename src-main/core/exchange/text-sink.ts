/**
 * Streaming text output with backpressure, and the "write to <target>.partial, rename when
 * complete" discipline every export follows: an export that fails or is aborted leaves nothing at
 * the target name (and removes its partial file).
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
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
  /** Null when the caller does not need the digest (a scratch file re-hashed where it is copied to). */
  private readonly hash: Hash | null
  bytes = 0

  constructor(
    private readonly stream: Writable,
    options: { hash?: boolean } = {},
  ) {
    this.hash = options.hash === false ? null : createHash('sha256')
  }

  async write(text: string): Promise<void> {
    this.pending.push(text)
    this.pendingChars += text.length
    if (this.pendingChars >= CHUNK_CHARS) await this.flush()
  }

  /** Bytes written as they are (e.g. copied from a file this export wrote earlier), after any pending text. */
  async writeBuffer(buffer: Buffer): Promise<void> {
    await this.flush()
    this.hash?.update(buffer)
    this.bytes += buffer.length
    if (!this.stream.write(buffer)) await drained(this.stream)
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return
    const buffer = Buffer.from(this.pending.join(''), 'utf8')
    this.pending = []
    this.pendingChars = 0
    this.hash?.update(buffer)
    this.bytes += buffer.length
    if (!this.stream.write(buffer)) await drained(this.stream)
  }

  /** Flushes, ends the stream and returns the SHA-256 (hex) of everything written ('' when not hashed). */
  async end(): Promise<string> {
    await this.flush()
    this.stream.end()
    return this.hash?.digest('hex') ?? ''
  }
}

/**
 * Resolves on 'drain'; rejects when the stream closes first. Plain listeners, removed on either
 * outcome (an AbortSignal per wait costs a DOMException each time, and this runs once per 64 KiB).
 */
export function drained(stream: Writable): Promise<void> {
  if (stream.destroyed) return Promise.reject(new Error('the output stream was closed'))
  return new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      stream.off('close', onClose)
      resolve()
    }
    const onClose = () => {
      stream.off('drain', onDrain)
      reject(new Error('the output stream closed while writing'))
    }
    stream.once('drain', onDrain)
    stream.once('close', onClose)
  })
}

/** Whether anything (file or folder) is at `path`: export targets are never merged into. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
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

/**
 * A scratch file an export writes text into during one pass, then copies into its real destination
 * and removes: how one pass over the masks feeds several zip entries, which a zip can only hold one
 * after another. Disk holds the text, not memory. Not hashed here: the text is hashed where it is
 * copied to.
 */
export class ScratchText {
  private finished = false
  private failure: Error | null = null

  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
    readonly sink: TextSink,
  ) {
    stream.on('error', (error) => (this.failure ??= error))
  }

  static async open(path: string): Promise<ScratchText> {
    const stream = createWriteStream(path)
    await once(stream, 'open')
    return new ScratchText(path, stream, new TextSink(stream, { hash: false }))
  }

  /** Flushes and closes the file (after which it can be read). */
  async finish(): Promise<void> {
    await this.sink.end()
    this.finished = true
    if (!this.stream.closed) await once(this.stream, 'close')
    if (this.failure) throw this.failure
  }

  /** The finished file's bytes. */
  read(): Readable {
    if (!this.finished) throw new Error(`${this.path} is still being written`)
    return createReadStream(this.path)
  }

  /**
   * Streams the finished file's bytes into `sink` (which hashes them too, and is left open).
   * `signal` is checked before every chunk: an aborted copy stops and rejects with `cancelled`.
   */
  async copyTo(sink: TextSink, signal?: AbortSignal): Promise<void> {
    const source = this.read()
    try {
      for await (const chunk of source) {
        if (signal?.aborted) throw new ExchangeError('cancelled', `Copying ${this.path} was cancelled; nothing was kept.`)
        await sink.writeBuffer(chunk as Buffer)
      }
    } finally {
      source.destroy()
    }
  }

  async remove(): Promise<void> {
    this.stream.destroy()
    if (!this.stream.closed) await once(this.stream, 'close').catch(() => undefined)
    await rm(this.path, { force: true })
  }
}
