/**
 * Embeddings on disk, one pair of files per (model hash, image content hash):
 *   <root>/<modelHash>/<imageHash>.f32   the tensors' raw float32 values, little-endian, concatenated
 *   <root>/<modelHash>/<imageHash>.json  a small header: variant, image size, tensor names/dims/offsets, sha256
 *
 * Each file is written under a temporary name and renamed into place, data first and header last, so a
 * reader sees a complete pair or none. Anything that does not check out (unparsable header, wrong size,
 * checksum mismatch, unknown version) is treated as a miss and deleted: the caller recomputes, never crashes.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { VARIANT_IDS } from '../variants/types'
import type { Embedding } from '../variants/types'

export const EMBEDDING_FILE_FORMAT = 'tessera-embedding'
export const EMBEDDING_FILE_VERSION = 1

export interface EmbeddingKey {
  /** Content hash of the image (hex or base64url). */
  readonly imageHash: string
  /** Hash identifying the encoder and its preprocessing. */
  readonly modelHash: string
}

const HASH_RE = /^[A-Za-z0-9_-]{8,128}$/

export function assertEmbeddingKey(key: EmbeddingKey): void {
  if (!HASH_RE.test(key.imageHash) || !HASH_RE.test(key.modelHash)) {
    throw new RangeError('embedding keys must be hashes of 8–128 characters [A-Za-z0-9_-]')
  }
}

export function embeddingKeyString(key: EmbeddingKey): string {
  return `${key.modelHash}/${key.imageHash}`
}

const headerSchema = z.object({
  format: z.literal(EMBEDDING_FILE_FORMAT),
  version: z.literal(EMBEDDING_FILE_VERSION),
  endianness: z.literal('little'),
  variant: z.enum(VARIANT_IDS),
  imageSize: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  tensors: z
    .array(
      z.object({
        name: z.string().min(1),
        dims: z.array(z.number().int().nonnegative()),
        /** Byte offset in the data file. */
        offset: z.number().int().nonnegative(),
        /** Number of float32 values. */
        length: z.number().int().nonnegative(),
      }),
    )
    .min(1),
  byteSize: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
})
type Header = z.infer<typeof headerSchema>

export type CorruptReason = 'header' | 'size' | 'checksum' | 'layout'

export class EmbeddingDiskStore {
  /** @param onCorrupt told about every cache pair found broken (and deleted). */
  constructor(
    readonly root: string,
    private readonly onCorrupt?: (key: EmbeddingKey, reason: CorruptReason, detail: string) => void,
  ) {}

  private paths(key: EmbeddingKey): { dir: string; data: string; header: string } {
    assertEmbeddingKey(key)
    const dir = join(this.root, key.modelHash)
    return { dir, data: join(dir, `${key.imageHash}.f32`), header: join(dir, `${key.imageHash}.json`) }
  }

  async write(key: EmbeddingKey, embedding: Embedding): Promise<void> {
    const { dir, data, header } = this.paths(key)
    await mkdir(dir, { recursive: true })
    const hash = createHash('sha256')
    const tensors: Header['tensors'] = []
    let offset = 0
    const chunks: Uint8Array[] = []
    for (const t of embedding.tensors) {
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
      hash.update(bytes)
      chunks.push(bytes)
      tensors.push({ name: t.name, dims: [...t.dims], offset, length: t.data.length })
      offset += bytes.byteLength
    }
    const head: Header = {
      format: EMBEDDING_FILE_FORMAT,
      version: EMBEDDING_FILE_VERSION,
      endianness: 'little',
      variant: embedding.variant,
      imageSize: { width: embedding.imageSize.width, height: embedding.imageSize.height },
      tensors,
      byteSize: offset,
      sha256: hash.digest('hex'),
    }
    await writeAtomically(data, chunks)
    await writeAtomically(header, [new TextEncoder().encode(JSON.stringify(head))])
  }

  /** The stored embedding, or null when there is none or it was broken (then it is deleted). */
  async read(key: EmbeddingKey): Promise<Embedding | null> {
    const { data, header } = this.paths(key)
    let headText: string
    try {
      headText = await readFile(header, 'utf8')
    } catch (error) {
      if (isMissing(error)) return null
      throw error
    }
    const corrupt = async (reason: CorruptReason, detail: string): Promise<null> => {
      this.onCorrupt?.(key, reason, detail)
      await this.delete(key)
      return null
    }
    let head: Header
    try {
      head = headerSchema.parse(JSON.parse(headText))
    } catch (error) {
      return corrupt('header', error instanceof Error ? error.message : String(error))
    }
    let bytes: Buffer
    try {
      bytes = await readFile(data)
    } catch (error) {
      if (isMissing(error)) return corrupt('size', 'the data file is missing')
      throw error
    }
    if (bytes.byteLength !== head.byteSize) return corrupt('size', `data file has ${bytes.byteLength} bytes, header says ${head.byteSize}`)
    if (createHash('sha256').update(bytes).digest('hex') !== head.sha256) return corrupt('checksum', 'data does not match its sha256')
    // Float32Array views need 4-byte alignment; a fresh copy is aligned.
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes)
    const tensors = []
    for (const t of head.tensors) {
      const count = t.dims.reduce((a, b) => a * b, 1)
      if (count !== t.length || t.offset % 4 !== 0 || t.offset + t.length * 4 > head.byteSize) {
        return corrupt('layout', `tensor ${t.name} does not fit the data file`)
      }
      tensors.push({ name: t.name, dims: t.dims, data: new Float32Array(aligned.buffer, aligned.byteOffset + t.offset, t.length) })
    }
    return { variant: head.variant, imageSize: head.imageSize, tensors, byteSize: head.byteSize }
  }

  async delete(key: EmbeddingKey): Promise<void> {
    const { data, header } = this.paths(key)
    // Header first, so a half-deleted pair reads as missing.
    await rm(header, { force: true })
    await rm(data, { force: true })
  }
}

async function writeAtomically(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temporary, chunks)
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT'
}
