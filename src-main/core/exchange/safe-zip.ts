/**
 * A guarded zip reader over yauzl. Opening checks the whole central directory before any data is
 * read: entry count, every name (no `..`, no absolute or drive paths, no backslashes, no control
 * characters, UTF-8 only), duplicates (case-insensitive), declared sizes and compression ratios.
 * Reading an entry counts the inflated bytes and stops at the declared size or the limit, so an
 * entry that lies about its size cannot inflate past it. Names are never used as file-system paths.
 */
import { open as openFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { inflateRaw as inflateRawCallback } from 'node:zlib'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { ExchangeError } from './exchange-error'
import type { BundleLimits } from './bundle-format'

export interface ZipEntryInfo {
  name: string
  compressedSize: number
  uncompressedSize: number
  entry: Entry
}

const inflateRaw = promisify(inflateRawCallback)

const UTF8_FLAG = 0x800
const INFO_ZIP_UNICODE_PATH = 0x7075
const utf8 = new TextDecoder('utf-8', { fatal: true })

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

function decodeName(entry: Entry): string {
  const raw = entry.fileNameRaw
  if (entry.extraFields.some((field) => field.id === INFO_ZIP_UNICODE_PATH)) {
    throw new ExchangeError('unsafe_path', 'A zip entry carries a second (Info-ZIP Unicode) name; such entries are refused.')
  }
  if ((entry.generalPurposeBitFlag & UTF8_FLAG) !== 0) {
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

/** Maps yauzl's structural errors onto specific reasons. */
function zipError(error: unknown, path: string): ExchangeError {
  if (error instanceof ExchangeError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (/too many bytes in the stream/.test(message)) {
    return new ExchangeError('zip_bomb', `${path}: an entry inflates beyond its declared size (${message}).`)
  }
  if (/unexpected EOF|overflows file bounds|not enough bytes|unexpected end of file/i.test(message)) {
    return new ExchangeError('truncated', `${path} is cut off (${message}).`)
  }
  return new ExchangeError('corrupt_zip', `${path} is not a readable zip (${message}).`)
}

async function startsLikeZip(path: string): Promise<boolean> {
  const handle = await openFile(path, 'r')
  try {
    const buffer = Buffer.alloc(4)
    const { bytesRead } = await handle.read(buffer, 0, 4, 0)
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50
  } finally {
    await handle.close()
  }
}

/** Counts bytes through; fails past `limit` (the declared size or the configured maximum). */
class ByteLimit extends Transform {
  bytes = 0
  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.limit) callback(new ExchangeError('zip_bomb', `${this.what} inflates beyond ${this.limit} bytes.`))
    else callback(null, chunk)
  }
}

/** Smallest local file header: signature … extra field length (30 bytes), before name, extra field and data. */
const LOCAL_HEADER_BYTES = 30

/**
 * Entries whose data overlap (several central-directory records pointing into the same bytes) are how
 * non-recursive zip bombs multiply one compressed block; every entry must own its byte range.
 */
function checkNoOverlap(entries: ReadonlyMap<string, ZipEntryInfo>, fileSize: number, path: string): void {
  const ranges = [...entries.values()]
    .map(({ entry, name }) => ({
      name,
      start: entry.relativeOffsetOfLocalHeader,
      end: entry.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + entry.fileNameLength + entry.compressedSize,
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

export class SafeZipReader {
  private constructor(
    private readonly zip: ZipFile,
    readonly path: string,
    readonly entries: ReadonlyMap<string, ZipEntryInfo>,
    private readonly limits: BundleLimits,
  ) {}

  static async open(path: string, limits: BundleLimits): Promise<SafeZipReader> {
    let zip: ZipFile
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error
      if (/End of central directory record signature not found/.test(message)) {
        if (await startsLikeZip(path).catch(() => false)) {
          throw new ExchangeError('truncated', `${path} is cut off: the zip's central directory is missing.`)
        }
        throw new ExchangeError('not_a_zip', `${path} is not a zip file.`)
      }
      throw zipError(error, path)
    }
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new ExchangeError('too_many_entries', `${path} has ${zip.entryCount} entries; at most ${limits.maxEntries} are accepted.`)
      }
      const entries = new Map<string, ZipEntryInfo>()
      const folded = new Set<string>()
      let totalBytes = 0
      try {
        for await (const entry of zip.eachEntry()) {
          const name = decodeName(entry)
          const unsafe = unsafeNameReason(name)
          if (unsafe) throw new ExchangeError('unsafe_path', `The zip entry ${JSON.stringify(name)} has ${unsafe}; it is refused.`)
          const key = name.normalize('NFC').toLowerCase()
          if (folded.has(key)) throw new ExchangeError('duplicate_entry', `The zip has the entry ${JSON.stringify(name)} more than once.`)
          folded.add(key)
          if (entry.isEncrypted()) throw new ExchangeError('unsupported_entry', `The zip entry ${name} is encrypted.`)
          if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
            throw new ExchangeError('unsupported_entry', `The zip entry ${name} uses compression method ${entry.compressionMethod}.`)
          }
          if (entry.uncompressedSize > limits.maxEntryBytes) {
            throw new ExchangeError(
              'entry_too_large',
              `The zip entry ${name} is ${entry.uncompressedSize} bytes; at most ${limits.maxEntryBytes} are accepted.`,
            )
          }
          totalBytes += entry.uncompressedSize
          if (totalBytes > limits.maxTotalBytes) {
            throw new ExchangeError('bundle_too_large', `The zip's entries add up to more than ${limits.maxTotalBytes} bytes.`)
          }
          if (
            entry.compressionMethod === 8 &&
            entry.uncompressedSize >= limits.ratioCheckMinBytes &&
            entry.uncompressedSize > limits.maxCompressionRatio * Math.max(1, entry.compressedSize)
          ) {
            throw new ExchangeError(
              'zip_bomb',
              `The zip entry ${name} inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}-fold ` +
                `(limit ${limits.maxCompressionRatio}); it looks like a zip bomb.`,
            )
          }
          entries.set(name, { name, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize, entry })
        }
      } catch (error) {
        throw zipError(error, path)
      }
      checkNoOverlap(entries, zip.fileSize, path)
      if (totalBytes >= limits.ratioCheckMinBytes && totalBytes > limits.maxCompressionRatio * zip.fileSize) {
        throw new ExchangeError(
          'zip_bomb',
          `${path} inflates ${Math.round(totalBytes / zip.fileSize)}-fold overall (limit ${limits.maxCompressionRatio}); it looks like a zip bomb.`,
        )
      }
      return new SafeZipReader(zip, path, entries, limits)
    } catch (error) {
      zip.close()
      throw error
    }
  }

  /** The entry's inflated bytes as a stream, stopped at its declared size and at `maxBytes`. */
  async openStream(name: string, maxBytes = this.limits.maxEntryBytes): Promise<Readable> {
    const info = this.entries.get(name)
    if (!info) throw new ExchangeError('missing_entry', `The zip has no entry ${name}.`)
    if (info.uncompressedSize > maxBytes) {
      throw new ExchangeError('entry_too_large', `The zip entry ${name} is ${info.uncompressedSize} bytes; at most ${maxBytes} are read.`)
    }
    let stream: Readable
    try {
      stream = await this.zip.openReadStreamPromise(info.entry)
    } catch (error) {
      throw zipError(error, this.path)
    }
    const limit = new ByteLimit(Math.min(info.uncompressedSize, maxBytes), `The zip entry ${name}`)
    stream.on('error', (error) => limit.destroy(zipError(error, this.path)))
    return stream.pipe(limit)
  }

  /**
   * The whole entry in memory (bounded by `maxBytes`). The compressed bytes are read as they are
   * and inflated in one call on zlib's thread pool, which costs a fraction of a stream pipeline per
   * entry (a bundle has one entry per image). The result must be exactly the declared size.
   */
  async readBuffer(name: string, maxBytes: number): Promise<Buffer> {
    const info = this.entries.get(name)
    if (!info) throw new ExchangeError('missing_entry', `The zip has no entry ${name}.`)
    if (info.uncompressedSize > maxBytes) {
      throw new ExchangeError('entry_too_large', `The zip entry ${name} is ${info.uncompressedSize} bytes; at most ${maxBytes} are read.`)
    }
    const chunks: Buffer[] = []
    let data: Buffer
    try {
      const raw = await this.zip.openReadStreamPromise(info.entry, info.entry.compressionMethod === 8 ? { decompress: false } : {})
      for await (const chunk of raw) chunks.push(chunk as Buffer)
      const stored = Buffer.concat(chunks)
      data =
        info.entry.compressionMethod === 8
          ? await inflateRaw(stored, { maxOutputLength: Math.max(1, info.uncompressedSize) }).catch((error: unknown) => {
              if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
                throw new ExchangeError('zip_bomb', `The zip entry ${name} inflates beyond its declared ${info.uncompressedSize} bytes.`)
              throw error
            })
          : stored
    } catch (error) {
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

  close(): void {
    this.zip.close()
  }
}
