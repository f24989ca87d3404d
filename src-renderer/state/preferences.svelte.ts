/**
 * The person's preferences: who is working (kept by the backend per data folder, so the CLI and
 * every window agree) and the theme (this renderer's own, kept in local storage).
 */
import { personNameProblem, type Preferences } from '../../src-preload/contract/dto'
import { ApiError, call } from '../lib/api'

export type Theme = 'dark' | 'light'

const THEME_KEY = 'tessera.theme'

function storedTheme(): Theme {
  return localStorage.getItem(THEME_KEY) === 'light' ? 'light' : 'dark'
}

/** Sets the theme on the document (the CSS variables follow `data-theme`); runs before the first paint too. */
export function applyTheme(theme: Theme = storedTheme()): void {
  document.documentElement.dataset.theme = theme
}

class PreferencesState {
  value = $state<Preferences | null>(null)
  /** What is wrong with the last name the person tried to save, shown next to the field. */
  nameError = $state<string | null>(null)
  saving = $state(false)
  theme = $state<Theme>(storedTheme())

  /** The name recorded on everything the person does now. */
  get name(): string {
    return this.value?.name ?? ''
  }

  async load(): Promise<void> {
    this.value = await call('preferences:get', {})
  }

  /** Saves a name; false (with `nameError` set) when it is not a valid name or the save failed. */
  async saveName(name: string): Promise<boolean> {
    const problem = personNameProblem(name)
    if (problem) {
      this.nameError = problem
      return false
    }
    this.saving = true
    try {
      this.value = await call('preferences:set', { name })
      this.nameError = null
      return true
    } catch (error) {
      this.nameError = error instanceof ApiError || error instanceof Error ? error.message : String(error)
      return false
    } finally {
      this.saving = false
    }
  }

  /** Forgets the saved name: the environment's is used again. */
  async forgetName(): Promise<void> {
    this.value = await call('preferences:set', { name: null })
    this.nameError = null
  }

  /** The home screen asked who is working and the person kept the environment's name. */
  async dismissQuestion(): Promise<void> {
    this.value = await call('preferences:set', { identityAsked: true })
  }

  /** Another window (or this one) changed the preferences. */
  apply(value: Preferences): void {
    this.value = value
  }

  setTheme(theme: Theme): void {
    this.theme = theme
    localStorage.setItem(THEME_KEY, theme)
    applyTheme(theme)
  }
}

export const preferences = new PreferencesState()
