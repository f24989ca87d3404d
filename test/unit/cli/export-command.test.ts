/**
 * `tessera export`'s image choices and image files, run in-process on a project made from a real
 * folder: `--images` with ids, `--audit`, `--with-images` for SA-1B and COCO, and the errors.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { exportCommand } from '../../../src-main/cli/exchange-commands'
import { AuditStore } from '../../../src-main/core/audit/audit-store'
import { compressRle, encodeMask } from '../../../src-main/core/masks'
import { MaskRepository } from '../../../src-main/core/project/mask-repository'
import { ProjectSession } from '../../../src-main/core/project/project-session'

let dir: string
let projectDir: string
/** Image ids in file-name order (a-0.png, a-1.png, a-2.png, a-3.png). */
let ids: number[]
let auditId: number
let sample: number[]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-export-'))
  const images = join(dir, 'images')
  await mkdir(images)
  for (const index of [0, 1, 2, 3])
    await writeFile(
      join(images, `a-${index}.png`),
      await sharp({ create: { width: 320 + index, height: 240, channels: 3, background: { r: 40 * index, g: 90, b: 120 } } })
        .png()
        .toBuffer(),
    )
  projectDir = join(dir, 'project')
  const session = await ProjectSession.create({ projectDir, name: 'CLI', imageRoot: images, annotationMaxSide: 256 }, () => undefined)
  try {
    await session.jobs.wait(session.startImport().id)
    const rows = session.images.all().sort((a, b) => a.rel_path.localeCompare(b.rel_path))
    ids = rows.map((row) => row.id)
    new MaskRepository(session.db).insertMany(
      rows.map((row) => {
        const mask = new Uint8Array(row.annotation_width * row.annotation_height).fill(1, 0, row.annotation_width * 4)
        return {
          imageId: row.id,
          rle: compressRle(encodeMask(mask, row.annotation_height, row.annotation_width)),
          source: 'manual' as const,
          state: 'accepted' as const,
          actor: 'cli-test',
        }
      }),
    )
    session.db.prepare("UPDATE images SET status = 'done'").run()
    const audit = new AuditStore(session.db).draw({ fraction: 0.5, strata: [], seed: 'cli' }, 'rita')
    auditId = audit.id
    sample = session.db.prepare('SELECT image_id FROM audit_items WHERE audit_id = ? ORDER BY image_id').pluck().all(auditId) as number[]
  } finally {
    await session.close()
  }
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs `tessera export <project> …args`, collecting what it writes to stdout and stderr. */
async function tesseraExport(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  try {
    return { code: await exportCommand([projectDir, ...args]), stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

describe('tessera export: images', () => {
  it('exports the listed image ids as SA-1B with the original files beside their JSON', async () => {
    const out = join(dir, 'by-ids')
    const chosen = [ids[3], ids[1]] as number[]
    const result = await tesseraExport(
      '--format',
      'sa1b',
      '--out',
      out,
      '--images',
      chosen.join(','),
      '--frame',
      'original',
      '--with-images',
    )
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ images: 2, masks: 2 })
    expect((await readdir(out)).sort()).toEqual(['a-1.json', 'a-1.png', 'a-3.json', 'a-3.png'])
    expect(await readFile(join(out, 'a-3.png'))).toEqual(await readFile(join(dir, 'images', 'a-3.png')))
  })

  it('exports an audit’s sample as COCO with annotation-size images beside it', async () => {
    const folder = join(dir, 'by-audit')
    await mkdir(folder)
    const out = join(folder, 'instances.json')
    const result = await tesseraExport('--format', 'coco', '--out', out, '--audit', String(auditId), '--with-images')
    expect(result.code, result.stderr).toBe(0)
    const coco = JSON.parse(await readFile(out, 'utf8')) as { images: { id: number; file_name: string; width: number }[] }
    expect(coco.images.map((image) => image.id)).toEqual(sample)
    expect((await readdir(join(folder, 'images'))).sort()).toEqual(coco.images.map((image) => image.file_name).sort())
    expect(coco.images.every((image) => image.file_name.endsWith('.jpg') && image.width === 256)).toBe(true)
  })

  it('names an unknown audit or image id and writes nothing', async () => {
    const unknownAudit = await tesseraExport('--format', 'sa1b', '--out', join(dir, 'no-audit'), '--audit', '99')
    expect(unknownAudit.code).toBe(1)
    expect(unknownAudit.stderr).toMatch(/unknown_audit: There is no audit 99/)
    const unknownImage = await tesseraExport('--format', 'coco', '--out', join(dir, 'no-image.json'), '--images', `${ids[0]},4242`)
    expect(unknownImage.code).toBe(1)
    expect(unknownImage.stderr).toMatch(/unknown_image: .*4242/)
    expect((await readdir(dir)).filter((name) => name.startsWith('no-'))).toEqual([])
  })

  it('reports malformed image choices as usage errors', async () => {
    const both = await tesseraExport('--format', 'sa1b', '--out', join(dir, 'x'), '--images', 'done', '--audit', '1')
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/--images and --audit/)
    const badIds = await tesseraExport('--format', 'sa1b', '--out', join(dir, 'x'), '--images', '3,seven')
    expect(badIds.code).toBe(2)
    expect(badIds.stderr).toMatch(/--images expects done, all or image ids/)
  })
})
