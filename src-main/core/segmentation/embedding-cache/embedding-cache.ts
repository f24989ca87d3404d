/**
 * Two-level embedding cache: an in-memory LRU bounded by bytes, in front of the on-disk store.
 *
 * Memory per embedding (float32): SAM / MobileSAM / EdgeSAM / EfficientSAM 256×64×64×4 = 4 MiB; SAM 2
 * 16 MiB (image_embed + high_res_feats_0 32×256×256 + high_res_feats_1 64×128×128); SAM-HQ 4 MiB + 64×64×C
 * interm slice = 16–24 MiB. The default budget of 256 MiB holds 64 SAM or 16 SAM 2 embeddings.
 */
import { ByteBudgetLru } from './byte-budget-lru'
import { assertEmbeddingKey, embeddingKeyString } from './disk-store'
import type { EmbeddingDiskStore, EmbeddingKey } from './disk-store'
import type { Embedding } from '../variants/types'

export const DEFAULT_EMBEDDING_MEMORY_BUDGET = 256 * 1024 * 1024

export type EmbeddingSource = 'memory' | 'disk'

export interface EmbeddingCacheOptions {
  readonly memoryBudgetBytes?: number
  /** On-disk store, or null for memory only. */
  readonly disk?: EmbeddingDiskStore | null
}

export class EmbeddingCache {
  private readonly memory: ByteBudgetLru<string, Embedding>
  private readonly disk: EmbeddingDiskStore | null

  constructor(options: EmbeddingCacheOptions = {}) {
    this.memory = new ByteBudgetLru(options.memoryBudgetBytes ?? DEFAULT_EMBEDDING_MEMORY_BUDGET, (e) => e.byteSize)
    this.disk = options.disk ?? null
  }

  get memoryBytes(): number {
    return this.memory.bytes
  }

  get memoryCount(): number {
    return this.memory.size
  }

  /** Keys held in memory, least recently used first ("modelHash/imageHash"). */
  memoryKeys(): string[] {
    return this.memory.keys()
  }

  /**
   * From memory, else from disk (then kept in memory too), else null. A disk that cannot be read (permissions,
   * I/O errors) counts as a miss: the caller recomputes.
   */
  async get(key: EmbeddingKey): Promise<{ embedding: Embedding; source: EmbeddingSource } | null> {
    assertEmbeddingKey(key)
    const id = embeddingKeyString(key)
    const hit = this.memory.get(id)
    if (hit) return { embedding: hit, source: 'memory' }
    let stored: Embedding | null = null
    if (this.disk) {
      try {
        stored = await this.disk.read(key)
      } catch {
        stored = null
      }
    }
    if (!stored) return null
    this.memory.set(id, stored)
    return { embedding: stored, source: 'disk' }
  }

  /**
   * Keeps the embedding in memory and, with a disk store, writes it through (awaited). A failed disk write
   * (full disk, read-only folder) does not fail the caller: the embedding stays in memory and the reason is
   * returned.
   */
  async put(key: EmbeddingKey, embedding: Embedding): Promise<{ persisted: boolean; diskError?: string }> {
    assertEmbeddingKey(key)
    this.memory.set(embeddingKeyString(key), embedding)
    if (!this.disk) return { persisted: false }
    try {
      await this.disk.write(key, embedding)
      return { persisted: true }
    } catch (error) {
      return { persisted: false, diskError: error instanceof Error ? error.message : String(error) }
    }
  }

  /** The cached embedding, or `compute()`'s result, stored on the way. */
  async getOrCompute(
    key: EmbeddingKey,
    compute: () => Promise<Embedding>,
  ): Promise<{ embedding: Embedding; source: EmbeddingSource | 'computed'; diskError?: string }> {
    const cached = await this.get(key)
    if (cached) return cached
    const embedding = await compute()
    const { diskError } = await this.put(key, embedding)
    return diskError === undefined ? { embedding, source: 'computed' } : { embedding, source: 'computed', diskError }
  }

  forgetMemory(): void {
    this.memory.clear()
  }
}
