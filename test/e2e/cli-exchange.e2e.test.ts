/**
 * The built `tessera` CLI's export and import: a bundle exported from one project and imported into
 * a second project of the same image folder gives the same masks; an SA-1B export passes
 * `tessera inspect`; a bundle with one changed byte is refused with its specific reason.
 */
import { execFile } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { promisify } from 'node:util'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import yauzl from 'yauzl'
import { ZipFile } from 'yazl'
import { Backend } from '../../src-main/core/app/backend'
import { generateScene } from '../../src-main/core/demo/synthetic-scene'
import { compressRle, encodeMask } from '../../src-main/core/masks'
import { MaskRepository, type NewMask } from '../../src-main/core/project/mask-repository'
import { ProjectSession } from '../../src-main/core/project/project-session'
import { testBackendOptions } from '../support/test-backend'

const run = promisify(execFile)
const CLI = resolve('bin/tessera.mjs')
const WIDTH = 240
const HEIGHT = 180
let dir: string
let sourceDir: string
let targetDir: string

interface CliResult {
  stdout: string
  stderr: string
  code: number
}

async function tessera(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, TESSERA_USER: 'cli-test' } })
    return { stdout, stderr, code: 0 }
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: number }
    return { stdout: failure.stdout ?? '', stderr: failure.stderr ?? '', code: failure.code ?? 1 }
  }
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>
}

/** A filled rectangle as a compressed RLE at the images' annotation size. */
function rectangle(x0: number, y0: number, w: number, h: number) {
  const mask = new Uint8Array(WIDTH * HEIGHT)
  for (let x = x0; x < x0 + w; x++) for (let y = y0; y < y0 + h; y++) mask[y * WIDTH + x] = 1
  return compressRle(encodeMask(mask, HEIGHT, WIDTH))
}

/** Every mask of a project as content hash + state + RLE, sorted (ids differ between projects). */
function masksOf(projectDir: string): string[] {
  const session = ProjectSession.open(projectDir, () => undefined)
  try {
    const rows = session.db
      .prepare(
        'SELECT i.content_hash AS hash, m.state AS state, m.area AS area, m.rle_counts AS rle FROM masks m JOIN images i ON i.id = m.image_id',
      )
      .all() as { hash: string; state: string; area: number; rle: string }[]
    return rows.map((row) => `${row.hash} ${row.state} ${row.area} ${row.rle}`).sort()
  } finally {
    void session.close()
  }
}

/** Rewrites a zip with one byte of `entryName` changed (same names, same order). */
async function tamper(source: string, target: string, entryName: RegExp): Promise<string> {
  const entries: { name: string; data: Buffer }[] = []
  await new Promise<void>((resolveRead, reject) => {
    yauzl.open(source, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError)
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => chunks.push(chunk))
          stream.on('end', () => {
            entries.push({ name: entry.fileName, data: Buffer.concat(chunks) })
            zip.readEntry()
          })
          stream.on('error', reject)
        })
      })
      zip.on('end', () => resolveRead())
      zip.on('error', reject)
      zip.readEntry()
    })
  })
  const victim = entries.find((entry) => entryName.test(entry.name))
  if (!victim) throw new Error(`no entry matches ${String(entryName)}`)
  // A digit of the JSON changed to another digit: still valid JSON, different bytes.
  const at = victim.data.findIndex((byte) => byte >= 0x30 && byte <= 0x39)
  victim.data[at] = victim.data[at] === 0x31 ? 0x32 : 0x31
  const zip = new ZipFile()
  for (const entry of entries) zip.addBuffer(entry.data, entry.name)
  zip.end()
  const out = createWriteStream(target)
  zip.outputStream.pipe(out)
  await finished(out)
  return victim.name
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-exchange-'))
  const images = join(dir, 'images')
  await mkdir(images)
  for (const index of [0, 1, 2]) {
    const scene = generateScene(700 + index, WIDTH, HEIGHT, 4)
    await writeFile(
      join(images, `scene-${index}.png`),
      await sharp(scene.rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
        .png()
        .toBuffer(),
    )
  }
  const backend = new Backend(testBackendOptions({ dataDir: join(dir, 'data'), transport: 'web-shell', version: 'test' }))
  for (const name of ['Source', 'Target']) {
    const project = await backend.call('projects:create', { name, imageRoot: images })
    const session = backend.currentProject!
    await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
    if (name === 'Source') sourceDir = project.projectDir
    else targetDir = project.projectDir
  }
  await backend.close()

  const session = ProjectSession.open(sourceDir, () => undefined)
  try {
    const rows = session.images.all()
    expect(rows).toHaveLength(3)
    const masks: NewMask[] = rows.flatMap((row, index) => [
      {
        imageId: row.id,
        rle: rectangle(10 + index * 5, 20, 40, 30),
        source: 'manual',
        state: 'accepted',
        actor: 'cli-test',
        pointCoords: [[30 + index * 5, 35]],
      },
      {
        imageId: row.id,
        rle: rectangle(100, 60 + index * 7, 60, 50),
        source: 'auto',
        state: 'auto_accepted',
        predictedIou: 0.93,
        stabilityScore: 0.96,
        actor: 'cli-test',
      },
    ])
    new MaskRepository(session.db).insertMany(masks)
  } finally {
    await session.close()
  }
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('tessera export / import', () => {
  it('moves a project’s masks to another project through a bundle', async () => {
    const bundle = join(dir, 'source.zip')
    const exported = await tessera('export', sourceDir, '--format', 'bundle', '--out', bundle)
    expect(exported.code, exported.stderr).toBe(0)
    expect(lastJson(exported.stdout)).toMatchObject({ format: 'bundle', images: 3, masks: 6 })

    expect(masksOf(targetDir)).toEqual([])
    const imported = await tessera('import', targetDir, bundle)
    expect(imported.code, imported.stderr).toBe(0)
    expect(lastJson(imported.stdout)).toMatchObject({ bundles: 1, masksAdded: 6, unmatchedImages: 0 })
    expect(masksOf(targetDir)).toEqual(masksOf(sourceDir))

    // Importing it again adds nothing (the same masks are recognised).
    const again = await tessera('import', targetDir, bundle)
    expect(again.code, again.stderr).toBe(0)
    expect(lastJson(again.stdout)).toMatchObject({ masksAdded: 0 })
    expect(masksOf(targetDir)).toHaveLength(6)
  })

  it('writes SA-1B files that tessera inspect accepts, honouring the filters', async () => {
    const out = join(dir, 'sa1b')
    const exported = await tessera('export', sourceDir, '--format', 'sa1b', '--out', out, '--states', 'accepted')
    expect(exported.code, exported.stderr).toBe(0)
    expect(lastJson(exported.stdout)).toMatchObject({ format: 'sa1b', images: 3, masks: 3 })
    const files = (await readdir(out)).filter((name) => name.endsWith('.json')).map((name) => join(out, name))
    expect(files).toHaveLength(3)
    const inspected = await tessera('inspect', ...files)
    expect(inspected.code, `${inspected.stdout}${inspected.stderr}`).toBe(0)

    const original = await tessera(
      'export',
      sourceDir,
      '--format',
      'coco',
      '--out',
      join(dir, 'coco.json'),
      '--frame',
      'original',
      '--min-area',
      '2000',
    )
    expect(original.code, original.stderr).toBe(0)
    expect(lastJson(original.stdout)).toMatchObject({ format: 'coco', masks: 3 })
    expect((await tessera('inspect', join(dir, 'coco.json'))).code).toBe(0)

    // The target exists now: refused with its reason, nothing overwritten.
    const twice = await tessera('export', sourceDir, '--format', 'sa1b', '--out', out)
    expect(twice.code).toBe(1)
    expect(twice.stderr).toMatch(/target_exists/)
  })

  it('refuses a bundle with one changed byte, naming the reason', async () => {
    const bundle = join(dir, 'tamper-source.zip')
    expect((await tessera('export', sourceDir, '--format', 'bundle', '--out', bundle)).code).toBe(0)
    const tampered = join(dir, 'tampered.zip')
    const entry = await tamper(bundle, tampered, /^sa1b\//)
    const before = masksOf(targetDir)
    const result = await tessera('import', targetDir, tampered)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/checksum_mismatch/)
    expect(result.stderr).toContain(entry)
    expect(masksOf(targetDir)).toEqual(before)
  })

  it('imports several files of mixed kinds all or nothing: one bad file imports none and is named', async () => {
    // A fresh project of the same images, a good bundle, a good SA-1B file and a broken JSON file.
    const backend = new Backend(testBackendOptions({ dataDir: join(dir, 'data-mixed'), transport: 'web-shell', version: 'test' }))
    const project = await backend.call('projects:create', { name: 'Mixed', imageRoot: join(dir, 'images') })
    const created = backend.currentProject!
    await Promise.all(created.jobs.list().map((job) => created.jobs.wait(job.id)))
    await backend.close()
    const bundle = join(dir, 'mixed.zip')
    expect((await tessera('export', sourceDir, '--format', 'bundle', '--out', bundle)).code).toBe(0)
    const sa1bDir = join(dir, 'mixed-sa1b')
    expect((await tessera('export', sourceDir, '--format', 'sa1b', '--out', sa1bDir, '--states', 'accepted')).code).toBe(0)
    const sa1bFile = join(sa1bDir, (await readdir(sa1bDir)).find((name) => name.endsWith('.json')) as string)
    const broken = join(dir, 'broken.json')
    await writeFile(broken, '{"annotations": [')

    const refused = await tessera('import', project.projectDir, bundle, sa1bFile, broken)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/malformed_json/)
    expect(refused.stderr).toContain(broken)
    expect(masksOf(project.projectDir)).toEqual([])

    const imported = await tessera('import', project.projectDir, bundle, sa1bFile)
    expect(imported.code, imported.stderr).toBe(0)
    // The SA-1B file's masks are the bundle's pixels again, stored once more as imported proposals.
    expect(lastJson(imported.stdout)).toMatchObject({ bundles: 1, files: 1, masksAdded: 7 })
    expect(masksOf(project.projectDir)).toHaveLength(7)
  })

  it('reports usage errors with exit code 2', async () => {
    const result = await tessera('export', sourceDir, '--format', 'yaml', '--out', join(dir, 'x'))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/unknown format "yaml"/)
  })
})
