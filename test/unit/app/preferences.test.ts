/**
 * Who is working: the preference store (validation, atomic write, a damaged file), its precedence
 * over the environment in the backend and the CLI, and the backend recording the new name on events
 * written after a change, including those of controllers made before it.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AnyTesseraEvent } from '../../../src-preload/contract/events'
import { AppError } from '../../../src-preload/contract/errors'
import { personNameProblem } from '../../../src-preload/contract/dto'
import { Backend } from '../../../src-main/core/app/backend'
import { environmentName, PREFERENCES_FILE, PreferenceStore } from '../../../src-main/core/app/preferences'
import { cliActor } from '../../../src-main/cli/cli-actor'
import { makeTempDir, writeJpegSeries } from '../../support/make-images'
import { testBackendOptions } from '../../support/test-backend'

let root = ''
let cleanup: () => Promise<void> = async () => {}

beforeEach(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('preferences'))
})
afterEach(async () => {
  vi.unstubAllEnvs()
  await cleanup()
})

async function invalidName(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(AppError)
  expect((error as AppError).code).toBe('invalid_name')
  return (error as AppError).message
}

describe('personNameProblem', () => {
  it('takes 1–64 characters after trimming, without control characters', () => {
    expect(personNameProblem('Ada Lovelace')).toBeNull()
    expect(personNameProblem('  Ada  ')).toBeNull()
    expect(personNameProblem('Zoë Ñúñez 李')).toBeNull()
    expect(personNameProblem('x'.repeat(64))).toBeNull()
    // 64 characters that are two UTF-16 units each still count as 64
    expect(personNameProblem('😀'.repeat(64))).toBeNull()
    expect(personNameProblem('')).toMatch(/Enter a name/)
    expect(personNameProblem('   \t ')).toMatch(/Enter a name/)
    expect(personNameProblem('x'.repeat(65))).toMatch(/at most 64 characters; this one has 65/)
    expect(personNameProblem('ada\nbob')).toMatch(/control characters/)
    expect(personNameProblem('ada\u0000')).toMatch(/control characters/)
    expect(personNameProblem('ada\u0085')).toMatch(/control characters/)
    // Invisible and direction characters, and the line and paragraph separators.
    expect(personNameProblem('ada\u202ebob')).toMatch(/invisible/)
    expect(personNameProblem('\u200b')).toMatch(/invisible/)
    expect(personNameProblem('ada\u2028bob')).toMatch(/invisible/)
    expect(personNameProblem('ada\u2029bob')).toMatch(/invisible/)
  })
})

describe('PreferenceStore', () => {
  it('has no saved name without a file, saves a trimmed name and reads it back in a new store', async () => {
    const store = new PreferenceStore(root)
    expect(store.savedName).toBeNull()
    expect(store.snapshot('ubuntu')).toEqual({ name: 'ubuntu', nameSource: 'environment', environmentName: 'ubuntu', identityAsked: false })
    await store.update({ name: '  Ada Lovelace ' })
    expect(store.savedName).toBe('Ada Lovelace')
    expect(new PreferenceStore(root).snapshot('ubuntu')).toEqual({
      name: 'Ada Lovelace',
      nameSource: 'saved',
      environmentName: 'ubuntu',
      identityAsked: true,
    })
    expect(JSON.parse(await readFile(join(root, PREFERENCES_FILE), 'utf8'))).toEqual({ name: 'Ada Lovelace', identityAsked: true })
  })

  it('refuses an invalid name with a specific error and keeps the saved one', async () => {
    const store = new PreferenceStore(root)
    await store.update({ name: 'Ada' })
    expect(await invalidName(store.update({ name: '   ' }))).toMatch(/Enter a name/)
    expect(await invalidName(store.update({ name: 'a'.repeat(65) }))).toMatch(/at most 64/)
    expect(await invalidName(store.update({ name: 'Ada\tL' }))).toMatch(/control characters/)
    expect(store.savedName).toBe('Ada')
    expect(new PreferenceStore(root).savedName).toBe('Ada')
  })

  it('forgets a saved name with null; records that the question was asked', async () => {
    const store = new PreferenceStore(root)
    await store.update({ identityAsked: true })
    expect(store.snapshot('user')).toMatchObject({ name: 'user', nameSource: 'environment', identityAsked: true })
    await store.update({ name: 'Ada' })
    await store.update({ name: null })
    expect(new PreferenceStore(root).snapshot('user')).toMatchObject({ name: 'user', nameSource: 'environment', identityAsked: true })
  })

  it('writes through a temporary name and a rename: a failed rename leaves no partial file and the old state', async () => {
    const store = new PreferenceStore(root)
    await store.update({ name: 'Ada' })
    expect(await readdir(root)).toEqual([PREFERENCES_FILE])
    // A folder in the file's place (with something in it) makes the rename fail.
    const dataDir = join(root, 'blocked')
    await mkdir(join(dataDir, PREFERENCES_FILE), { recursive: true })
    await writeFile(join(dataDir, PREFERENCES_FILE, 'keep'), 'x')
    const blocked = new PreferenceStore(dataDir, () => undefined)
    await expect(blocked.update({ name: 'Bob' })).rejects.toThrow()
    expect(await readdir(dataDir)).toEqual([PREFERENCES_FILE])
    expect(blocked.savedName).toBeNull()
  })

  it('reads a damaged file as no preference, warns once and leaves the file untouched', async () => {
    const file = join(root, PREFERENCES_FILE)
    for (const damaged of ['{"name": "Ada"', '["Ada"]', '{"name": 42}']) {
      await writeFile(file, damaged)
      const warn = vi.fn()
      const store = new PreferenceStore(root, warn)
      expect(store.savedName).toBeNull()
      expect(store.snapshot('ubuntu').name).toBe('ubuntu')
      expect(warn).toHaveBeenCalledTimes(1)
      expect(warn.mock.calls[0]?.[0]).toContain(file)
      expect(await readFile(file, 'utf8')).toBe(damaged)
    }
  })

  it('reads a folder or an outsized file in its place as no preference, with a warning, and says why a save fails there', async () => {
    const file = join(root, PREFERENCES_FILE)
    await writeFile(file, JSON.stringify({ name: 'Ada', padding: 'x'.repeat(70 * 1024) }))
    const big = vi.fn()
    expect(new PreferenceStore(root, big).savedName).toBeNull()
    expect(big).toHaveBeenCalledTimes(1)
    const folder = join(root, 'folder-in-the-way')
    await mkdir(join(folder, PREFERENCES_FILE), { recursive: true })
    const warn = vi.fn()
    const store = new PreferenceStore(folder, warn)
    expect(store.savedName).toBeNull()
    expect(warn).toHaveBeenCalledTimes(1)
    const error = await store.update({ name: 'Ada' }).then(
      () => null,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('permission_denied')
  })

  it('saves one change after the other: two at once keep both', async () => {
    const store = new PreferenceStore(root)
    await Promise.all([store.update({ name: 'Ada' }), store.update({ identityAsked: true })])
    const again = new PreferenceStore(root)
    expect(again.savedName).toBe('Ada')
    expect(again.identityAsked).toBe(true)
  })

  it('ignores a saved name that is not valid (edited by hand) with a warning', async () => {
    await writeFile(join(root, PREFERENCES_FILE), JSON.stringify({ name: 'a\nb' }))
    const warn = vi.fn()
    expect(new PreferenceStore(root, warn).savedName).toBeNull()
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it("keeps keys it does not know (a newer Tessera's) when saving", async () => {
    await writeFile(join(root, PREFERENCES_FILE), JSON.stringify({ name: 'Ada', theme: 'light' }))
    const store = new PreferenceStore(root)
    await store.update({ name: 'Bob' })
    expect(JSON.parse(await readFile(join(root, PREFERENCES_FILE), 'utf8'))).toEqual({ name: 'Bob', theme: 'light', identityAsked: true })
  })

  it('environmentName: TESSERA_USER, USER, USERNAME, then the fallback', () => {
    expect(environmentName({ TESSERA_USER: 't', USER: 'u', USERNAME: 'n' })).toBe('t')
    expect(environmentName({ USER: 'u', USERNAME: 'n' })).toBe('u')
    expect(environmentName({ USERNAME: 'n' })).toBe('n')
    expect(environmentName({})).toBe('annotator')
  })
})

describe('cliActor', () => {
  it('TESSERA_USER first, then the saved name of the same data folder, then USER, then tessera-cli', async () => {
    expect(cliActor({ USER: 'ubuntu' }, root)).toBe('ubuntu')
    expect(cliActor({}, root)).toBe('tessera-cli')
    await new PreferenceStore(root).update({ name: 'Ada' })
    expect(cliActor({ USER: 'ubuntu' }, root)).toBe('Ada')
    expect(cliActor({ TESSERA_USER: 'ci-bot', USER: 'ubuntu' }, root)).toBe('ci-bot')
    // The data folder is found as the app finds it: TESSERA_HOME.
    expect(cliActor({ TESSERA_HOME: root, USER: 'ubuntu' })).toBe('Ada')
  })
})

describe('Backend and who is working', () => {
  let backend: Backend | null = null
  afterEach(async () => {
    await backend?.close()
    backend = null
  })

  it('uses the environment until a name is saved, then the saved name, also in a new backend', async () => {
    vi.stubEnv('TESSERA_USER', 'ubuntu')
    const dataDir = join(root, 'data')
    backend = new Backend(testBackendOptions({ dataDir, transport: 'web-shell', version: 't' }))
    expect(await backend.call('preferences:get', {})).toEqual({
      name: 'ubuntu',
      nameSource: 'environment',
      environmentName: 'ubuntu',
      identityAsked: false,
    })
    const events: AnyTesseraEvent[] = []
    backend.subscribe((event) => events.push(event))
    const saved = await backend.call('preferences:set', { name: ' Ada ' })
    expect(saved).toEqual({ name: 'Ada', nameSource: 'saved', environmentName: 'ubuntu', identityAsked: true })
    expect(events).toEqual([{ name: 'preferences:changed', payload: saved }])
    expect(backend.actor).toBe('Ada')
    await backend.close()
    backend = new Backend(testBackendOptions({ dataDir, transport: 'web-shell', version: 't' }))
    expect(backend.actor).toBe('Ada')
  })

  it('refuses a bad name with invalid_name and an unknown key as an invalid request', async () => {
    backend = new Backend(testBackendOptions({ dataDir: join(root, 'data'), transport: 'web-shell', version: 't', actor: 'ada' }))
    expect(await invalidName(backend.call('preferences:set', { name: 'x'.repeat(65) }))).toMatch(/at most 64/)
    await expect(backend.invoke('preferences:set', { name: 'Ada', theme: 'light' })).rejects.toMatchObject({ code: 'invalid_request' })
    expect(backend.actor).toBe('ada')
    expect(existsSync(join(root, 'data', PREFERENCES_FILE))).toBe(false)
  })

  it('records the new name on events written after a rename, also by controllers made before it', async () => {
    const dataDir = join(root, 'data')
    const imageRoot = join(root, 'photos')
    await writeJpegSeries(imageRoot, 2)
    backend = new Backend(testBackendOptions({ dataDir, transport: 'web-shell', version: 't', actor: 'ubuntu' }))
    await backend.call('projects:create', { name: 'Renamed', imageRoot })
    const session = backend.currentProject!
    for (const job of session.jobs.list()) await session.jobs.wait(job.id)
    const [first, second] = (await backend.call('images:list', { offset: 0, limit: 10 })).items
    if (!first || !second) throw new Error('expected two images')
    const { presets } = await backend.call('proposals:triage', {})
    const [presetA, presetB] = presets
    if (!presetA || !presetB) throw new Error('expected presets')

    await backend.call('images:setStatus', { imageId: first.id, status: 'done', reason: 'blank frame' })
    await backend.call('proposals:setTriage', { settings: presetA })
    await backend.call('preferences:set', { name: 'Ada Lovelace' })
    await backend.call('images:setStatus', { imageId: second.id, status: 'done', reason: 'blank frame' })
    await backend.call('proposals:setTriage', { settings: presetB })

    const rows = session.db
      .prepare("SELECT actor, kind, entity_id FROM events WHERE kind IN ('image:status', 'triage:changed') ORDER BY id")
      .all()
    expect(rows).toEqual([
      { actor: 'ubuntu', kind: 'image:status', entity_id: first.id },
      { actor: 'ubuntu', kind: 'triage:changed', entity_id: null },
      { actor: 'Ada Lovelace', kind: 'image:status', entity_id: second.id },
      { actor: 'Ada Lovelace', kind: 'triage:changed', entity_id: null },
    ])
  })
})
