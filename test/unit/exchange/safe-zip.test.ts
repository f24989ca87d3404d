/**
 * SafeZipReader on its own: it parses the central directory itself (ZIP64 included), so its
 * structural checks are tested here against zips written by yazl and by our ZipWriter, and
 * against bytes patched by hand.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_BUNDLE_LIMITS } from '../../../src-main/core/exchange/bundle-format'
import { ExchangeError } from '../../../src-main/core/exchange/exchange-error'
import { SafeZipReader } from '../../../src-main/core/exchange/safe-zip'
import { ZipWriter } from '../../../src-main/core/exchange/zip-writer'
import { readZipEntries, writeZip } from './exchange-helpers'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-safe-zip-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const mtime = new Date('2026-03-04T05:06:08Z')

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function reason(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
  } catch (error) {
    if (error instanceof ExchangeError) return error.reason
    throw error
  }
  return 'no error'
}

/** Offset of the central directory record of `name` (yazl and ZipWriter write one record per entry). */
function centralRecordOf(zip: Buffer, name: string): number {
  const at = zip.lastIndexOf(Buffer.concat([Buffer.from(name)]))
  let record = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at)
  while (record >= 0 && record + 46 !== at) record = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), record - 1)
  if (record < 0) throw new Error(`no central record for ${name}`)
  return record
}

describe('SafeZipReader', () => {
  it('reads back what yazl wrote, deflated and stored, as buffers and as streams (property)', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ data: fc.uint8Array({ maxLength: 3000 }), store: fc.boolean(), text: fc.boolean() }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (specs) => {
          const entries = specs.map((spec, index) => ({
            name: `sa1b/${index + 1}.json`,
            // Text repeats so deflate has something to do; bytes are arbitrary.
            data: spec.text ? Buffer.from('{"counts":"abc"}'.repeat(spec.data.length % 200)) : Buffer.from(spec.data),
            store: spec.store,
          }))
          const path = join(dir, `property-${run++}.zip`)
          await writeZip(path, entries)
          const reader = await SafeZipReader.open(path, DEFAULT_BUNDLE_LIMITS)
          try {
            expect([...reader.entries.keys()]).toEqual(entries.map((entry) => entry.name))
            for (const entry of entries) {
              expect((await reader.readBuffer(entry.name, 1 << 20)).equals(entry.data)).toBe(true)
              expect((await readAll(await reader.openStream(entry.name))).equals(entry.data)).toBe(true)
            }
          } finally {
            await reader.close()
          }
        },
      ),
      { numRuns: 25 },
    )
  })

  it('finds every entry of a ZIP64 zip (more than 65,535 entries) and reads the last one', async () => {
    const path = join(dir, 'many.zip')
    const count = 65_600
    const zip = await ZipWriter.create(path)
    for (let index = 0; index < count; index++)
      await zip.addBuffer(`sa1b/${index + 1}.json`, Buffer.from(String(index)), { mtime, compress: index % 2 === 0 })
    await zip.addStream('events.jsonl', Readable.from([Buffer.from('{"a":1}\n'.repeat(10_000))]), { mtime })
    await zip.finish()
    const reader = await SafeZipReader.open(path, DEFAULT_BUNDLE_LIMITS)
    try {
      expect(reader.entries.size).toBe(count + 1)
      expect((await reader.readBuffer(`sa1b/${count}.json`, 100)).toString()).toBe(String(count - 1))
      expect((await reader.readBuffer('sa1b/1.json', 100)).toString()).toBe('0')
      expect((await readAll(await reader.openStream('events.jsonl'))).toString()).toBe('{"a":1}\n'.repeat(10_000))
    } finally {
      await reader.close()
    }
  })

  it('refuses a stored entry whose sizes disagree, and an entry whose local header is not where the directory says', async () => {
    const path = join(dir, 'plain.zip')
    await writeZip(path, [
      { name: 'a.json', data: Buffer.from('{"x":1}'), store: true },
      { name: 'b.json', data: Buffer.from('{"y":2}'), store: true },
    ])
    const good = await readFile(path)
    const sizes = Buffer.from(good)
    sizes.writeUInt32LE(6, centralRecordOf(sizes, 'a.json') + 20)
    await writeFile(join(dir, 'sizes.zip'), sizes)
    expect(await reason(() => SafeZipReader.open(join(dir, 'sizes.zip'), DEFAULT_BUNDLE_LIMITS))).toBe('corrupt_zip')

    const moved = Buffer.from(good)
    // Point b.json's record at a's bytes + 1: no local header signature there.
    moved.writeUInt32LE(1, centralRecordOf(moved, 'b.json') + 42)
    await writeFile(join(dir, 'moved.zip'), moved)
    expect(
      await reason(async () => {
        const reader = await SafeZipReader.open(join(dir, 'moved.zip'), DEFAULT_BUNDLE_LIMITS)
        try {
          await reader.readBuffer('b.json', 100)
        } finally {
          await reader.close()
        }
      }),
    ).toMatch(/corrupt_zip|zip_bomb/)
  })

  it('refuses deflate data that ends early (truncated) or is not deflate (corrupt), as a buffer and as a stream', async () => {
    const path = join(dir, 'deflated.zip')
    const data = Buffer.from('{"counts":"0123456789"}'.repeat(2000))
    await writeZip(path, [
      { name: 'a.json', data },
      { name: 'b.json', data: Buffer.from('{}') },
    ])
    const good = await readFile(path)
    const record = centralRecordOf(good, 'a.json')
    const compressed = good.readUInt32LE(record + 20)
    const local = good.readUInt32LE(record + 42)
    const start = local + 30 + good.readUInt16LE(local + 26) + good.readUInt16LE(local + 28)

    const garbage = Buffer.from(good)
    garbage.fill(0xff, start, start + compressed)
    await writeFile(join(dir, 'garbage.zip'), garbage)
    const reader = await SafeZipReader.open(join(dir, 'garbage.zip'), DEFAULT_BUNDLE_LIMITS)
    try {
      expect(await reason(() => reader.readBuffer('a.json', 1 << 20))).toBe('corrupt_zip')
      expect(await reason(async () => readAll(await reader.openStream('a.json')))).toBe('corrupt_zip')
    } finally {
      await reader.close()
    }

    // The same deflate data declared one byte longer than it inflates to.
    const longer = Buffer.from(good)
    longer.writeUInt32LE(data.length + 1, record + 24)
    await writeFile(join(dir, 'longer.zip'), longer)
    const short = await SafeZipReader.open(join(dir, 'longer.zip'), DEFAULT_BUNDLE_LIMITS)
    try {
      expect(await reason(() => short.readBuffer('a.json', 1 << 20))).toBe('truncated')
      expect(await reason(async () => readAll(await short.openStream('a.json')))).toBe('truncated')
    } finally {
      await short.close()
    }
    // … and one byte shorter: it would inflate past its declared size.
    const shorter = Buffer.from(good)
    shorter.writeUInt32LE(data.length - 1, record + 24)
    await writeFile(join(dir, 'shorter.zip'), shorter)
    const over = await SafeZipReader.open(join(dir, 'shorter.zip'), DEFAULT_BUNDLE_LIMITS)
    try {
      expect(await reason(() => over.readBuffer('a.json', 1 << 20))).toBe('zip_bomb')
      expect(await reason(async () => readAll(await over.openStream('a.json')))).toBe('zip_bomb')
    } finally {
      await over.close()
    }
  })

  it('refuses a central directory that claims more entries than it holds, and a file that is no zip', async () => {
    const path = join(dir, 'count.zip')
    await writeZip(path, [{ name: 'a.json', data: Buffer.from('{}') }])
    const bytes = await readFile(path)
    bytes.writeUInt16LE(5, bytes.length - 22 + 8)
    bytes.writeUInt16LE(5, bytes.length - 22 + 10)
    await writeFile(join(dir, 'count-bad.zip'), bytes)
    expect(await reason(() => SafeZipReader.open(join(dir, 'count-bad.zip'), DEFAULT_BUNDLE_LIMITS))).toBe('corrupt_zip')
    await writeFile(join(dir, 'empty.zip'), Buffer.alloc(0))
    expect(await reason(() => SafeZipReader.open(join(dir, 'empty.zip'), DEFAULT_BUNDLE_LIMITS))).toBe('not_a_zip')
  })

  it('agrees with yauzl on names and contents of a bundle-shaped zip', async () => {
    const path = join(dir, 'agree.zip')
    const zip = await ZipWriter.create(path)
    await zip.addBuffer('sa1b/1.json', Buffer.from('{"image":{}}'), { mtime })
    await zip.addStream('coco.json', Readable.from([Buffer.from('{"images":[]}')]), { mtime })
    await zip.addStream(`images/${'a'.repeat(64)}.jpg`, Readable.from([Buffer.from([1, 2, 3])]), { mtime, compress: false })
    await zip.addBuffer('manifest.json', Buffer.from('{}'), { mtime })
    await zip.finish()
    const expected = await readZipEntries(path)
    const reader = await SafeZipReader.open(path, DEFAULT_BUNDLE_LIMITS)
    try {
      expect([...reader.entries.keys()]).toEqual(expected.map((entry) => entry.name))
      for (const entry of expected) expect((await readAll(await reader.openStream(entry.name))).equals(entry.data)).toBe(true)
    } finally {
      await reader.close()
    }
  })
})
