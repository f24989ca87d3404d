import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ByteBudgetLru } from '../../../src-main/core/segmentation/embedding-cache/byte-budget-lru'
import { EmbeddingDiskStore } from '../../../src-main/core/segmentation/embedding-cache/disk-store'
import type { CorruptReason, EmbeddingKey } from '../../../src-main/core/segmentation/embedding-cache/disk-store'
import { EmbeddingCache } from '../../../src-main/core/segmentation/embedding-cache/embedding-cache'
import type { Embedding } from '../../../src-main/core/segmentation/variants'

const MiB = 1024 * 1024

/** A SAM 2-shaped embedding (16 MiB) or a SAM-shaped one (4 MiB) with deterministic contents. */
function embedding(seed: number, variant: 'sam2' | 'sam-official' = 'sam-official'): Embedding {
  const fill = (n: number, k: number): Float32Array => {
    const a = new Float32Array(n)
    for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.001 + seed * 7 + k) * 10
    return a
  }
  const tensors =
    variant === 'sam2'
      ? [
          { name: 'image_embed', dims: [1, 256, 64, 64], data: fill(256 * 64 * 64, 0) },
          { name: 'high_res_feats_0', dims: [1, 32, 256, 256], data: fill(32 * 256 * 256, 1) },
          { name: 'high_res_feats_1', dims: [1, 64, 128, 128], data: fill(64 * 128 * 128, 2) },
        ]
      : [{ name: 'image_embeddings', dims: [1, 256, 64, 64], data: fill(256 * 64 * 64, 0) }]
  return { variant, imageSize: { width: 1500, height: 1000 }, tensors, byteSize: tensors.reduce((s, t) => s + t.data.byteLength, 0) }
}

const key = (i: number): EmbeddingKey => ({ imageHash: `image${String(i).padStart(4, '0')}`, modelHash: 'model000abc' })

function sameEmbedding(a: Embedding, b: Embedding): boolean {
  if (
    a.variant !== b.variant ||
    a.byteSize !== b.byteSize ||
    a.imageSize.width !== b.imageSize.width ||
    a.imageSize.height !== b.imageSize.height
  )
    return false
  return a.tensors.every((t, i) => {
    const u = b.tensors[i]
    return (
      u !== undefined &&
      u.name === t.name &&
      u.dims.join() === t.dims.join() &&
      Buffer.compare(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength),
      ) === 0
    )
  })
}

describe('ByteBudgetLru', () => {
  it('evicts least recently used values until the byte total fits, and refuses values over the budget', () => {
    const evicted: string[] = []
    const lru = new ByteBudgetLru<string, number>(
      10,
      (v) => v,
      (k) => evicted.push(k),
    )
    lru.set('a', 4)
    lru.set('b', 4)
    expect(lru.get('a')).toBe(4) // a is now most recent
    lru.set('c', 4) // 12 > 10: b goes
    expect(evicted).toEqual(['b'])
    expect(lru.keys()).toEqual(['a', 'c'])
    expect(lru.bytes).toBe(8)
    lru.set('d', 9) // needs 9: a and c go
    expect(evicted).toEqual(['b', 'a', 'c'])
    expect(lru.keys()).toEqual(['d'])
    expect(lru.set('huge', 11)).toBe(false)
    expect(lru.keys()).toEqual(['d'])
    lru.set('d', 2) // replacing updates the total
    expect(lru.bytes).toBe(2)
  })
})

describe('EmbeddingCache', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tessera-embeddings-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('evicts by bytes: a 40 MiB budget holds ten 4 MiB SAM embeddings or two 16 MiB SAM 2 ones', async () => {
    const cache = new EmbeddingCache({ memoryBudgetBytes: 40 * MiB })
    for (let i = 0; i < 12; i++) await cache.put(key(i), embedding(i))
    expect(cache.memoryCount).toBe(10)
    expect(cache.memoryBytes).toBe(40 * MiB)
    expect(await cache.get(key(0))).toBeNull()
    expect(await cache.get(key(1))).toBeNull()
    expect((await cache.get(key(2)))?.source).toBe('memory')
    await cache.put(key(100), embedding(100, 'sam2'))
    await cache.put(key(101), embedding(101, 'sam2'))
    // 16 + 16 = 32 MiB: two 4 MiB ones still fit. The least recently used went first, and key 2, just read,
    // had become the most recent of the small ones.
    expect(cache.memoryBytes).toBe(40 * MiB)
    expect(cache.memoryKeys()).toEqual(['model000abc/image0011', 'model000abc/image0002', 'model000abc/image0100', 'model000abc/image0101'])
  })

  it('round-trips through disk identically, and reloads from disk after leaving memory', async () => {
    const disk = new EmbeddingDiskStore(root)
    const cache = new EmbeddingCache({ memoryBudgetBytes: 20 * MiB, disk })
    const original = embedding(3, 'sam2')
    await cache.put(key(3), original)
    const files = await readdir(join(root, 'model000abc'))
    expect(files.sort()).toEqual(['image0003.f32', 'image0003.json'])
    expect(JSON.parse(await readFile(join(root, 'model000abc', 'image0003.json'), 'utf8'))).toMatchObject({
      format: 'tessera-embedding',
      version: 1,
      variant: 'sam2',
      byteSize: 16 * MiB,
    })
    const fresh = new EmbeddingCache({ disk: new EmbeddingDiskStore(root) })
    const loaded = await fresh.get(key(3))
    expect(loaded?.source).toBe('disk')
    expect(sameEmbedding(loaded?.embedding as Embedding, original)).toBe(true)
    expect((await fresh.get(key(3)))?.source).toBe('memory')
    // No temporary files are left behind.
    expect((await readdir(join(root, 'model000abc'))).some((f) => f.endsWith('.tmp'))).toBe(false)
  })

  it.each<[string, (dir: string) => Promise<void>, CorruptReason]>([
    [
      'a flipped byte in the data',
      async (dir) => {
        const path = join(dir, 'image0005.f32')
        const bytes = await readFile(path)
        bytes[1234] = (bytes[1234] as number) ^ 0xff
        await writeFile(path, bytes)
      },
      'checksum',
    ],
    ['a truncated data file', (dir) => truncate(join(dir, 'image0005.f32'), 1000), 'size'],
    ['a missing data file', (dir) => rm(join(dir, 'image0005.f32')), 'size'],
    ['a garbled header', (dir) => writeFile(join(dir, 'image0005.json'), '{"format": "tessera-embedding", "vers'), 'header'],
    [
      'a header from a future version',
      async (dir) => {
        const path = join(dir, 'image0005.json')
        const head = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
        await writeFile(path, JSON.stringify({ ...head, version: 99 }))
      },
      'header',
    ],
  ])('treats %s as a miss: recomputes, deletes the broken pair, never crashes', async (_what, damage, reason) => {
    const reports: CorruptReason[] = []
    const store = new EmbeddingDiskStore(root, (_k, r) => reports.push(r))
    await new EmbeddingCache({ disk: store }).put(key(5), embedding(5))
    await damage(join(root, 'model000abc'))
    const cache = new EmbeddingCache({ disk: store })
    let computed = 0
    const result = await cache.getOrCompute(key(5), async () => {
      computed++
      return embedding(5)
    })
    expect(result.source).toBe('computed')
    expect(computed).toBe(1)
    expect(reports).toEqual([reason])
    // Recomputed and written again: a fresh cache reads it from disk.
    const again = await new EmbeddingCache({ disk: store }).get(key(5))
    expect(again?.source).toBe('disk')
    expect(sameEmbedding(again?.embedding as Embedding, embedding(5))).toBe(true)
  })

  it('keeps working in memory when the cache folder cannot be written or read', async () => {
    // A file where the model's folder should be: mkdir and writes fail.
    await writeFile(join(root, 'model000abc'), 'not a folder')
    const cache = new EmbeddingCache({ disk: new EmbeddingDiskStore(root) })
    const stored = await cache.put(key(1), embedding(1))
    expect(stored.persisted).toBe(false)
    expect(stored.diskError).toMatch(/EEXIST|ENOTDIR/)
    expect((await cache.get(key(1)))?.source).toBe('memory')
    expect(await new EmbeddingCache({ disk: new EmbeddingDiskStore(root) }).get(key(1))).toBeNull()
  })

  it('refuses keys that are not hashes (no path traversal)', async () => {
    const cache = new EmbeddingCache({ disk: new EmbeddingDiskStore(root) })
    await expect(cache.get({ imageHash: '../../etc/passwd', modelHash: 'model000abc' })).rejects.toThrow(/hashes/)
    await expect(cache.put({ imageHash: 'image0001', modelHash: 'a/b' }, embedding(1))).rejects.toThrow(/hashes/)
  })
})
