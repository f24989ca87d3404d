/**
 * Reconciling a folder listing with the images a project already knows. Pure: no I/O, so every
 * case (moves, swaps, renames, changed content, duplicates, missing files) is unit-tested.
 *
 * Identity follows content: a file whose bytes match a known image keeps that image's row (and
 * with it masks and history) wherever it moved to.
 */

export interface KnownImage {
  id: number
  relPath: string
  contentHash: string
  fileSize: number
  fileMtimeMs: number
  missing: boolean
}

export interface ListedFile {
  relPath: string
  size: number
  mtimeMs: number
}

export interface HashedFile extends ListedFile {
  contentHash: string
}

export interface RescanPlan {
  /** Same path, same content. `restored` when the row had been marked missing. */
  unchanged: { id: number; file: HashedFile; restored: boolean }[]
  /** Same content found at another path (moved or renamed): the row follows the file. */
  moved: { id: number; fromPath: string; file: HashedFile }[]
  /** Same path, other content: the row is kept and its content replaced (needs decoding). */
  changed: { id: number; file: HashedFile }[]
  /** Content never seen before (needs decoding). */
  added: HashedFile[]
  /** Second copies of content already in the project; reported, not imported. */
  duplicates: { file: HashedFile; ofPath: string }[]
  /** Rows whose content is nowhere in the folder any more (kept, marked missing). */
  missing: number[]
}

/**
 * Files whose hash must be computed: those not at a known path with the same size and mtime.
 * (Size + mtime equality is trusted as "unchanged", as git and rsync do.)
 */
export function filesNeedingHash(known: readonly KnownImage[], files: readonly ListedFile[]): ListedFile[] {
  const byPath = new Map(known.map((image) => [image.relPath, image]))
  return files.filter((file) => {
    const image = byPath.get(file.relPath)
    return !image || image.fileSize !== file.size || image.fileMtimeMs !== file.mtimeMs
  })
}

/**
 * Builds the plan. `hashes` must hold the content hash of every file returned by
 * `filesNeedingHash`; the others reuse their row's hash.
 */
export function planRescan(known: readonly KnownImage[], files: readonly ListedFile[], hashes: ReadonlyMap<string, string>): RescanPlan {
  const byPath = new Map(known.map((image) => [image.relPath, image]))
  const hashed: HashedFile[] = files.map((file) => {
    const computed = hashes.get(file.relPath)
    if (computed) return { ...file, contentHash: computed }
    const image = byPath.get(file.relPath)
    if (!image) throw new Error(`planRescan: no hash for new file ${file.relPath}`)
    return { ...file, contentHash: image.contentHash }
  })
  const fileByPath = new Map(hashed.map((file) => [file.relPath, file]))
  const filesByHash = new Map<string, HashedFile[]>()
  for (const file of hashed) {
    const list = filesByHash.get(file.contentHash)
    if (list) list.push(file)
    else filesByHash.set(file.contentHash, [file])
  }
  const rowByHash = new Map(known.map((image) => [image.contentHash, image]))
  const claimed = new Set<string>() // relPaths of files that a row has taken
  const settled = new Set<number>() // row ids with a decision

  const plan: RescanPlan = { unchanged: [], moved: [], changed: [], added: [], duplicates: [], missing: [] }

  // 1. Same path, same content.
  for (const image of known) {
    const file = fileByPath.get(image.relPath)
    if (file && file.contentHash === image.contentHash) {
      plan.unchanged.push({ id: image.id, file, restored: image.missing })
      claimed.add(file.relPath)
      settled.add(image.id)
    }
  }
  // 2. Same content elsewhere: moved. Prefer a file at a path no known row owns (a true rename).
  for (const image of known) {
    if (settled.has(image.id)) continue
    const candidates = (filesByHash.get(image.contentHash) ?? []).filter((file) => !claimed.has(file.relPath))
    const file = candidates.find((candidate) => !byPath.has(candidate.relPath)) ?? candidates[0]
    if (file) {
      plan.moved.push({ id: image.id, fromPath: image.relPath, file })
      claimed.add(file.relPath)
      settled.add(image.id)
    }
  }
  // 3. Same path, new content that no other row owns: changed in place. Content hashes are
  // unique per project, so when several rows were overwritten with the same new picture only the
  // first takes it; the others go missing and their files are reported as duplicates.
  const changedHashes = new Set<string>()
  for (const image of known) {
    if (settled.has(image.id)) continue
    const file = fileByPath.get(image.relPath)
    if (file && !claimed.has(file.relPath) && !rowByHash.has(file.contentHash) && !changedHashes.has(file.contentHash)) {
      plan.changed.push({ id: image.id, file })
      claimed.add(file.relPath)
      settled.add(image.id)
      changedHashes.add(file.contentHash)
    }
  }
  // 4. Rows left over: their content is gone.
  for (const image of known) {
    if (!settled.has(image.id) && !image.missing) plan.missing.push(image.id)
  }
  // 5. Unclaimed files: new content, or a copy of content the project already has.
  const firstPathOfHash = new Map<string, string>()
  for (const image of known) firstPathOfHash.set(image.contentHash, image.relPath)
  for (const entry of [...plan.moved, ...plan.unchanged]) firstPathOfHash.set(entry.file.contentHash, entry.file.relPath)
  for (const entry of plan.changed) firstPathOfHash.set(entry.file.contentHash, entry.file.relPath)
  for (const file of hashed) {
    if (claimed.has(file.relPath)) continue
    const ofPath = firstPathOfHash.get(file.contentHash)
    if (ofPath !== undefined) plan.duplicates.push({ file, ofPath })
    else {
      plan.added.push(file)
      firstPathOfHash.set(file.contentHash, file.relPath)
    }
  }
  return plan
}
