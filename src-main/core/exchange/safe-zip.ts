/**
 * A guarded zip reader (APPNOTE 6.3.x) of its own: the central directory is read in a few large
 * reads and parsed in memory (yauzl read every record with two small reads of its own, about 12 s
 * for the 65,000 entries of a large bundle; this takes milliseconds). Opening checks the whole
 * central directory before any data is read: entry count, every name (no `..`, no absolute or
 * drive paths, no backslashes, no control characters, UTF-8 only), duplicates (case-insensitive),
 * declared sizes, compression ratios and that no two entries share bytes. Reading an entry counts
 * the inflated bytes and stops at the declared size or the limit, so an entry that lies about its
 * size cannot inflate past it; an entry that ends short of its declared size is `truncated`.
 * Names are never used as file-system paths. Reads use one file handle (positioned reads; closing
 * waits for reads in flight).
 */
import { open as openFile, type FileHandle } from 'node:fs/promises'
import { promisify } from 'node:util'
import { createInflateRaw, inflateRawSync, inflateRaw as inflateRawCallback } from 'node:zlib'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { ExchangeError } from './exchange-error'
import type { BundleLimits } from './bundle-format'

export interface ZipEntryInfo {
  name: string
  compressedSize: number
  uncompressedSize: number
  /** 0 stored, 8 deflated (others are refused when the zip is opened). */
  compressionMethod: number
  /** General purpose bit flag of the central directory record. */
  flags: number
  localHeaderOffset: number
  /** Length of the raw name in the central directory (the local header's is read when the entry is). */
  fileNameLength: number
}

const inflateRaw = promisify(inflateRawCallback)
/**
 * Entries up to this size are inflated on this thread: a call on zlib's thread pool costs ~170 µs of
 * CPU whatever the size, a synchronous one a few µs for a one-mask document (an import of 100,000
 * one-mask images spent most of its time on the calls alone). Larger ones go to the pool.
 */
const SYNC_INFLATE_MAX_BYTES = 16 * 1024

const UTF8_FLAG = 0x800
const ENCRYPTED_FLAG = 0x1
const INFO_ZIP_UNICODE_PATH = 0x7075
const ZIP64_EXTRA = 0x0001
const utf8 = new TextDecoder('utf-8', { fatal: true })

const EOCD_SIGNATURE = 0x06054b50
const EOCD_BYTES = 22
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50
const ZIP64_LOCATOR_BYTES = 20
const ZIP64_EOCD_SIGNATURE = 0x06064b50
const ZIP64_EOCD_BYTES = 56
const CENTRAL_SIGNATURE = 0x02014b50
const CENTRAL_BYTES = 46
const LOCAL_SIGNATURE = 0x04034b50
const MAX_COMMENT_BYTES = 0xffff
/** The central directory is read in windows of this size (memory stays bounded however many entries). */
const CENTRAL_WINDOW_BYTES = 1 << 20
/** Pieces of an entry's stored bytes read at a time when it is streamed. */
const STREAM_READ_BYTES = 1 << 20
/** Deflate may grow incompressible data by a few bytes per 16 KiB block; anything beyond this is not deflate output. */
const MAX_DEFLATE_GROWTH = (bytes: number) => bytes + Math.ceil(bytes / 1000) + 1024

/** Why a name is unsafe, or null. `name` is the decoded entry name. */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return 'an empty name'
  if (name.includes('\\')) return 'a backslash'
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return 'a control character'
  }
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute path'
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/')
  if (segments.some((segment) => segment === '..')) return 'a parent-folder step (..)'
  if (segments.some((segment) => segment === '.' || segment === '')) return 'an empty or "." path step'
  return null
}

function decodeName(raw: Buffer, flags: number, hasUnicodePath: boolean): string {
  if (hasUnicodePath) {
    throw new ExchangeError('unsafe_path', 'A zip entry carries a second (Info-ZIP Unicode) name; such entries are refused.')
  }
  if ((flags & UTF8_FLAG) !== 0) {
    try {
      return utf8.decode(raw)
    } catch {
      throw new ExchangeError('unsafe_path', 'A zip entry name is not valid UTF-8.')
    }
  }
  for (const byte of raw) {
    if (byte >= 0x80) throw new ExchangeError('unsafe_path', 'A zip entry name is neither UTF-8-flagged nor ASCII.')
  }
  return raw.toString('latin1')
}

function corrupt(path: string, what: string): ExchangeError {
  return new ExchangeError('corrupt_zip', `${path} is not a readable zip (${what}).`)
}

function truncated(path: string, what: string): ExchangeError {
  return new ExchangeError('truncated', `${path} is cut off (${what}).`)
}

/** Maps errors of reading and inflating onto specific reasons. */
function zipError(error: unknown, path: string): ExchangeError {
  if (error instanceof ExchangeError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (/unexpected end of file/i.test(message)) return truncated(path, message)
  return corrupt(path, message)
}

async function startsLikeZip(handle: FileHandle): Promise<boolean> {
  const buffer = Buffer.alloc(4)
  const { bytesRead } = await handle.read(buffer, 0, 4, 0)
  return bytesRead === 4 && buffer.readUInt32LE(0) === LOCAL_SIGNATURE
}

/** Exactly `length` bytes at `position`, or a `truncated` error. */
async function readExactly(handle: FileHandle, position: number, length: number, path: string, what: string): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done)
    if (bytesRead === 0) throw truncated(path, `${what} runs past the end of the file`)
    done += bytesRead
  }
  return buffer
}

/** Reads 8 bytes as a number; beyond 2^53 is no real zip (and would lose precision). */
function readUInt64(buffer: Buffer, offset: number, path: string): number {
  const value = buffer.readBigUInt64LE(offset)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(path, 'a ZIP64 size or offset is beyond 2^53')
  return Number(value)
}

interface CentralDirectory {
  entryCount: number
  offset: number
  size: number
}

/**
 * Finds the end of central directory record (the last one in the file's final 64 KiB + 22 bytes)
 * and, when a field is saturated, the ZIP64 record it points to.
 */
async function findCentralDirectory(handle: FileHandle, fileSize: number, path: string): Promise<CentralDirectory> {
  const tailBytes = Math.min(fileSize, EOCD_BYTES + MAX_COMMENT_BYTES)
  const tailStart = fileSize - tailBytes
  const tail = tailBytes > 0 ? await readExactly(handle, tailStart, tailBytes, path, 'the end of the zip') : Buffer.alloc(0)
  let at = -1
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      at = i
      break
    }
  }
  if (at < 0) {
    if (await startsLikeZip(handle).catch(() => false)) {
      throw new ExchangeError('truncated', `${path} is cut off: the zip's central directory is missing.`)
    }
    throw new ExchangeError('not_a_zip', `${path} is not a zip file.`)
  }
  const eocdOffset = tailStart + at
  if (tail.readUInt16LE(at + 4) !== 0 || tail.readUInt16LE(at + 6) !== 0) throw corrupt(path, 'multi-disk zips are not supported')
  let entryCount = tail.readUInt16LE(at + 10)
  let size = tail.readUInt32LE(at + 12)
  let offset = tail.readUInt32LE(at + 16)
  if (entryCount === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    if (eocdOffset < ZIP64_LOCATOR_BYTES) throw corrupt(path, 'the ZIP64 end of central directory locator is missing')
    const locator = await readExactly(handle, eocdOffset - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES, path, 'the ZIP64 locator')
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) throw corrupt(path, 'the ZIP64 end of central directory locator is missing')
    const recordOffset = readUInt64(locator, 8, path)
    if (recordOffset + ZIP64_EOCD_BYTES > eocdOffset) throw corrupt(path, 'the ZIP64 end of central directory record is out of place')
    const record = await readExactly(handle, recordOffset, ZIP64_EOCD_BYTES, path, 'the ZIP64 end of central directory record')
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw corrupt(path, 'the ZIP64 end of central directory record is missing')
    entryCount = readUInt64(record, 32, path)
    size = readUInt64(record, 40, path)
    offset = readUInt64(record, 48, path)
  }
  if (offset + size > eocdOffset) throw truncated(path, 'the central directory runs past its end record')
  return { entryCount, offset, size }
}

/** Reads the central directory region window by window, so memory stays bounded. */
class WindowReader {
  private window: Buffer = Buffer.alloc(0)
  private windowStart = 0

  constructor(
    private readonly handle: FileHandle,
    private readonly start: number,
    private readonly end: number,
    private readonly path: string,
  ) {
    this.windowStart = start
  }

  /** `length` bytes at `position` (absolute), which must lie in [start, end). */
  async bytes(position: number, length: number): Promise<Buffer> {
    if (position + length > this.end) throw corrupt(this.path, 'a central directory record runs past the directory')
    const offset = position - this.windowStart
    if (offset >= 0 && offset + length <= this.window.length) return this.window.subarray(offset, offset + length)
    const size = Math.min(this.end - position, Math.max(CENTRAL_WINDOW_BYTES, length))
    this.window = await readExactly(this.handle, position, size, this.path, 'the central directory')
    this.windowStart = position
    return this.window.subarray(0, length)
  }
}

interface ExtraInfo {
  zip64: Buffer | null
  hasUnicodePath: boolean
}

function parseExtra(extra: Buffer, path: string): ExtraInfo {
  const info: ExtraInfo = { zip64: null, hasUnicodePath: false }
  let at = 0
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at)
    const size = extra.readUInt16LE(at + 2)
    if (at + 4 + size > extra.length) throw corrupt(path, 'an extra field overflows its record')
    if (id === ZIP64_EXTRA) info.zip64 = extra.subarray(at + 4, at + 4 + size)
    if (id === INFO_ZIP_UNICODE_PATH) info.hasUnicodePath = true
    at += 4 + size
  }
  return info
}

/** Counts bytes through; fails past `limit` (the declared size or the configured maximum) and, with `exact`, when it ends short. */
class ByteLimit extends Transform {
  bytes = 0
  constructor(
    private readonly limit: number,
    private readonly what: string,
    private readonly exact: { size: number; path: string } | null = null,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.limit) callback(new ExchangeError('zip_bomb', `${this.what} inflates beyond ${this.limit} bytes.`))
    else callback(null, chunk)
  }
  override _flush(callback: TransformCallback): void {
    if (this.exact && this.bytes < this.exact.size)
      callback(truncated(this.exact.path, `${this.what} has ${this.bytes} of ${this.exact.size} bytes`))
    else callback()
  }
}

/** Smallest local file header: signature … extra field length (30 bytes), before name, extra field and data. */
const LOCAL_HEADER_BYTES = 30
/** Local extra field bytes read along with the header in one go (ZipWriter writes 0 or a 20-byte ZIP64 field). */
const LOCAL_EXTRA_GUESS = 64

/**
 * Entries whose data overlap (several central-directory records pointing into the same bytes) are how
 * non-recursive zip bombs multiply one compressed block; every entry must own its byte range.
 */
function checkNoOverlap(entries: ReadonlyMap<string, ZipEntryInfo>, fileSize: number, path: string): void {
  const ranges = [...entries.values()]
    .map((entry) => ({
      name: entry.name,
      start: entry.localHeaderOffset,
      end: entry.localHeaderOffset + LOCAL_HEADER_BYTES + entry.fileNameLength + entry.compressedSize,
    }))
    .sort((a, b) => a.start - b.start)
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i] as (typeof ranges)[number]
    const next = ranges[i + 1]
    if (range.end > (next ? next.start : fileSize)) {
      throw new ExchangeError(
        'zip_bomb',
        `${path}: the data of ${range.name} ${next ? `overlaps ${next.name}` : 'runs past the end of the file'}; it looks like a zip bomb.`,
      )
    }
  }
}

/** The stored bytes of an entry from `start` (absolute) for `length` bytes, as a stream of positioned reads. */
function storedStream(handle: FileHandle, start: number, length: number, path: string): Readable {
  let position = start
  const end = start + length
  return new Readable({
    highWaterMark: STREAM_READ_BYTES,
    read() {
      const size = Math.min(STREAM_READ_BYTES, end - position)
      if (size <= 0) {
        this.push(null)
        return
      }
      const buffer = Buffer.allocUnsafe(size)
      handle.read(buffer, 0, size, position).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            this.destroy(truncated(path, 'an entry runs past the end of the file'))
            return
          }
          position += bytesRead
          this.push(bytesRead === size ? buffer : buffer.subarray(0, bytesRead))
        },
        (error: unknown) => this.destroy(zipError(error, path)),
      )
    },
  })
}

export class SafeZipReader {
  private closing: Promise<void> | null = null

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly entries: ReadonlyMap<string, ZipEntryInfo>,
    private readonly limits: BundleLimits,
    private readonly fileSize: number,
  ) {}

  static async open(path: string, limits: BundleLimits): Promise<SafeZipReader> {
    const handle = await openFile(path, 'r')
    try {
      const fileSize = (await handle.stat()).size
      const directory = await findCentralDirectory(handle, fileSize, path)
      if (directory.entryCount > limits.maxEntries) {
        throw new ExchangeError(
          'too_many_entries',
          `${path} has ${directory.entryCount} entries; at most ${limits.maxEntries} are accepted.`,
        )
      }
      if (directory.entryCount * CENTRAL_BYTES > directory.size)
        throw corrupt(path, 'the central directory is shorter than its entry count')
      const reader = new WindowReader(handle, directory.offset, directory.offset + directory.size, path)
      const entries = new Map<string, ZipEntryInfo>()
      const folded = new Set<string>()
      let totalBytes = 0
      let position = directory.offset
      for (let index = 0; index < directory.entryCount; index++) {
        const record = await reader.bytes(position, CENTRAL_BYTES)
        if (record.readUInt32LE(0) !== CENTRAL_SIGNATURE) throw corrupt(path, `central directory record ${index} has a bad signature`)
        const flags = record.readUInt16LE(8)
        const compressionMethod = record.readUInt16LE(10)
        let compressedSize = record.readUInt32LE(20)
        let uncompressedSize = record.readUInt32LE(24)
        const nameLength = record.readUInt16LE(28)
        const extraLength = record.readUInt16LE(30)
        const commentLength = record.readUInt16LE(32)
        let localHeaderOffset = record.readUInt32LE(42)
        const variable = await reader.bytes(position + CENTRAL_BYTES, nameLength + extraLength)
        const rawName = Buffer.from(variable.subarray(0, nameLength))
        const extra = parseExtra(variable.subarray(nameLength, nameLength + extraLength), path)
        position += CENTRAL_BYTES + nameLength + extraLength + commentLength
        if (position > directory.offset + directory.size) throw corrupt(path, 'a central directory record runs past the directory')
        if (extra.zip64) {
          // In order, only the fields that are saturated in the record (APPNOTE 4.5.3).
          let at = 0
          const next = () => {
            if (at + 8 > (extra.zip64 as Buffer).length) throw corrupt(path, 'a ZIP64 extra field is too short')
            const value = readUInt64(extra.zip64 as Buffer, at, path)
            at += 8
            return value
          }
          if (uncompressedSize === 0xffffffff) uncompressedSize = next()
          if (compressedSize === 0xffffffff) compressedSize = next()
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next()
        }
        const name = decodeName(rawName, flags, extra.hasUnicodePath)
        const unsafe = unsafeNameReason(name)
        if (unsafe) throw new ExchangeError('unsafe_path', `The zip entry ${JSON.stringify(name)} has ${unsafe}; it is refused.`)
        const key = name.normalize('NFC').toLowerCase()
        if (folded.has(key)) throw new ExchangeError('duplicate_entry', `The zip has the entry ${JSON.stringify(name)} more than once.`)
        folded.add(key)
        if ((flags & ENCRYPTED_FLAG) !== 0) throw new ExchangeError('unsupported_entry', `The zip entry ${name} is encrypted.`)
        if (compressionMethod !== 0 && compressionMethod !== 8) {
          throw new ExchangeError('unsupported_entry', `The zip entry ${name} uses compression method ${compressionMethod}.`)
        }
        if (compressionMethod === 0 && compressedSize !== uncompressedSize) {
          throw corrupt(path, `the stored entry ${name} has different compressed and uncompressed sizes`)
        }
        if (uncompressedSize > limits.maxEntryBytes) {
          throw new ExchangeError(
            'entry_too_large',
            `The zip entry ${name} is ${uncompressedSize} bytes; at most ${limits.maxEntryBytes} are accepted.`,
          )
        }
        totalBytes += uncompressedSize
        if (totalBytes > limits.maxTotalBytes) {
          throw new ExchangeError('bundle_too_large', `The zip's entries add up to more than ${limits.maxTotalBytes} bytes.`)
        }
        if (
          compressionMethod === 8 &&
          uncompressedSize >= limits.ratioCheckMinBytes &&
          uncompressedSize > limits.maxCompressionRatio * Math.max(1, compressedSize)
        ) {
          throw new ExchangeError(
            'zip_bomb',
            `The zip entry ${name} inflates ${Math.round(uncompressedSize / Math.max(1, compressedSize))}-fold ` +
              `(limit ${limits.maxCompressionRatio}); it looks like a zip bomb.`,
          )
        }
        entries.set(name, {
          name,
          compressedSize,
          uncompressedSize,
          compressionMethod,
          flags,
          localHeaderOffset,
          fileNameLength: nameLength,
        })
      }
      checkNoOverlap(entries, directory.offset, path)
      if (totalBytes >= limits.ratioCheckMinBytes && totalBytes > limits.maxCompressionRatio * fileSize) {
        throw new ExchangeError(
          'zip_bomb',
          `${path} inflates ${Math.round(totalBytes / fileSize)}-fold overall (limit ${limits.maxCompressionRatio}); it looks like a zip bomb.`,
        )
      }
      return new SafeZipReader(handle, path, entries, limits, fileSize)
    } catch (error) {
      await handle.close().catch(() => undefined)
      throw error
    }
  }

  private entryInfo(name: string, maxBytes: number): ZipEntryInfo {
    const info = this.entries.get(name)
    if (!info) throw new ExchangeError('missing_entry', `The zip has no entry ${name}.`)
    if (info.uncompressedSize > maxBytes) {
      throw new ExchangeError('entry_too_large', `The zip entry ${name} is ${info.uncompressedSize} bytes; at most ${maxBytes} are read.`)
    }
    return info
  }

  /** Offset of the entry's stored bytes, from its local header (which must be where the directory says). */
  private async dataStart(info: ZipEntryInfo): Promise<number> {
    const header = await readExactly(this.handle, info.localHeaderOffset, LOCAL_HEADER_BYTES, this.path, `the local header of ${info.name}`)
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(this.path, `the local header of ${info.name} has a bad signature`)
    if (header.readUInt16LE(26) !== info.fileNameLength) throw corrupt(this.path, `the local header of ${info.name} has another name`)
    const start = info.localHeaderOffset + LOCAL_HEADER_BYTES + info.fileNameLength + header.readUInt16LE(28)
    if (start + info.compressedSize > this.fileSize) throw truncated(this.path, `the data of ${info.name} runs past the end of the file`)
    return start
  }

  /**
   * The entry's stored bytes. One read takes the local header, the name and the data when the
   * header has no more extra field than LOCAL_EXTRA_GUESS (what bundle writers leave); a second
   * read follows otherwise. The header is checked as `dataStart` checks it.
   */
  private async storedBytes(info: ZipEntryInfo): Promise<Buffer> {
    const headerBytes = LOCAL_HEADER_BYTES + info.fileNameLength
    const guess = Math.min(headerBytes + LOCAL_EXTRA_GUESS + info.compressedSize, this.fileSize - info.localHeaderOffset)
    if (guess < LOCAL_HEADER_BYTES) throw truncated(this.path, `the local header of ${info.name} runs past the end of the file`)
    const buffer = await readExactly(this.handle, info.localHeaderOffset, guess, this.path, `the data of ${info.name}`)
    if (buffer.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(this.path, `the local header of ${info.name} has a bad signature`)
    if (buffer.readUInt16LE(26) !== info.fileNameLength) throw corrupt(this.path, `the local header of ${info.name} has another name`)
    const start = headerBytes + buffer.readUInt16LE(28)
    if (info.localHeaderOffset + start + info.compressedSize > this.fileSize)
      throw truncated(this.path, `the data of ${info.name} runs past the end of the file`)
    if (start + info.compressedSize <= buffer.length) return buffer.subarray(start, start + info.compressedSize)
    return readExactly(this.handle, info.localHeaderOffset + start, info.compressedSize, this.path, `the data of ${info.name}`)
  }

  /** The entry's inflated bytes as a stream, stopped at its declared size and at `maxBytes`; short data is `truncated`. */
  async openStream(name: string, maxBytes = this.limits.maxEntryBytes): Promise<Readable> {
    const info = this.entryInfo(name, maxBytes)
    const start = await this.dataStart(info)
    const stored = storedStream(this.handle, start, info.compressedSize, this.path)
    const limit = new ByteLimit(Math.min(info.uncompressedSize, maxBytes), `The zip entry ${name}`, {
      size: info.uncompressedSize,
      path: this.path,
    })
    const fail = (error: unknown) => limit.destroy(zipError(error, this.path))
    stored.on('error', fail)
    if (info.compressionMethod === 0) return stored.pipe(limit)
    const inflate = createInflateRaw()
    inflate.on('error', fail)
    return stored.pipe(inflate).pipe(limit)
  }

  /**
   * The whole entry in memory (bounded by `maxBytes`). The compressed bytes are read in one call
   * and inflated in one call on zlib's thread pool, which costs a fraction of a stream pipeline
   * per entry (a bundle has one entry per image). The result must be exactly the declared size.
   */
  async readBuffer(name: string, maxBytes: number): Promise<Buffer> {
    const info = this.entryInfo(name, maxBytes)
    if (info.compressionMethod === 8 && info.compressedSize > MAX_DEFLATE_GROWTH(info.uncompressedSize))
      throw corrupt(this.path, `the entry ${name} is larger compressed than deflate can make it`)
    let data: Buffer
    try {
      const stored = await this.storedBytes(info)
      const options = { maxOutputLength: Math.max(1, info.uncompressedSize) }
      data =
        info.compressionMethod !== 8
          ? stored
          : info.uncompressedSize <= SYNC_INFLATE_MAX_BYTES
            ? inflateRawSync(stored, options)
            : await inflateRaw(stored, options)
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new ExchangeError('zip_bomb', `The zip entry ${name} inflates beyond its declared ${info.uncompressedSize} bytes.`)
      throw zipError(error, this.path)
    }
    if (data.length > info.uncompressedSize)
      throw new ExchangeError('zip_bomb', `The zip entry ${name} inflates beyond its declared ${info.uncompressedSize} bytes.`)
    if (data.length < info.uncompressedSize)
      throw new ExchangeError(
        'truncated',
        `${this.path} is cut off (the entry ${name} has ${data.length} of ${info.uncompressedSize} bytes).`,
      )
    return data
  }

  /** Closes the file (after any read still in flight). */
  close(): Promise<void> {
    this.closing ??= this.handle.close().catch(() => undefined)
    return this.closing
  }
}
