/**
 * Importing a Tessera bundle (bundle-format.ts) into a project.
 *
 * 1. The zip's central directory is checked whole (safe-zip.ts: names, duplicates, sizes, ratios).
 * 2. The manifest is read and checked: format, version (unknown versions are refused before the
 *    rest is interpreted), shape, and that its entry list and the zip's entries are the same set.
 * 3. Every entry is streamed once: its SHA-256 and size are compared with the manifest, SA-1B
 *    documents are parsed, validated, matched to project images (content hash first, then relative
 *    path with the same original size) and converted to the project's annotation frame, events are
 *    parsed line by line — all into a temporary stage (import-stage.ts), never into the project.
 * 4. Only when everything verified is the stage applied, in one transaction, with the merge rules
 *    of import-stage.ts. Any error before leaves the project exactly as it was.
 */
import { isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { ProjectDb } from '../project/database'
import type { ImageRow } from '../project/image-repository'
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BundleEvent,
  BundleManifest,
  COCO_ENTRY,
  DEFAULT_BUNDLE_LIMITS,
  MANIFEST_ENTRY,
  SA1B_ENTRY_PATTERN,
  Sa1bDocumentSchema,
  entryKind,
  type BundleLimits,
} from './bundle-format'
import { annotationFrame, documentFrame, frameMismatch, frameOnlyImage, sameFrame, stageAnnotations } from './annotation-convert'
import { ExchangeError, throwIfAborted } from './exchange-error'
import { ImportStage, commitStage, type ImportCounts, type PreparedImport } from './import-stage'
import { SafeZipReader } from './safe-zip'
import { ModelVariant } from '../../../src-preload/contract/dto'

export interface BundleImportOptions {
  /** Who imports (actor of the import's own events). */
  actor: string
  /** Lower limits for tests or untrusted sources; defaults DEFAULT_BUNDLE_LIMITS. */
  limits?: Partial<BundleLimits>
  signal?: AbortSignal
  /** Entries verified so far and in all (+1 for the final commit). */
  onProgress?: (done: number, total: number) => void
}

export interface UnmatchedImage {
  relPath: string
  contentHash: string
  reason: string
}

export interface BundleImportResult extends ImportCounts {
  manifest: BundleManifest
  matchedByHash: number
  matchedByPath: number
  /** Images of the bundle whose masks were resampled to this project's annotation size. */
  resampledImages: number
  unmatched: { count: number; examples: UnmatchedImage[] }
}

const MAX_EXAMPLES = 100
const EVENT_BATCH = 500
/** SA-1B documents read ahead of the one being checked (memory: this many documents). */
const READ_AHEAD = 8

const IMAGE_COLUMNS =
  'id, content_hash, rel_path, file_size, file_mtime_ms, width, height, orientation, annotation_width, annotation_height, status, missing'

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new ExchangeError('malformed_json', `${what} is not valid JSON (${(error as Error).message}).`)
  }
}

function decodeUtf8(buffer: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer)
  } catch {
    throw new ExchangeError('malformed_json', `${what} is not UTF-8 text.`)
  }
}

function limitsOf(options: { limits?: Partial<BundleLimits> }): BundleLimits {
  return { ...DEFAULT_BUNDLE_LIMITS, ...options.limits }
}

/** Reads and checks manifest.json: format, then version, then shape, then model variants. */
async function readManifest(reader: SafeZipReader, limits: BundleLimits): Promise<BundleManifest> {
  if (!reader.entries.has(MANIFEST_ENTRY)) throw new ExchangeError('missing_manifest', `${reader.path} has no ${MANIFEST_ENTRY}.`)
  const raw = parseJson(decodeUtf8(await reader.readBuffer(MANIFEST_ENTRY, limits.maxJsonEntryBytes), MANIFEST_ENTRY), MANIFEST_ENTRY)
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}
  if (record.format !== BUNDLE_FORMAT)
    throw new ExchangeError('not_a_bundle', `${reader.path} is not a Tessera bundle (format ${JSON.stringify(record.format)}).`)
  if (record.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new ExchangeError(
      'unknown_format_version',
      `${reader.path} is bundle format version ${JSON.stringify(record.formatVersion)}; this Tessera reads version ${BUNDLE_FORMAT_VERSION}. ` +
        'Update Tessera to import it.',
    )
  }
  const parsed = BundleManifest.safeParse(raw)
  if (!parsed.success)
    throw new ExchangeError(
      'bad_manifest',
      `${MANIFEST_ENTRY} is not a valid manifest: ${parsed.error.issues[0]?.message ?? ''} at ${parsed.error.issues[0]?.path.join('.') ?? ''}.`,
    )
  for (const model of parsed.data.models) {
    if (!ModelVariant.safeParse(model.variant).success)
      throw new ExchangeError('bad_manifest', `Model ${model.name} has an unknown variant ${model.variant}.`)
  }
  return parsed.data
}

/** The manifest's entry list and the zip's entries must be the same set, with the same sizes. */
function checkEntrySets(reader: SafeZipReader, manifest: BundleManifest): void {
  const listed = new Set<string>()
  let sa1bEntries = 0
  for (const entry of manifest.entries) {
    const kind = entryKind(entry.name)
    if (kind === null || kind === 'manifest')
      throw new ExchangeError('bad_manifest', `The manifest lists an entry ${JSON.stringify(entry.name)} that bundles never contain.`)
    if (listed.has(entry.name)) throw new ExchangeError('bad_manifest', `The manifest lists ${entry.name} twice.`)
    listed.add(entry.name)
    if (kind === 'sa1b') sa1bEntries++
    const info = reader.entries.get(entry.name)
    if (!info) throw new ExchangeError('missing_entry', `The manifest lists ${entry.name} but the zip does not contain it.`)
    if (info.uncompressedSize !== entry.bytes) {
      throw new ExchangeError('checksum_mismatch', `${entry.name} is ${info.uncompressedSize} bytes but the manifest says ${entry.bytes}.`)
    }
  }
  for (const name of reader.entries.keys()) {
    if (name === MANIFEST_ENTRY || listed.has(name)) continue
    // Folder entries some zip tools add: harmless when empty.
    if (name.endsWith('/') && reader.entries.get(name)?.uncompressedSize === 0) continue
    throw new ExchangeError('unlisted_entry', `The zip contains ${JSON.stringify(name)}, which the manifest does not list.`)
  }
  if (sa1bEntries !== manifest.counts.images) {
    throw new ExchangeError(
      'bad_manifest',
      `The manifest counts ${manifest.counts.images} images but lists ${sa1bEntries} SA-1B documents.`,
    )
  }
}

function checkDigest(name: string, actual: string, expected: string): void {
  if (actual !== expected)
    throw new ExchangeError('checksum_mismatch', `${name} does not match the manifest's SHA-256 (it was changed or damaged).`)
}

/** SHA-256 of a stream; `signal` is checked before every chunk (coco.json and events.jsonl are the largest entries). */
async function hashStream(stream: Readable, signal: AbortSignal | undefined, onChunk?: (chunk: Buffer) => void): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of stream) {
      throwIfAborted(signal, 'The bundle import')
      hash.update(chunk as Buffer)
      onChunk?.(chunk as Buffer)
    }
  } finally {
    stream.destroy()
  }
  return hash.digest('hex')
}

/**
 * The event of a line in the common shape, without zod: what BundleEvent accepts for it (safe
 * integers, strings, a known entity; `before` and `after` as they are), or null to let the schema
 * decide (and word the error). Every value this accepts BundleEvent accepts with the same fields.
 */
export function plainBundleEvent(value: unknown): BundleEvent | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const line = value as Record<string, unknown>
  const { id, at, actor, kind, entity, entity_id: entityId } = line
  if (!Number.isSafeInteger(id) || typeof at !== 'string' || typeof actor !== 'string' || typeof kind !== 'string') return null
  if (entity !== 'mask' && entity !== 'image') return null
  if (entityId !== null && !Number.isSafeInteger(entityId)) return null
  const event: BundleEvent = { id: id as number, at, actor, kind, entity, entity_id: entityId as number | null }
  if (line.before !== undefined) event.before = line.before
  if (line.after !== undefined) event.after = line.after
  return event
}

/** Splits a byte stream into lines (UTF-8), failing on a line longer than `maxLineBytes`. */
class LineSplitter {
  private parts: Buffer[] = []
  private partBytes = 0
  line = 0

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (text: string, line: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0
    for (;;) {
      const newline = chunk.indexOf(0x0a, start)
      const end = newline < 0 ? chunk.length : newline
      this.partBytes += end - start
      if (this.partBytes > this.maxLineBytes) {
        throw new ExchangeError('malformed_json', `Line ${this.line + 1} of the event log is longer than ${this.maxLineBytes} bytes.`)
      }
      this.parts.push(chunk.subarray(start, end))
      if (newline < 0) return
      this.emit()
      start = newline + 1
    }
  }

  end(): void {
    if (this.partBytes > 0) this.emit()
  }

  private emit(): void {
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts)
    // isUtf8 is one native pass; a fatal TextDecoder per line costs several times more.
    const text = isUtf8(bytes) ? bytes.toString('utf8') : decodeUtf8(bytes, `Line ${this.line + 1} of the event log`)
    this.parts = []
    this.partBytes = 0
    this.line++
    if (text.trim().length > 0) this.onLine(text, this.line)
  }
}

/** Checks a bundle completely (structure, manifest, every checksum and document) without importing. */
export async function verifyBundle(path: string, options: Omit<BundleImportOptions, 'actor'> = {}): Promise<BundleManifest> {
  const { manifest, stage } = await stageBundle(null, path, options)
  await stage.dispose()
  return manifest
}

interface StagedBundle {
  /** The stage holding what was read; the caller disposes it. */
  stage: ImportStage
  manifest: BundleManifest
  matchedByHash: number
  matchedByPath: number
  resampledImages: number
  unmatched: { count: number; examples: UnmatchedImage[] }
}

/**
 * Steps 1–3, into a stage on `db`'s connection; with `db` null, every document is validated but
 * nothing is matched or staged (the events go to a private stage that is thrown away).
 */
async function stageBundle(db: ProjectDb | null, path: string, options: Omit<BundleImportOptions, 'actor'>): Promise<StagedBundle> {
  const limits = limitsOf(options)
  const reader = await SafeZipReader.open(path, limits)
  let stage: ImportStage | null = null
  try {
    const manifest = await readManifest(reader, limits)
    checkEntrySets(reader, manifest)
    stage = ImportStage.create(db, { bundleProjectId: manifest.projectId })
    const byHash = db?.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE content_hash = ?`)
    const byPath = db?.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE rel_path = ?`)
    const result: StagedBundle = {
      stage,
      manifest,
      matchedByHash: 0,
      matchedByPath: 0,
      resampledImages: 0,
      unmatched: { count: 0, examples: [] },
    }
    const total = manifest.entries.length + 1
    let done = 0
    options.onProgress?.(0, total)
    // SA-1B documents are read and inflated a few ahead (file reads and zlib on the thread pool)
    // while this thread checks the current one; they are still taken, and fail, in manifest order.
    const documents = manifest.entries.filter((entry) => entryKind(entry.name) === 'sa1b').map((entry) => entry.name)
    const ahead = new Map<string, Promise<Buffer>>()
    let nextDocument = 0
    const readAhead = () => {
      while (nextDocument < documents.length && ahead.size < READ_AHEAD) {
        const name = documents[nextDocument++] as string
        const read = reader.readBuffer(name, limits.maxJsonEntryBytes)
        read.catch(() => undefined)
        ahead.set(name, read)
      }
    }
    // coco.json (the same masks as sa1b/, checksum only) is hashed alongside: its reads and inflate
    // overlap the documents' checks. Its result is taken at its place in the manifest's order.
    const cocoStream = manifest.entries.some((entry) => entry.name === COCO_ENTRY) ? await reader.openStream(COCO_ENTRY) : null
    const cocoDigest = cocoStream ? hashStream(cocoStream, options.signal) : null
    cocoDigest?.catch(() => undefined)
    try {
      for (const entry of manifest.entries) {
        throwIfAborted(options.signal, 'The bundle import')
        const kind = entryKind(entry.name)
        if (kind === 'sa1b') {
          readAhead()
          const buffer = await (ahead.get(entry.name) ?? reader.readBuffer(entry.name, limits.maxJsonEntryBytes))
          ahead.delete(entry.name)
          readAhead()
          checkDigest(entry.name, createHash('sha256').update(buffer).digest('hex'), entry.sha256)
          const parsed = Sa1bDocumentSchema.safeParse(parseJson(decodeUtf8(buffer, entry.name), entry.name))
          if (!parsed.success) {
            const issue = parsed.error.issues[0]
            throw new ExchangeError(
              'bad_annotation',
              `${entry.name} is not an SA-1B document: ${issue?.message ?? ''} at ${issue?.path.join('.') ?? ''}.`,
            )
          }
          const document = parsed.data
          const provenance = document.tessera
          const imageId = Number(SA1B_ENTRY_PATTERN.exec(entry.name)?.[1])
          if (!provenance || provenance.frame !== 'annotation' || document.image.image_id !== imageId) {
            throw new ExchangeError(
              'bad_annotation',
              `${entry.name} lacks the image provenance of a bundle document (or names another image).`,
            )
          }
          let target = byHash?.get(provenance.content_hash) as ImageRow | undefined
          if (target) result.matchedByHash++
          else {
            const candidate = byPath?.get(provenance.rel_path) as ImageRow | undefined
            if (candidate && candidate.width === provenance.original_width && candidate.height === provenance.original_height) {
              target = candidate
              result.matchedByPath++
            }
          }
          const fileFrame = documentFrame(document)
          const mismatch = target ? frameMismatch(fileFrame, annotationFrame(target)) : null
          if (!target || mismatch) {
            // Still validated: a bad mask refuses the bundle even when its image is not here.
            stageAnnotations(document.annotations, fileFrame, frameOnlyImage(fileFrame), { kind: 'bundle' }, entry.name)
            result.unmatched.count++
            if (result.unmatched.examples.length < MAX_EXAMPLES) {
              result.unmatched.examples.push({
                relPath: provenance.rel_path,
                contentHash: provenance.content_hash,
                reason: mismatch ?? 'no image with this content (or this path and size) in the project',
              })
            }
          } else {
            const masks = stageAnnotations(document.annotations, fileFrame, target, { kind: 'bundle' }, entry.name)
            if (!sameFrame(fileFrame, annotationFrame(target))) result.resampledImages++
            result.stage.addImage(
              {
                targetImageId: target.id,
                sourceImageId: imageId,
                label: entry.name,
                status: { status: provenance.status, at: provenance.status_at },
              },
              masks,
            )
          }
        } else if (kind === 'events') {
          let batch: BundleEvent[] = []
          // A bad line is reported after the checksum, so a tampered file reads as tampered.
          let lineError: ExchangeError | null = null
          const splitter = new LineSplitter(limits.maxLineBytes, (text, line) => {
            if (lineError) return
            try {
              const value = parseJson(text, `Line ${line} of ${entry.name}`)
              const event = plainBundleEvent(value)
              if (event) batch.push(event)
              else {
                const parsed = BundleEvent.safeParse(value)
                if (!parsed.success) throw new ExchangeError('bad_annotation', `Line ${line} of ${entry.name} is not a Tessera event.`)
                batch.push(parsed.data)
              }
            } catch (error) {
              if (!(error instanceof ExchangeError)) throw error
              lineError = error
              return
            }
            if (batch.length >= EVENT_BATCH) {
              result.stage.addEvents(batch)
              batch = []
            }
          })
          const digest = await hashStream(await reader.openStream(entry.name), options.signal, (chunk) => splitter.push(chunk))
          checkDigest(entry.name, digest, entry.sha256)
          splitter.end()
          if (lineError) throw lineError as ExchangeError
          result.stage.addEvents(batch)
        } else if (entry.name === COCO_ENTRY && cocoDigest) {
          checkDigest(entry.name, await cocoDigest, entry.sha256)
        } else {
          // Image files: checksums only.
          checkDigest(entry.name, await hashStream(await reader.openStream(entry.name), options.signal), entry.sha256)
        }
        options.onProgress?.(++done, total)
      }
    } finally {
      cocoStream?.destroy()
    }
    throwIfAborted(options.signal, 'The bundle import')
    return result
  } catch (error) {
    await stage?.dispose()
    throw error
  } finally {
    // A reader that fails to close fails the import: its stage goes with it.
    await reader.close().catch(async (error: unknown) => {
      await stage?.dispose()
      throw error
    })
  }
}

/**
 * Verifies the whole bundle, then imports it in one transaction (see the module comment and the
 * merge rules in import-stage.ts). Throws ExchangeError with a specific reason, and changes nothing,
 * when anything about the bundle is wrong.
 */
export async function importBundle(db: ProjectDb, path: string, options: BundleImportOptions): Promise<BundleImportResult> {
  const prepared = await prepareBundleImport(db, path, options)
  try {
    return prepared.commit()
  } finally {
    await prepared.dispose()
  }
}

/** Steps 1–3 of a bundle import (everything but the commit). Throws, and stages nothing, when the bundle is bad. */
export async function prepareBundleImport(
  db: ProjectDb,
  path: string,
  options: BundleImportOptions,
): Promise<PreparedImport<BundleImportResult>> {
  const staged = await stageBundle(db, path, options)
  const { manifest, stage } = staged
  try {
    throwIfAborted(options.signal, 'The bundle import')
    return {
      commit: () => {
        const counts = commitStage(db, stage, {
          actor: options.actor,
          dedup: 'origin',
          models: manifest.models,
          summary: {
            kind: 'bundle:imported',
            after: {
              projectId: manifest.projectId,
              projectName: manifest.projectName,
              exporter: manifest.exporter,
              createdAt: manifest.createdAt,
              unmatchedImages: staged.unmatched.count,
            },
          },
        })
        const total = manifest.entries.length + 1
        options.onProgress?.(total, total)
        return {
          ...counts,
          manifest,
          matchedByHash: staged.matchedByHash,
          matchedByPath: staged.matchedByPath,
          resampledImages: staged.resampledImages,
          unmatched: staged.unmatched,
        }
      },
      dispose: () => stage.dispose(),
    }
  } catch (error) {
    await stage.dispose()
    throw error
  }
}
