/**
 * The person's preferences, kept per data folder in `preferences.json` beside `recent-projects.json`:
 * for now who is working, the name recorded as the actor on every event, commit, verdict and export.
 * The app and the CLI read the same file (the data folder is `defaultDataDir()` for both).
 */
import { readFileSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { personNameProblem, type Preferences } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import { writeFileAtomic } from './atomic-write'

export const PREFERENCES_FILE = 'preferences.json'
/** Larger than any preferences file Tessera writes by far. */
const MAX_PREFERENCES_BYTES = 64 * 1024

/** What the file holds. Unknown keys are kept, so a newer Tessera's settings survive an older one's save. */
const StoredPreferences = z.looseObject({
  name: z.string().optional(),
  identityAsked: z.boolean().optional(),
})
type StoredPreferences = z.infer<typeof StoredPreferences>

/**
 * The name the environment gives, as before there were preferences: TESSERA_USER, USER, USERNAME.
 * On shared and lab machines this is often "user" or "ubuntu": hence the saved name.
 */
export function environmentName(env: NodeJS.ProcessEnv = process.env, fallback = 'annotator'): string {
  return env.TESSERA_USER || env.USER || env.USERNAME || fallback
}

/** A name as it will be stored (trimmed), or AppError 'invalid_name' saying what is wrong with it. */
export function validPersonName(name: string): string {
  const problem = personNameProblem(name)
  if (problem) throw new AppError('invalid_name', problem)
  return name.trim()
}

export class PreferenceStore {
  readonly file: string
  private stored: StoredPreferences

  /**
   * Reads the file once (synchronously: a few bytes, before the first request needs the name). A
   * missing file is no preference; an unreadable or malformed one is no preference too, with a warning,
   * and is left as it is (it is only replaced when the person saves).
   */
  constructor(
    dataDir: string,
    private readonly warn: (message: string) => void = (message) => console.warn(message),
  ) {
    this.file = join(dataDir, PREFERENCES_FILE)
    this.stored = this.read()
  }

  /** The saved name, or null when none is saved (or the saved one is not a valid name). */
  get savedName(): string | null {
    const name = this.stored.name
    return name !== undefined && personNameProblem(name) === null ? name.trim() : null
  }

  get identityAsked(): boolean {
    return this.stored.identityAsked === true
  }

  /** The preferences as the contract describes them; `fallbackName` is the environment's name. */
  snapshot(fallbackName: string): Preferences {
    const saved = this.savedName
    return {
      name: saved ?? fallbackName,
      nameSource: saved === null ? 'environment' : 'saved',
      environmentName: fallbackName,
      identityAsked: this.identityAsked,
    }
  }

  /**
   * Saves a name (validated: 'invalid_name' otherwise) or forgets it (null), and/or records that the
   * one-time question was asked. Written under a temporary name and renamed into place.
   */
  update(change: { name?: string | null | undefined; identityAsked?: true | undefined }): Promise<void> {
    // One save at a time, each from the state the one before left (two tabs saving at once lost a name).
    const run = this.saving.then(() => this.apply(change))
    this.saving = run.catch(() => undefined)
    return run
  }

  private saving: Promise<void> = Promise.resolve()

  private async apply(change: { name?: string | null | undefined; identityAsked?: true | undefined }): Promise<void> {
    const next: StoredPreferences = { ...this.stored }
    if (change.name === null) delete next.name
    else if (change.name !== undefined) {
      next.name = validPersonName(change.name)
      next.identityAsked = true
    }
    if (change.identityAsked) next.identityAsked = true
    try {
      await mkdir(dirname(this.file), { recursive: true })
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      // Disk full is mapped by the error payload; a folder or a locked file in the way is said here.
      if (code === 'EISDIR' || code === 'EACCES' || code === 'EPERM')
        throw new AppError('permission_denied', `Tessera cannot write ${this.file} (${code}); your name was not saved.`)
      throw error
    }
    this.stored = next
  }

  private read(): StoredPreferences {
    let text: string
    try {
      // A file, and a small one: a FIFO would hang the start and a huge file fill memory for a name.
      const info = statSync(this.file)
      if (!info.isFile() || info.size > MAX_PREFERENCES_BYTES) {
        this.warn(`Tessera: ${this.file} is not a preferences file (not a small regular file); using no saved preferences.`)
        return {}
      }
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.warn(`Tessera: cannot read ${this.file} (${(error as Error).message}); using no saved preferences.`)
      return {}
    }
    let parsed: ReturnType<typeof StoredPreferences.safeParse>
    try {
      parsed = StoredPreferences.safeParse(JSON.parse(text))
    } catch (error) {
      this.warn(
        `Tessera: ${this.file} is not valid JSON (${(error as Error).message}); using no saved preferences. The file was left as it is.`,
      )
      return {}
    }
    if (!parsed.success) {
      this.warn(
        `Tessera: ${this.file} is not a preferences file (${parsed.error.issues[0]?.message ?? 'unexpected content'}); using no saved preferences. The file was left as it is.`,
      )
      return {}
    }
    if (parsed.data.name !== undefined && personNameProblem(parsed.data.name) !== null)
      this.warn(`Tessera: the name saved in ${this.file} is not valid (${personNameProblem(parsed.data.name)}); using the environment's.`)
    return parsed.data
  }
}
