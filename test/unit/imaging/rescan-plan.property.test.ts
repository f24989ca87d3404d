import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { filesNeedingHash, planRescan, type KnownImage, type ListedFile, type RescanPlan } from '../../../src-main/core/imaging/rescan-plan'

type Listed = ListedFile & { contentHash: string }

const PATHS = ['a.jpg', 'b.jpg', 'c.png', 'd.webp', 'sub/a.jpg', 'sub/e.tif', 'x/y/z.bmp', 'new.jpg']
const HASHES = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8']

/** Size follows content (as it does for real files, near enough); mtime is shared. */
const sizeOf = (hash: string) => 100 + HASHES.indexOf(hash)

const knownArb: fc.Arbitrary<KnownImage[]> = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom(...HASHES), fc.boolean()), {
    maxLength: 6,
    selector: ([path]) => path,
  })
  .filter((rows) => new Set(rows.map(([, hash]) => hash)).size === rows.length) // hashes unique, as in the table
  .map((rows) =>
    rows.map(([relPath, contentHash, missing], index) => ({
      id: index + 1,
      relPath,
      contentHash,
      fileSize: sizeOf(contentHash),
      fileMtimeMs: 5,
      missing,
    })),
  )

const filesArb: fc.Arbitrary<Listed[]> = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom(...HASHES)), { maxLength: 8, selector: ([path]) => path })
  .map((files) =>
    files
      .map(([relPath, contentHash]) => ({ relPath, size: sizeOf(contentHash), mtimeMs: 5, contentHash }))
      .sort((a, b) => (a.relPath < b.relPath ? -1 : 1)),
  )

function listed(files: Listed[]): ListedFile[] {
  return files.map(({ relPath, size, mtimeMs }) => ({ relPath, size, mtimeMs }))
}

/** Plans as the import does: only the files filesNeedingHash names get hashed. */
function planLikeImport(known: KnownImage[], files: Listed[]): RescanPlan {
  const needed = new Set(filesNeedingHash(known, listed(files)).map((f) => f.relPath))
  return planRescan(known, listed(files), new Map(files.filter((f) => needed.has(f.relPath)).map((f) => [f.relPath, f.contentHash])))
}

/** The project's rows after the plan is carried out, as the import does it (displaced rows parked). */
function apply(known: KnownImage[], p: RescanPlan): KnownImage[] {
  const rows = new Map(known.map((image) => [image.id, { ...image }]))
  for (const u of p.unchanged) Object.assign(rows.get(u.id) ?? {}, { missing: false, fileSize: u.file.size, fileMtimeMs: u.file.mtimeMs })
  for (const m of p.moved)
    Object.assign(rows.get(m.id) ?? {}, { relPath: m.file.relPath, missing: false, fileSize: m.file.size, fileMtimeMs: m.file.mtimeMs })
  for (const c of p.changed)
    Object.assign(rows.get(c.id) ?? {}, {
      contentHash: c.file.contentHash,
      missing: false,
      fileSize: c.file.size,
      fileMtimeMs: c.file.mtimeMs,
    })
  for (const id of p.missing) Object.assign(rows.get(id) ?? {}, { missing: true })
  const settled = new Set([...p.unchanged, ...p.moved, ...p.changed].map((e) => e.id))
  const taken = new Set([...p.moved.map((m) => m.file.relPath), ...p.added.map((f) => f.relPath)])
  for (const image of rows.values())
    if (!settled.has(image.id) && taken.has(image.relPath)) image.relPath = `/parked/${image.id}/${image.relPath}`
  let nextId = Math.max(0, ...known.map((k) => k.id)) + 1
  for (const f of p.added)
    rows.set(nextId, {
      id: nextId++,
      relPath: f.relPath,
      contentHash: f.contentHash,
      fileSize: f.size,
      fileMtimeMs: f.mtimeMs,
      missing: false,
    })
  return [...rows.values()]
}

describe('planRescan properties', () => {
  it('puts every file in exactly one bucket and decides each row at most once, consistently', () => {
    fc.assert(
      fc.property(knownArb, filesArb, (known, files) => {
        const p = planLikeImport(known, files)
        const bucketed = [
          ...p.unchanged.map((u) => u.file),
          ...p.moved.map((m) => m.file),
          ...p.changed.map((c) => c.file),
          ...p.added,
          ...p.duplicates.map((d) => d.file),
        ]
        expect(bucketed.map((f) => f.relPath).sort()).toEqual(files.map((f) => f.relPath).sort())
        for (const f of bucketed) expect(f.contentHash).toBe(files.find((g) => g.relPath === f.relPath)?.contentHash)

        const decided = [...p.unchanged.map((u) => u.id), ...p.moved.map((m) => m.id), ...p.changed.map((c) => c.id), ...p.missing]
        expect(new Set(decided).size).toBe(decided.length)
        const byId = new Map(known.map((k) => [k.id, k]))
        const fileHashes = new Set(files.map((f) => f.contentHash))
        const knownHashes = new Set(known.map((k) => k.contentHash))

        for (const u of p.unchanged) {
          const k = byId.get(u.id)
          expect(u.file.relPath).toBe(k?.relPath)
          expect(u.file.contentHash).toBe(k?.contentHash)
          expect(u.restored).toBe(k?.missing)
        }
        for (const m of p.moved) {
          expect(m.file.contentHash).toBe(byId.get(m.id)?.contentHash)
          expect(m.fromPath).toBe(byId.get(m.id)?.relPath)
        }
        for (const c of p.changed) {
          expect(c.file.relPath).toBe(byId.get(c.id)?.relPath)
          expect(knownHashes.has(c.file.contentHash)).toBe(false)
        }
        for (const f of p.added) expect(knownHashes.has(f.contentHash)).toBe(false)
        for (const id of p.missing) {
          const k = byId.get(id)
          expect(k?.missing).toBe(false)
          expect(fileHashes.has(k?.contentHash ?? '')).toBe(false) // identity follows content
        }
        // A row whose content is anywhere in the folder keeps following it.
        for (const k of known) {
          if (!fileHashes.has(k.contentHash)) continue
          const entry = [...p.unchanged, ...p.moved].find((e) => e.id === k.id)
          expect(entry?.file.contentHash, `row ${k.id}`).toBe(k.contentHash)
        }
        // Rows not decided were already missing and found nothing.
        for (const k of known) if (!decided.includes(k.id)) expect(k.missing).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('leaves a project whose hashes and paths are unique, and a second scan finds nothing to do', () => {
    fc.assert(
      fc.property(knownArb, filesArb, (known, files) => {
        const p = planLikeImport(known, files)
        const after = apply(known, p)
        expect(new Set(after.map((r) => r.contentHash)).size).toBe(after.length)
        expect(new Set(after.map((r) => r.relPath)).size).toBe(after.length)
        for (const d of p.duplicates) {
          const owner = after.find((r) => r.contentHash === d.file.contentHash)
          expect(owner?.relPath).toBe(d.ofPath)
          expect(owner?.missing).toBe(false)
        }

        const again = planLikeImport(after, files)
        expect(again.moved).toEqual([])
        expect(again.changed).toEqual([])
        expect(again.added).toEqual([])
        expect(again.missing).toEqual([])
        expect(again.unchanged.every((u) => !u.restored)).toBe(true)
        expect(again.duplicates.map((d) => d.file.relPath).sort()).toEqual(p.duplicates.map((d) => d.file.relPath).sort())
      }),
      { numRuns: 500 },
    )
  })

  it('keeps every row with its content under any permutation of names', () => {
    const scenario = fc.uniqueArray(fc.constantFrom(...PATHS), { minLength: 1, maxLength: PATHS.length }).chain((paths) =>
      fc.record({
        paths: fc.constant(paths),
        // a new name for each file: a permutation of the old names plus unused ones
        renamed: fc
          .shuffledSubarray(PATHS, { minLength: paths.length, maxLength: paths.length })
          .chain((names) => fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length })),
      }),
    )
    fc.assert(
      fc.property(scenario, ({ paths, renamed }) => {
        const known = paths.map((relPath, i) => ({
          id: i + 1,
          relPath,
          contentHash: `c${i}`,
          fileSize: 100,
          fileMtimeMs: 5,
          missing: false,
        }))
        // Same size and mtime for every file: only the hashes tell them apart, so hash them all.
        const files = known.map((k, i) => ({ relPath: renamed[i] as string, size: 100, mtimeMs: 5, contentHash: k.contentHash }))
        const p = planRescan(known, listed(files), new Map(files.map((f) => [f.relPath, f.contentHash])))
        expect(p.added).toEqual([])
        expect(p.changed).toEqual([])
        expect(p.duplicates).toEqual([])
        expect(p.missing).toEqual([])
        for (const [i, k] of known.entries()) {
          const target = renamed[i] as string
          if (target === k.relPath) expect(p.unchanged.find((u) => u.id === k.id)?.file.relPath).toBe(target)
          else expect(p.moved.find((m) => m.id === k.id)?.file.relPath).toBe(target)
        }
        expect(p.unchanged.length + p.moved.length).toBe(known.length)
      }),
      { numRuns: 300 },
    )
  })

  it('plans the same whether every file is hashed or only those filesNeedingHash names', () => {
    fc.assert(
      fc.property(knownArb, filesArb, (known, files) => {
        const all = planRescan(known, listed(files), new Map(files.map((f) => [f.relPath, f.contentHash])))
        expect(planLikeImport(known, files)).toEqual(all)
      }),
      { numRuns: 300 },
    )
  })
})
