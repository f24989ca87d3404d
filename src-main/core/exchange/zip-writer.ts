/**
 * A streaming zip writer for bundles (APPNOTE 6.3.x): entries are written one after another to a
 * file, then the central directory. Deflate runs on libuv's thread pool (zlib) and CRC-32 is zlib's
 * native one, so the main thread only produces the text.
 *
 * - Whole-buffer entries (`addBuffer`: the per-image SA-1B documents, the manifest) are deflated
 *   ahead while the caller produces the next ones: at most `MAX_QUEUED_BUFFERS` wait in memory.
 *   They are gzipped on the thread pool and the gzip wrapper taken off: the deflate data and the
 *   CRC-32 of the trailer come from one call. Their local header carries CRC and sizes.
 * - Streamed entries (`addStream`: scratch files, image files) have a data descriptor (flag bit 3)
 *   and ZIP64 sizes in it, so an entry may exceed 4 GiB.
 * - ZIP64 records are written where a size, an offset or the entry count needs them (more than
 *   65,535 entries: a bundle of 100,000 images), and only there, so small bundles are plain zips.
 * - Names are UTF-8 (flag bit 11). Times are the DOS local time of `mtime`.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { constants, crc32, deflateRaw as deflateRawCallback, deflateRawSync, gzip as gzipCallback } from 'node:zlib'

const deflateRaw = promisify(deflateRawCallback)
const gzip = promisify(gzipCallback)

/** Deflate level of text entries: 1 is several times faster than zlib's default 6 for a few % more bytes on RLE JSON. */
export const TEXT_DEFLATE_LEVEL = 1
/** Buffers deflating or waiting to be written at once (memory: this many documents). */
const MAX_QUEUED_BUFFERS = 16
/** Whole-buffer entries below this size are deflated on this thread (see addBuffer). */
const SYNC_DEFLATE_MAX_BYTES = 16 * 1024
/** Streamed entries are deflated in pieces of about this many bytes. */
const STREAM_PIECE_BYTES = 1 << 20
/** Pieces of a streamed entry deflating at once (these machines have 2 cores; memory: this many pieces in and out). */
const PARALLEL_PIECES = 2

const UINT32_LIMIT = 0xffffffff
const UINT16_LIMIT = 0xffff
const FLAG_DATA_DESCRIPTOR = 0x0008
const FLAG_UTF8 = 0x0800
const METHOD_STORE = 0
const METHOD_DEFLATE = 8
const VERSION_DEFAULT = 20
const VERSION_ZIP64 = 45
/** "Made by": UNIX (3) << 8 | spec 4.5, so the regular-file mode in the external attributes is read. */
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64
const FILE_MODE = 0o100644

export interface ZipEntryOptions {
  /** Default true (deflate at TEXT_DEFLATE_LEVEL); false stores (images, already compressed). */
  compress?: boolean
  mtime: Date
}

export interface ZipStreamOptions extends ZipEntryOptions {
  /**
   * Checked before every piece of a streamed entry (a scratch file or an image can take seconds):
   * once aborted, the source is destroyed and `addStream` rejects with ZipCancelled.
   */
  signal?: AbortSignal
}

/** A streamed entry stopped by its signal; the zip is unusable afterwards (abort it). */
export class ZipCancelled extends Error {
  override readonly name = 'ZipCancelled'
}

interface WrittenEntry {
  /**
   * Kept as a string and encoded when a header is written: a small Buffer is a slice of Node's
   * shared 8 KiB pool, and one kept per entry until the central directory pinned every slab it
   * touched (with the documents around it): memory grew by ~1.5 KiB per image of an export.
   */
  name: string
  crc: number
  compressedSize: number
  uncompressedSize: number
  offset: number
  method: number
  flags: number
  dosTime: number
  dosDate: number
}

function dosDateTime(date: Date): { dosTime: number; dosDate: number } {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107)
  return {
    dosTime: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    dosDate: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  }
}

/** ZIP64 extended information extra field (0x0001) with the given 8-byte values. */
function zip64Extra(values: readonly number[]): Buffer {
  const extra = Buffer.alloc(4 + values.length * 8)
  extra.writeUInt16LE(0x0001, 0)
  extra.writeUInt16LE(values.length * 8, 2)
  values.forEach((value, index) => extra.writeBigUInt64LE(BigInt(value), 4 + index * 8))
  return extra
}

function localHeader(entry: WrittenEntry, extra: Buffer, known: boolean): Buffer {
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(extra.length > 0 ? VERSION_ZIP64 : VERSION_DEFAULT, 4)
  header.writeUInt16LE(entry.flags, 6)
  header.writeUInt16LE(entry.method, 8)
  header.writeUInt16LE(entry.dosTime, 10)
  header.writeUInt16LE(entry.dosDate, 12)
  header.writeUInt32LE(known ? entry.crc : 0, 14)
  // With a ZIP64 extra field the sizes here are 0xFFFFFFFF and the real ones are in the extra (or the descriptor).
  header.writeUInt32LE(extra.length > 0 ? UINT32_LIMIT : known ? entry.compressedSize : 0, 18)
  header.writeUInt32LE(extra.length > 0 ? UINT32_LIMIT : known ? entry.uncompressedSize : 0, 22)
  const name = Buffer.from(entry.name, 'utf8')
  header.writeUInt16LE(name.length, 26)
  header.writeUInt16LE(extra.length, 28)
  return Buffer.concat([header, name, extra])
}

function centralHeader(entry: WrittenEntry): Buffer {
  const big: number[] = []
  if (entry.uncompressedSize >= UINT32_LIMIT) big.push(entry.uncompressedSize)
  if (entry.compressedSize >= UINT32_LIMIT) big.push(entry.compressedSize)
  if (entry.offset >= UINT32_LIMIT) big.push(entry.offset)
  const extra = big.length > 0 ? zip64Extra(big) : Buffer.alloc(0)
  const header = Buffer.alloc(46)
  header.writeUInt32LE(0x02014b50, 0)
  header.writeUInt16LE(VERSION_MADE_BY, 4)
  header.writeUInt16LE(big.length > 0 || (entry.flags & FLAG_DATA_DESCRIPTOR) !== 0 ? VERSION_ZIP64 : VERSION_DEFAULT, 6)
  header.writeUInt16LE(entry.flags, 8)
  header.writeUInt16LE(entry.method, 10)
  header.writeUInt16LE(entry.dosTime, 12)
  header.writeUInt16LE(entry.dosDate, 14)
  header.writeUInt32LE(entry.crc, 16)
  header.writeUInt32LE(Math.min(entry.compressedSize, UINT32_LIMIT), 20)
  header.writeUInt32LE(Math.min(entry.uncompressedSize, UINT32_LIMIT), 24)
  const name = Buffer.from(entry.name, 'utf8')
  header.writeUInt16LE(name.length, 28)
  header.writeUInt16LE(extra.length, 30)
  // comment length, disk number start, internal attributes: 0
  header.writeUInt32LE((FILE_MODE << 16) >>> 0, 38)
  header.writeUInt32LE(Math.min(entry.offset, UINT32_LIMIT), 42)
  return Buffer.concat([header, name, extra])
}

export class ZipWriter {
  private offset = 0
  private readonly written: WrittenEntry[] = []
  /** Writes happen in this order; each queued buffer entry chains onto it. */
  private tail: Promise<void> = Promise.resolve()
  private queued = 0
  private failure: Error | null = null
  /** Appended but not yet written (see `write`). */
  private out: Buffer[] = []
  private outBytes = 0

  private constructor(private readonly file: FileHandle) {}

  /** Creates (or truncates) `path`. */
  static async create(path: string): Promise<ZipWriter> {
    return new ZipWriter(await open(path, 'w'))
  }

  get entryCount(): number {
    return this.written.length
  }

  /**
   * Queues a whole-buffer entry: deflate starts now (thread pool), the write follows the entries
   * before it. Resolves once it is queued (waits while MAX_QUEUED_BUFFERS are pending).
   */
  async addBuffer(name: string, data: Buffer, options: ZipEntryOptions): Promise<void> {
    this.throwIfFailed()
    while (this.queued >= MAX_QUEUED_BUFFERS) await this.tail
    this.throwIfFailed()
    const compress = options.compress ?? true
    // Large deflated entries: gzip on the thread pool gives the raw deflate data and its CRC-32
    // together, so neither costs this thread anything. Small ones are deflated here: a thread-pool
    // call costs about 170 µs of CPU whatever the size, a synchronous one about 15 µs for 1 KiB (a
    // bundle of 65,000 one-mask images would spend seconds on the calls alone). Stored ones take
    // the native CRC here.
    const deflated = !compress
      ? Promise.resolve({ body: data, crc: crc32(data) })
      : data.length < SYNC_DEFLATE_MAX_BYTES
        ? Promise.resolve({ body: deflateRawSync(data, { level: TEXT_DEFLATE_LEVEL }), crc: crc32(data) })
        : gzipParts(data)
    // The write chain must not reject unobserved: failures are kept and thrown by the next call.
    deflated.catch(() => undefined)
    this.queued++
    this.tail = this.tail.then(async () => {
      try {
        if (this.failure) return
        const { body, crc } = await deflated
        const entry = this.entry(name, compress ? METHOD_DEFLATE : METHOD_STORE, 0, options.mtime)
        entry.crc = crc
        entry.compressedSize = body.length
        entry.uncompressedSize = data.length
        await this.write(localHeader(entry, Buffer.alloc(0), true), body)
        this.written.push(entry)
      } catch (error) {
        this.failure ??= error instanceof Error ? error : new Error(String(error))
      } finally {
        this.queued--
      }
    })
  }

  /** Writes a streamed entry (after every queued one); resolves when it is in the file. */
  async addStream(name: string, source: Readable, options: ZipStreamOptions): Promise<void> {
    const stopIfAborted = () => {
      if (!options.signal?.aborted) return
      source.destroy()
      this.failure ??= new ZipCancelled(`writing ${name} was cancelled`)
      throw this.failure
    }
    stopIfAborted()
    await this.flush()
    const compress = options.compress ?? true
    const entry = this.entry(name, compress ? METHOD_DEFLATE : METHOD_STORE, FLAG_DATA_DESCRIPTOR, options.mtime)
    await this.write(localHeader(entry, zip64Extra([0, 0]), false))
    let crc = 0
    let pending: Buffer[] = []
    let pendingBytes = 0
    // Pieces deflate on the thread pool, PARALLEL_PIECES at once, and are written in order: the
    // source is read and checksummed while earlier pieces deflate.
    const deflating: Promise<Buffer>[] = []
    const writeOldest = async () => {
      const body = await (deflating.shift() as Promise<Buffer>)
      entry.compressedSize += body.length
      await this.write(body)
    }
    const emit = async (last: boolean) => {
      const piece = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending)
      pending = []
      pendingBytes = 0
      crc = crc32(piece, crc)
      entry.uncompressedSize += piece.length
      // Each piece is a complete deflate block sequence except the last (Z_SYNC_FLUSH), so pieces concatenate.
      const body = compress ? deflatePiece(piece, last) : Promise.resolve(piece)
      body.catch(() => undefined)
      deflating.push(body)
      if (deflating.length >= PARALLEL_PIECES) await writeOldest()
    }
    for await (const chunk of source) {
      stopIfAborted()
      const buffer = chunk as Buffer
      pending.push(buffer)
      pendingBytes += buffer.length
      if (pendingBytes >= STREAM_PIECE_BYTES) await emit(false)
    }
    stopIfAborted()
    await emit(true)
    while (deflating.length > 0) await writeOldest()
    entry.crc = crc
    const descriptor = Buffer.alloc(24)
    descriptor.writeUInt32LE(0x08074b50, 0)
    descriptor.writeUInt32LE(crc, 4)
    descriptor.writeBigUInt64LE(BigInt(entry.compressedSize), 8)
    descriptor.writeBigUInt64LE(BigInt(entry.uncompressedSize), 16)
    await this.write(descriptor)
    this.written.push(entry)
  }

  /** Writes the central directory and closes the file. */
  async finish(): Promise<void> {
    await this.flush()
    const start = this.offset
    // The central directory in writes of about 1 MiB.
    let batch: Buffer[] = []
    let batchBytes = 0
    for (const entry of this.written) {
      const header = centralHeader(entry)
      batch.push(header)
      batchBytes += header.length
      if (batchBytes >= STREAM_PIECE_BYTES) {
        await this.write(...batch)
        batch = []
        batchBytes = 0
      }
    }
    await this.write(...batch)
    const size = this.offset - start
    const count = this.written.length
    if (count >= UINT16_LIMIT || start >= UINT32_LIMIT || size >= UINT32_LIMIT) {
      const record = Buffer.alloc(56)
      const recordOffset = this.offset
      record.writeUInt32LE(0x06064b50, 0)
      record.writeBigUInt64LE(44n, 4) // size of the rest of the record
      record.writeUInt16LE(VERSION_MADE_BY, 12)
      record.writeUInt16LE(VERSION_ZIP64, 14)
      record.writeBigUInt64LE(BigInt(count), 24)
      record.writeBigUInt64LE(BigInt(count), 32)
      record.writeBigUInt64LE(BigInt(size), 40)
      record.writeBigUInt64LE(BigInt(start), 48)
      const locator = Buffer.alloc(20)
      locator.writeUInt32LE(0x07064b50, 0)
      locator.writeBigUInt64LE(BigInt(recordOffset), 8)
      locator.writeUInt32LE(1, 16) // total number of disks
      await this.write(Buffer.concat([record, locator]))
    }
    const end = Buffer.alloc(22)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(Math.min(count, UINT16_LIMIT), 8)
    end.writeUInt16LE(Math.min(count, UINT16_LIMIT), 10)
    end.writeUInt32LE(Math.min(size, UINT32_LIMIT), 12)
    end.writeUInt32LE(Math.min(start, UINT32_LIMIT), 16)
    await this.write(end)
    await this.writeOut()
    await this.file.close()
  }

  /** Stops: pending writes are dropped and the file is closed (the caller removes it). */
  async abort(): Promise<void> {
    this.failure ??= new Error('the zip was aborted')
    await this.tail
    await this.file.close().catch(() => undefined)
  }

  private async flush(): Promise<void> {
    await this.tail
    this.throwIfFailed()
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure
  }

  private entry(name: string, method: number, flags: number, mtime: Date): WrittenEntry {
    return {
      name,
      crc: 0,
      compressedSize: 0,
      uncompressedSize: 0,
      offset: this.offset,
      method,
      flags: flags | FLAG_UTF8,
      ...dosDateTime(mtime),
    }
  }

  /**
   * Appends buffers at the zip's end. They are collected and written in calls of about
   * STREAM_PIECE_BYTES (thousands of small documents should not cost a system call each).
   */
  private async write(...buffers: Buffer[]): Promise<void> {
    for (const buffer of buffers) {
      if (buffer.length === 0) continue
      this.out.push(buffer)
      this.outBytes += buffer.length
      this.offset += buffer.length
    }
    if (this.outBytes >= STREAM_PIECE_BYTES) await this.writeOut()
  }

  /** Writes what `write` collected to the file at its place. */
  private async writeOut(): Promise<void> {
    if (this.outBytes === 0) return
    const buffers = this.out
    let position = this.offset - this.outBytes
    this.out = []
    this.outBytes = 0
    const data = buffers.length === 1 ? (buffers[0] as Buffer) : Buffer.concat(buffers)
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, position)
      done += bytesWritten
      position += bytesWritten
    }
  }
}

/** Bytes of the header zlib's gzip writes (no name, no extra field; RFC 1952) and of its trailer (CRC-32, size). */
const GZIP_HEADER_BYTES = 10
const GZIP_TRAILER_BYTES = 8

/** Raw deflate data and CRC-32 of `data`, from one gzip call on the thread pool (RFC 1952: header, deflate, CRC-32, size). */
async function gzipParts(data: Buffer): Promise<{ body: Buffer; crc: number }> {
  const gzipped = await gzip(data, { level: TEXT_DEFLATE_LEVEL })
  if (gzipped.length < GZIP_HEADER_BYTES + GZIP_TRAILER_BYTES || gzipped[0] !== 0x1f || gzipped[1] !== 0x8b || (gzipped[3] ?? 0) !== 0)
    throw new Error('zlib wrote an unexpected gzip header')
  const trailer = gzipped.length - GZIP_TRAILER_BYTES
  if (gzipped.readUInt32LE(trailer + 4) !== data.length % 2 ** 32) throw new Error('zlib wrote an unexpected gzip trailer')
  return { body: gzipped.subarray(GZIP_HEADER_BYTES, trailer), crc: gzipped.readUInt32LE(trailer) }
}

/** Raw deflate of one piece of a stream: Z_SYNC_FLUSH between pieces, Z_FINISH on the last. */
function deflatePiece(piece: Buffer, last: boolean): Promise<Buffer> {
  return deflateRaw(piece, { level: TEXT_DEFLATE_LEVEL, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH })
}
