import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { homedir, platform } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../src-preload/contract/errors'
import { defaultDataDir, projectPaths } from '../../../src-main/core/app/app-paths'
import { writeFileAtomic } from '../../../src-main/core/app/atomic-write'
import { toErrorPayload } from '../../../src-main/core/app/error-payload'
import { RecentProjects } from '../../../src-main/core/app/recent-projects'
import { rendererCsp } from '../../../src-main/core/app/renderer-csp'
import { makeTempDir } from '../../support/make-images'

describe('app support', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeEach(async () => {
    ;({ dir, cleanup } = await makeTempDir('app'))
  })
  afterEach(async () => cleanup())

  it('toErrorPayload keeps AppErrors, names a full disk and hides nothing else', () => {
    expect(toErrorPayload(new AppError('folder_missing', 'gone'))).toEqual({ code: 'folder_missing', message: 'gone' })
    expect(toErrorPayload(new Error('SQLITE_FULL: database or disk is full')).code).toBe('disk_full')
    expect(toErrorPayload(new Error("ENOSPC: no space left on device, write '/x'")).code).toBe('disk_full')
    expect(toErrorPayload(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' })
    expect(toErrorPayload('a string')).toEqual({ code: 'internal', message: 'a string' })
  })

  it('writeFileAtomic replaces a file whole and leaves no temporary files', async () => {
    const file = join(dir, 'state.json')
    await writeFileAtomic(file, 'one')
    await writeFileAtomic(file, new Uint8Array([116, 119, 111]))
    expect(await readFile(file, 'utf8')).toBe('two')
    expect(await readdir(dir)).toEqual(['state.json'])
    await expect(writeFileAtomic(join(dir, 'no-such-folder', 'x'), 'x')).rejects.toThrow(/ENOENT/)
    expect(await readdir(dir)).toEqual(['state.json'])
  })

  it('RecentProjects keeps the 20 most recent, newest first, without repeats', async () => {
    const recent = new RecentProjects(join(dir, 'data'))
    expect(await recent.list()).toEqual([])
    for (let n = 1; n <= 22; n++) await recent.remember({ projectDir: join(dir, `p${n}`), name: `P${n}`, imageRoot: '/img' })
    await recent.remember({ projectDir: join(dir, 'p5'), name: 'P5 renamed', imageRoot: '/img' })
    const list = await recent.list()
    expect(list).toHaveLength(20)
    expect(list.slice(0, 3).map((r) => r.name)).toEqual(['P5 renamed', 'P22', 'P21'])
    expect(list.filter((r) => r.projectDir === join(dir, 'p5'))).toHaveLength(1)
    expect(list.some((r) => r.name === 'P1' || r.name === 'P2')).toBe(false)
    expect(list.every((r) => r.available === false)).toBe(true) // none has a project.sqlite

    await mkdir(join(dir, 'p22'))
    await writeFile(join(dir, 'p22', 'project.sqlite'), '')
    expect((await recent.list()).find((r) => r.name === 'P22')?.available).toBe(true)
  })

  it('projectPaths keeps the database and cache inside the project folder', () => {
    expect(projectPaths('/data/projects/x')).toEqual({
      projectDir: '/data/projects/x',
      database: join('/data/projects/x', 'project.sqlite'),
      thumbnails: join('/data/projects/x', 'cache', 'thumbs'),
      annotationCopies: join('/data/projects/x', 'cache', 'annotation'),
    })
  })

  it('defaultDataDir prefers TESSERA_HOME, else the platform folder', () => {
    expect(defaultDataDir({ TESSERA_HOME: '/custom' })).toBe('/custom')
    if (platform() === 'linux') {
      expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' })).toBe(join('/xdg', 'tessera'))
      expect(defaultDataDir({})).toBe(join(homedir(), '.local', 'share', 'tessera'))
    } else {
      expect(defaultDataDir({})).toContain('Tessera')
    }
  })

  it('rendererCsp forbids remote hosts, inline scripts and framing', () => {
    const csp = rendererCsp(['ws://127.0.0.1:1234'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe/)
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:1234")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(rendererCsp([])).toContain("connect-src 'self';")
  })
})
