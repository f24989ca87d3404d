/**
 * The built `tessera` CLI: proposals for a project split in two shards (as a Slurm array or a
 * Kubernetes indexed Job would run them), shard files merged back by content hash, a killed-and-rerun
 * shard that resumes from its file, and the direct (no shard file) mode with a preset.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Backend } from '../../src-main/core/app/backend'
import { generateScene } from '../../src-main/core/demo/synthetic-scene'
import { ProjectSession } from '../../src-main/core/project/project-session'
import { testBackendOptions } from '../support/test-backend'

const run = promisify(execFile)
const CLI = resolve('bin/tessera.mjs')
let dir: string
let projectDir: string

async function tessera(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, TESSERA_USER: 'cli-test' } })
    return { stdout, code: 0 }
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: number }
    return { stdout: `${failure.stdout ?? ''}${failure.stderr ?? ''}`, code: failure.code ?? 1 }
  }
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>
}

function maskCounts(): Map<string, number> {
  const session = ProjectSession.open(projectDir, () => undefined)
  try {
    const rows = session.db
      .prepare(
        "SELECT i.rel_path AS path, count(m.id) AS n FROM images i LEFT JOIN masks m ON m.image_id = i.id AND m.source = 'auto' GROUP BY i.id",
      )
      .all() as { path: string; n: number }[]
    return new Map(rows.map((row) => [row.path, row.n]))
  } finally {
    void session.close()
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'))
  const images = join(dir, 'images')
  await mkdir(images)
  for (const index of [0, 1, 2, 3]) {
    const scene = generateScene(900 + index, 240, 180, 4)
    await writeFile(
      join(images, `scene-${index}.png`),
      await sharp(scene.rgb, { raw: { width: 240, height: 180, channels: 3 } })
        .png()
        .toBuffer(),
    )
  }
  const backend = new Backend(testBackendOptions({ dataDir: join(dir, 'data'), transport: 'web-shell', version: 'test' }))
  const project = await backend.call('projects:create', { name: 'CLI', imageRoot: images })
  const session = backend.currentProject!
  await Promise.all(session.jobs.list().map((job) => session.jobs.wait(job.id)))
  projectDir = project.projectDir
  await backend.close()
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('tessera propose', () => {
  it('splits the project into shards whose files merge back into the project', async () => {
    const files = [join(dir, 'shard-0.jsonl'), join(dir, 'shard-1.jsonl')]
    const results = await Promise.all(
      files.map((out, index) => tessera('propose', projectDir, '--points-per-side', '6', '--shard', `${index}/2`, '--out', out)),
    )
    for (const result of results) expect(result.code, result.stdout).toBe(0)
    const lines = await Promise.all(files.map(async (file) => (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean)))
    expect(lines[0]!.length + lines[1]!.length).toBe(4) // every image in exactly one shard
    expect([...maskCounts().values()].every((n) => n === 0)).toBe(true) // shard files do not touch the project

    const again = await tessera('propose', projectDir, '--points-per-side', '6', '--shard', '0/2', '--out', files[0]!)
    expect(lastJson(again.stdout)).toMatchObject({ images: 0, skipped: lines[0]!.length }) // resumes from its file

    const merged = await tessera('merge-proposals', projectDir, ...files)
    expect(merged.code, merged.stdout).toBe(0)
    expect(lastJson(merged.stdout)).toMatchObject({ images: 4, unknownImages: 0 })
    expect([...maskCounts().values()].every((n) => n > 0)).toBe(true)
  })

  it('refuses a shard that does not exist and an unknown preset', async () => {
    const bad = await tessera('propose', projectDir, '--shard', '2/2', '--out', join(dir, 'x.jsonl'))
    expect(bad.code).not.toBe(0)
    expect(bad.stdout).toMatch(/i must be below n/)
    const unknown = await tessera('propose', projectDir, '--preset', 'best')
    expect(unknown.stdout).toMatch(/unknown preset "best"/)
  })

  it('proposes straight into the project with a preset', async () => {
    const result = await tessera('propose', projectDir, '--points-per-side', '6', '--preset', 'exploratory')
    expect(result.code, result.stdout).toBe(0)
    // The merged shards already made this run's proposals: every image is skipped, nothing is redone.
    expect(lastJson(result.stdout)).toMatchObject({ state: 'done', images: 0, skipped: 4 })
  })
})
