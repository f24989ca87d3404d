/**
 * Import and rescan of a project's image folder: list files, hash what may have changed, apply
 * moves/missing in one transaction, then decode new and changed files (annotation copy +
 * thumbnail into the content-addressed cache) and insert them as they finish, so a cancelled or
 * killed import keeps every finished image and a re-run resumes where it stopped.
 */
import { createReadStream, existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join, resolve, sep } from 'node:path'
import type { ScanSummary } from '../../../src-preload/contract/dto'
import { writeFileAtomic } from '../app/atomic-write'
import type { ProjectPaths } from '../app/app-paths'
import type { ProjectDb } from '../project/database'
import { ImageRepository, SYSTEM_ACTOR, type ImageRow } from '../project/image-repository'
import { scanImageFolder, type ScannedFile } from './folder-scan'
import { ImageDecodeError, processImageFile, type ProcessedImage } from './image-pipeline'
import { filesNeedingHash, planRescan, type HashedFile, type KnownImage } from './rescan-plan'

export interface ImportOptions {
  imageRoot: string
  annotationMaxSide: number
  paths: ProjectPaths
  signal?: AbortSignal
  /** Files processed so far and in all; called often, so keep it cheap. */
  onProgress?: (done: number, total: number) => void
  /** Decodes run at once; sharp uses its own thread pool below this. */
  concurrency?: number
}

export function thumbnailPath(paths: ProjectPaths, contentHash: string): string {
  return join(paths.thumbnails, `${contentHash}.jpg`)
}

export function annotationCopyPath(paths: Pick<ProjectPaths, 'annotationCopies'>, contentHash: string): string {
  return join(paths.annotationCopies, `${contentHash}.jpg`)
}

async function hashFile(absPath: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(absPath)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function writeCache(paths: ProjectPaths, image: ProcessedImage): Promise<void> {
  await Promise.all([
    writeFileAtomic(thumbnailPath(paths, image.contentHash), image.thumbnailJpeg),
    writeFileAtomic(annotationCopyPath(paths, image.contentHash), image.annotationJpeg),
  ])
}

function toKnown(row: ImageRow): KnownImage {
  return {
    id: row.id,
    relPath: row.rel_path,
    contentHash: row.content_hash,
    fileSize: row.file_size,
    fileMtimeMs: row.file_mtime_ms,
    missing: row.missing === 1,
  }
}

/**
 * Runs `task` over `items` with at most `limit` in flight, stopping early when aborted or when a
 * task fails. Settles only after every started task has finished, so no write of this import
 * lands after its job has been reported cancelled or failed.
 */
async function forEachLimited<T>(items: readonly T[], limit: number, signal: AbortSignal | undefined, task: (item: T) => Promise<void>) {
  let next = 0
  let failure: { error: unknown } | null = null
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failure) {
      try {
        signal?.throwIfAborted()
        const item = items[next++] as T
        await task(item)
      } catch (error) {
        failure ??= { error }
      }
    }
  })
  await Promise.all(lanes)
  if (failure) throw (failure as { error: unknown }).error
}

export async function importImageFolder(db: ProjectDb, options: ImportOptions): Promise<ScanSummary> {
  const { paths, signal } = options
  const repository = new ImageRepository(db)
  // A project folder below its own image folder (say the home folder was picked as image root and
  // the data folder is not hidden): its cache must never come back as images, rescan after rescan.
  const ownFolder = resolve(paths.projectDir) + sep
  const files = (await scanImageFolder(options.imageRoot, signal)).filter((file) => !resolve(file.absPath).startsWith(ownFolder))
  const absByPath = new Map<string, ScannedFile>(files.map((file) => [file.relPath, file]))
  const known = repository.all().map(toKnown)
  const knownById = new Map(known.map((image) => [image.id, image]))
  await mkdir(paths.thumbnails, { recursive: true })
  await mkdir(paths.annotationCopies, { recursive: true })

  // Phase 1: hash what may have changed (reading is cheap next to decoding).
  const toHash = filesNeedingHash(known, files)
  const hashes = new Map<string, string>()
  const failed = new Map<string, string>()
  let done = 0
  let total = toHash.length
  options.onProgress?.(0, total)
  await forEachLimited(toHash, 4, signal, async (file) => {
    try {
      hashes.set(file.relPath, await hashFile(join(options.imageRoot, file.relPath)))
    } catch (error) {
      failed.set(file.relPath, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    options.onProgress?.(++done, total)
  })
  const readable = files.filter((file) => !failed.has(file.relPath))
  const plan = planRescan(known, readable, hashes)

  // Phase 2: moves, missing and restored files in one transaction (no decoding needed).
  const now = new Date().toISOString()
  const cacheMissing = (file: HashedFile) =>
    !existsSync(thumbnailPath(paths, file.contentHash)) || !existsSync(annotationCopyPath(paths, file.contentHash))
  // Rows that stay behind (missing) give up a path that a moved or new file now takes, e.g. after
  // `mv b.jpg a.jpg`: rel_path is UNIQUE.
  const decided = new Set([...plan.unchanged, ...plan.moved, ...plan.changed].map((entry) => entry.id))
  const takenPaths = new Set([...plan.moved.map((move) => move.file.relPath), ...plan.added.map((file) => file.relPath)])
  const displaced = known.filter((image) => !decided.has(image.id) && takenPaths.has(image.relPath))
  db.transaction(() => {
    for (const image of displaced) repository.parkPath(image.id)
    for (const move of plan.moved) repository.parkPath(move.id)
    for (const move of plan.moved) {
      repository.move(move.id, move.file.relPath, move.file.size, move.file.mtimeMs, now)
      repository.recordEvent({
        at: now,
        actor: SYSTEM_ACTOR,
        kind: 'image:moved',
        entityId: move.id,
        before: { relPath: move.fromPath },
        after: { relPath: move.file.relPath },
      })
    }
    for (const entry of [...plan.moved, ...plan.unchanged]) repository.clearIssue(entry.file.relPath) // e.g. a former duplicate
    for (const entry of plan.unchanged) {
      const row = knownById.get(entry.id)
      if (entry.restored || row?.fileSize !== entry.file.size || row.fileMtimeMs !== entry.file.mtimeMs) {
        repository.touch(entry.id, entry.file.size, entry.file.mtimeMs, now)
      }
      if (entry.restored) repository.recordEvent({ at: now, actor: SYSTEM_ACTOR, kind: 'image:restored', entityId: entry.id })
    }
    for (const id of plan.missing) {
      repository.setMissing(id, true, now)
      repository.recordEvent({ at: now, actor: SYSTEM_ACTOR, kind: 'image:missing', entityId: id })
    }
    for (const duplicate of plan.duplicates) {
      repository.putIssue(duplicate.file.relPath, `same content as ${duplicate.ofPath} (not imported twice)`, now)
    }
  })()

  // Phase 3: decode new and changed files, plus known files whose cache was deleted.
  const refresh = [...plan.unchanged, ...plan.moved].filter((entry) => cacheMissing(entry.file))
  type DecodeTask =
    { kind: 'added'; file: HashedFile } | { kind: 'changed'; id: number; file: HashedFile } | { kind: 'refresh'; file: HashedFile }
  const tasks: DecodeTask[] = [
    ...plan.added.map((file) => ({ kind: 'added' as const, file })),
    ...plan.changed.map((entry) => ({ kind: 'changed' as const, id: entry.id, file: entry.file })),
    ...refresh.map((entry) => ({ kind: 'refresh' as const, file: entry.file })),
  ]
  done = 0
  total = tasks.length
  options.onProgress?.(0, total)
  const summary: ScanSummary = {
    added: 0,
    moved: plan.moved.length,
    changed: 0,
    missing: plan.missing.length,
    restored: plan.unchanged.filter((entry) => entry.restored).length,
    unchanged: plan.unchanged.length,
    failed: failed.size,
    duplicates: plan.duplicates.length,
  }
  for (const [relPath, reason] of failed) repository.putIssue(relPath, reason, now)

  await forEachLimited(tasks, options.concurrency ?? 2, signal, async (task) => {
    const absPath = absByPath.get(task.file.relPath)?.absPath ?? join(options.imageRoot, task.file.relPath)
    const at = new Date().toISOString()
    try {
      const image = await processImageFile(absPath, options.annotationMaxSide)
      await writeCache(paths, image)
      const content = {
        contentHash: image.contentHash,
        fileSize: task.file.size,
        fileMtimeMs: task.file.mtimeMs,
        width: image.width,
        height: image.height,
        orientation: image.orientation,
        annotationWidth: image.annotationWidth,
        annotationHeight: image.annotationHeight,
      }
      db.transaction(() => {
        if (task.kind === 'added') {
          repository.insert({ ...content, relPath: task.file.relPath }, at)
          summary.added++
        } else if (task.kind === 'changed') {
          const before = repository.get(task.id)
          repository.replaceContent(task.id, content, at)
          repository.recordEvent({
            at,
            actor: SYSTEM_ACTOR,
            kind: 'image:changed',
            entityId: task.id,
            before: { contentHash: before?.content_hash },
            after: { contentHash: image.contentHash },
          })
          summary.changed++
        }
        repository.clearIssue(task.file.relPath)
      })()
    } catch (error) {
      if (!(error instanceof ImageDecodeError)) throw error
      db.transaction(() => {
        repository.putIssue(task.file.relPath, error.reason, at)
        if (task.kind === 'changed') repository.setMissing(task.id, true, at)
      })()
      summary.failed++
    }
    options.onProgress?.(++done, total)
  })

  // Issues for files that are gone or now import cleanly are stale.
  const present = new Set(files.map((file) => file.relPath))
  db.transaction(() => {
    for (const issue of repository.issues()) {
      if (!present.has(issue.relPath)) repository.clearIssue(issue.relPath)
    }
    repository.recordEvent({ at: new Date().toISOString(), actor: SYSTEM_ACTOR, kind: 'images:scanned', entityId: null, after: summary })
  })()
  return summary
}
