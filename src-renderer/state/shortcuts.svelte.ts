/** The person's workspace shortcuts: the defaults with their rebindings, kept in local storage. */
import { defaultBindings, mergeBindings, rebind, type Bindings, type WorkspaceAction } from '../review/keymap'

const STORAGE_KEY = 'tessera.shortcuts.v1'

function load(): Bindings {
  try {
    return mergeBindings(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null'))
  } catch {
    return defaultBindings()
  }
}

class ShortcutsState {
  bindings = $state<Bindings>(load())
  overlayOpen = $state(false)

  /** Binds a key to an action; returns the action that already uses it, if any (nothing changes then). */
  bind(action: WorkspaceAction, combo: string): WorkspaceAction | null {
    const result = rebind(this.bindings, action, combo)
    if (!result.ok) return result.clash
    this.bindings = result.bindings
    localStorage.setItem(STORAGE_KEY, JSON.stringify(this.bindings))
    return null
  }

  reset(): void {
    this.bindings = defaultBindings()
    localStorage.removeItem(STORAGE_KEY)
  }
}

export const shortcuts = new ShortcutsState()
