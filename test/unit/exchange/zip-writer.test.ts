import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import yauzl from 'yauzl'
import { ZipWriter } from '../../../src-main/core/exchange/zip-writer'
import { readZipEntries, seeded } from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-zip-writer-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const mtime = new Date('2026-03-04T05:06:08Z')

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Text that compresses like RLE JSON does (repeats with noise), `bytes` long. */
function text(bytes: number, seed: number): Buffer {
  const random = seeded(seed)
  const alphabet = '0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmno{}",'
  const out = Buffer.alloc(bytes)
  for (let index = 0; index < bytes; index++) out[index] = alphabet.charCodeAt(Math.floor(random() ** 3 * alphabet.length))
  return out
}

describe('ZipWriter', () => {
  it('writes buffer, stored and multi-piece streamed entries that yauzl reads back byte for byte', async () => {
    const path = join(dir, 'mixed.zip')
    const small = Buffer.from('{"hello":"wörld"}')
    // Over STREAM_PIECE_BYTES (1 MiB), so the streamed entry is deflated in several pieces joined by sync flushes.
    const large = text(3_500_000, 7)
    const image = text(200_000, 9)
    const zip = await ZipWriter.create(path)
    await zip.addBuffer('sa1b/1.json', small, { mtime })
    await zip.addStream('events.jsonl', Readable.from([large.subarray(0, 1_000_000), large.subarray(1_000_000)]), { mtime })
    await zip.addStream('images/a.jpg', Readable.from([image]), { mtime, compress: false })
    await zip.addBuffer('empty.json', Buffer.alloc(0), { mtime })
    await zip.addStream('empty.jsonl', Readable.from([]), { mtime })
    await zip.finish()

    const entries = await readZipEntries(path)
    expect(entries.map((entry) => entry.name)).toEqual(['sa1b/1.json', 'events.jsonl', 'images/a.jpg', 'empty.json', 'empty.jsonl'])
    expect(entries[0]?.data.equals(small)).toBe(true)
    expect(entries[1]?.data.equals(large)).toBe(true)
    expect(entries[2]?.data.equals(image)).toBe(true)
    expect(entries[3]?.data.length).toBe(0)
    expect(entries[4]?.data.length).toBe(0)
    // The deflated entry is smaller than its text; the stored one is not deflated.
    const bytes = (await readFile(path)).length
    expect(bytes).toBeLessThan(large.length + image.length)
    expect(bytes).toBeGreaterThan(image.length)
  })

  it('is a zip other tools accept (unzip -t checks every CRC), when unzip is installed', async (context) => {
    if (!hasUnzip()) {
      console.log('skipped: no unzip on this machine')
      context.skip()
    }
    const path = join(dir, 'tools.zip')
    const zip = await ZipWriter.create(path)
    await zip.addBuffer('manifest.json', Buffer.from('{}'), { mtime })
    await zip.addStream('coco.json', Readable.from([text(2_200_000, 3)]), { mtime })
    await zip.finish()
    const output = execFileSync('unzip', ['-t', path], { encoding: 'utf8' })
    expect(output).toContain('No errors detected')
  })

  it('switches to ZIP64 end records above 65,535 entries, and readers find every entry', async () => {
    const path = join(dir, 'many.zip')
    const count = 65_540
    const zip = await ZipWriter.create(path)
    for (let index = 0; index < count; index++)
      await zip.addBuffer(`sa1b/${index + 1}.json`, Buffer.from(String(index)), { mtime, compress: false })
    await zip.finish()
    const data = await readFile(path)
    // ZIP64 end of central directory record and locator are present; the classic record says 0xFFFF.
    expect(data.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true)
    expect(data.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true)
    expect(data.readUInt16LE(data.length - 22 + 10)).toBe(0xffff)
    // yauzl finds the count through the ZIP64 records (walking 65k entries with it takes far too long here).
    const zipFile = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false })
    expect(zipFile.entryCount).toBe(count)
    zipFile.close()
    if (hasUnzip()) {
      const names = execFileSync('zipinfo', ['-1', path], { encoding: 'utf8', maxBuffer: 64 << 20 })
        .trim()
        .split('\n')
      expect(names).toHaveLength(count)
      expect(names.at(-1)).toBe(`sa1b/${count}.json`)
      expect(execFileSync('unzip', ['-p', path, `sa1b/${count}.json`], { encoding: 'utf8' })).toBe(String(count - 1))
    } else console.log('not checked with zipinfo: no unzip on this machine')
  })

  it('keeps CRC-32 of streamed entries over all pieces', async () => {
    const path = join(dir, 'crc.zip')
    const data = text(2_500_000, 11)
    const zip = await ZipWriter.create(path)
    await zip.addStream('coco.json', Readable.from([data]), { mtime })
    await zip.finish()
    const raw = await readFile(path)
    const central = raw.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    expect(raw.readUInt32LE(central + 16)).toBe(crc32(data))
    expect(raw.readUInt32LE(central + 24)).toBe(data.length)
  })
})
