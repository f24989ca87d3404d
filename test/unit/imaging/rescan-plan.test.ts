import { describe, expect, it } from 'vitest'
import { filesNeedingHash, planRescan, type KnownImage, type ListedFile, type RescanPlan } from '../../../src-main/core/imaging/rescan-plan'

/** Size and mtime follow the content here, so "same size and mtime" means "same content". */
function row(id: number, relPath: string, contentHash: string, missing = false): KnownImage {
  return { id, relPath, contentHash, fileSize: contentHash.length * 100, fileMtimeMs: 1000, missing }
}

function file(relPath: string, contentHash: string): ListedFile & { contentHash: string } {
  return { relPath, size: contentHash.length * 100, mtimeMs: 1000, contentHash }
}

/** Plans as the import does: hashes only for the files filesNeedingHash asks for. */
function plan(known: KnownImage[], files: (ListedFile & { contentHash: string })[]): RescanPlan {
  const listed = files.map(({ relPath, size, mtimeMs }) => ({ relPath, size, mtimeMs }))
  const needed = new Set(filesNeedingHash(known, listed).map((f) => f.relPath))
  const hashes = new Map(files.filter((f) => needed.has(f.relPath)).map((f) => [f.relPath, f.contentHash]))
  return planRescan(known, listed, hashes)
}

/** A compact, order-independent view of a plan for exact comparisons. */
function outline(p: RescanPlan) {
  return {
    unchanged: p.unchanged.map((u) => `${u.id}@${u.file.relPath}${u.restored ? ' restored' : ''}`).sort(),
    moved: p.moved.map((m) => `${m.id}:${m.fromPath}->${m.file.relPath}`).sort(),
    changed: p.changed.map((c) => `${c.id}@${c.file.relPath}=${c.file.contentHash}`).sort(),
    added: p.added.map((f) => `${f.relPath}=${f.contentHash}`).sort(),
    duplicates: p.duplicates.map((d) => `${d.file.relPath}~${d.ofPath}`).sort(),
    missing: [...p.missing].sort((a, b) => a - b),
  }
}

const EMPTY = { unchanged: [], moved: [], changed: [], added: [], duplicates: [], missing: [] }

describe('filesNeedingHash', () => {
  it('skips files at a known path with the same size and mtime, hashes the rest', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HB')]
    const files: ListedFile[] = [
      { relPath: 'a.jpg', size: 200, mtimeMs: 1000 }, // same: trusted
      { relPath: 'b.jpg', size: 200, mtimeMs: 2000 }, // touched
      { relPath: 'c.jpg', size: 200, mtimeMs: 1000 }, // new path
    ]
    expect(filesNeedingHash(known, files).map((f) => f.relPath)).toEqual(['b.jpg', 'c.jpg'])
    expect(filesNeedingHash(known, [{ relPath: 'a.jpg', size: 201, mtimeMs: 1000 }]).map((f) => f.relPath)).toEqual(['a.jpg'])
  })
})

describe('planRescan', () => {
  it('adds every file of a first import, sorted as listed', () => {
    expect(outline(plan([], [file('a.jpg', 'HA'), file('sub/b.png', 'HB')]))).toEqual({ ...EMPTY, added: ['a.jpg=HA', 'sub/b.png=HB'] })
  })

  it('leaves an untouched folder unchanged without needing any hash', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HB')]
    const listed = [file('a.jpg', 'HA'), file('b.jpg', 'HB')].map(({ relPath, size, mtimeMs }) => ({ relPath, size, mtimeMs }))
    expect(outline(planRescan(known, listed, new Map()))).toEqual({ ...EMPTY, unchanged: ['1@a.jpg', '2@b.jpg'] })
  })

  it('follows a renamed file and a file moved into a subfolder', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HB'), row(3, 'c.jpg', 'HC')]
    const p = plan(known, [file('renamed.jpg', 'HA'), file('deep/er/b.jpg', 'HB'), file('c.jpg', 'HC')])
    expect(outline(p)).toEqual({ ...EMPTY, unchanged: ['3@c.jpg'], moved: ['1:a.jpg->renamed.jpg', '2:b.jpg->deep/er/b.jpg'] })
  })

  it('swaps the rows of two files whose names were swapped', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HBB')] // different sizes, so both are re-hashed
    const p = plan(known, [file('a.jpg', 'HBB'), file('b.jpg', 'HA')])
    expect(outline(p)).toEqual({ ...EMPTY, moved: ['1:a.jpg->b.jpg', '2:b.jpg->a.jpg'] })
  })

  it('swaps two files of equal size and mtime when given their hashes', () => {
    const known = [row(1, 'a.jpg', 'H1'), row(2, 'b.jpg', 'H2')]
    const listed = [file('a.jpg', 'H2'), file('b.jpg', 'H1')]
    // equal size and mtime means filesNeedingHash trusts them; a forced full hash still swaps.
    const hashes = new Map(listed.map((f) => [f.relPath, f.contentHash]))
    expect(outline(planRescan(known, listed, hashes))).toEqual({ ...EMPTY, moved: ['1:a.jpg->b.jpg', '2:b.jpg->a.jpg'] })
  })

  it('rotates three names', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HBB'), row(3, 'c.jpg', 'HCCC')]
    const p = plan(known, [file('a.jpg', 'HCCC'), file('b.jpg', 'HA'), file('c.jpg', 'HBB')])
    expect(outline(p)).toEqual({ ...EMPTY, moved: ['1:a.jpg->b.jpg', '2:b.jpg->c.jpg', '3:c.jpg->a.jpg'] })
  })

  it('keeps the row of a file whose content changed in place', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HB')]
    const p = plan(known, [file('a.jpg', 'HA-edited'), file('b.jpg', 'HB')])
    expect(outline(p)).toEqual({ ...EMPTY, unchanged: ['2@b.jpg'], changed: ['1@a.jpg=HA-edited'] })
  })

  it('reports copies of known content as duplicates of the known path', () => {
    const known = [row(1, 'a.jpg', 'HA')]
    const p = plan(known, [file('a.jpg', 'HA'), file('backup/a copy.jpg', 'HA')])
    expect(outline(p)).toEqual({ ...EMPTY, unchanged: ['1@a.jpg'], duplicates: ['backup/a copy.jpg~a.jpg'] })
  })

  it('adds the first of several new identical files and reports the others', () => {
    const p = plan([], [file('x/1.jpg', 'HN'), file('x/2.jpg', 'HN'), file('x/3.jpg', 'HN')])
    expect(outline(p)).toEqual({ ...EMPTY, added: ['x/1.jpg=HN'], duplicates: ['x/2.jpg~x/1.jpg', 'x/3.jpg~x/1.jpg'] })
  })

  it('reports a duplicate of a moved file against its new path', () => {
    const known = [row(1, 'a.jpg', 'HA')]
    const p = plan(known, [file('new/a.jpg', 'HA'), file('zz-copy.jpg', 'HA')])
    expect(outline(p)).toEqual({ ...EMPTY, moved: ['1:a.jpg->new/a.jpg'], duplicates: ['zz-copy.jpg~new/a.jpg'] })
  })

  it('prefers a path no row owns when content appears in several places', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HBB')]
    // b.jpg was overwritten with a's content and a.jpg was renamed to c.jpg.
    const p = plan(known, [file('b.jpg', 'HA'), file('c.jpg', 'HA')])
    expect(outline(p)).toEqual({ ...EMPTY, moved: ['1:a.jpg->c.jpg'], duplicates: ['b.jpg~c.jpg'], missing: [2] })
  })

  it('marks rows missing once, and restores them when their file returns', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HB', true), row(3, 'c.jpg', 'HC', true)]
    const p = plan(known, [file('c.jpg', 'HC')])
    // 1 newly missing; 2 was already missing (not reported again); 3 is back.
    expect(outline(p)).toEqual({ ...EMPTY, unchanged: ['3@c.jpg restored'], missing: [1] })
  })

  it('restores a missing row whose file came back under another name', () => {
    const p = plan([row(1, 'a.jpg', 'HA', true)], [file('found/a.jpg', 'HA')])
    expect(outline(p)).toEqual({ ...EMPTY, moved: ['1:a.jpg->found/a.jpg'] })
  })

  it('moves a row onto the path of a deleted file (mv b.jpg a.jpg)', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HBB')]
    const p = plan(known, [file('a.jpg', 'HBB')])
    expect(outline(p)).toEqual({ ...EMPTY, moved: ['2:b.jpg->a.jpg'], missing: [1] })
  })

  it('does not give the same new content to two rows changed in place', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HB')]
    // Both files were overwritten with the same new picture.
    const p = plan(known, [file('a.jpg', 'HNEW'), file('b.jpg', 'HNEW')])
    expect(outline(p)).toEqual({ ...EMPTY, changed: ['1@a.jpg=HNEW'], duplicates: ['b.jpg~a.jpg'], missing: [2] })
  })

  it('does not treat content owned by another row as a change in place', () => {
    const known = [row(1, 'a.jpg', 'HA'), row(2, 'b.jpg', 'HBB')]
    // a.jpg now holds a copy of b.jpg; a's own content is gone.
    const p = plan(known, [file('a.jpg', 'HBB'), file('b.jpg', 'HBB')])
    expect(outline(p)).toEqual({ ...EMPTY, unchanged: ['2@b.jpg'], duplicates: ['a.jpg~b.jpg'], missing: [1] })
  })

  it('adds new content at the old path of a row that moved away', () => {
    const known = [row(1, 'a.jpg', 'HA')]
    const p = plan(known, [file('a.jpg', 'HNEW'), file('b.jpg', 'HA')])
    expect(outline(p)).toEqual({ ...EMPTY, moved: ['1:a.jpg->b.jpg'], added: ['a.jpg=HNEW'] })
  })

  it('throws when a file at an unknown path comes without a hash', () => {
    expect(() => planRescan([], [{ relPath: 'n.jpg', size: 1, mtimeMs: 1 }], new Map())).toThrow(/no hash for new file n.jpg/)
  })
})
