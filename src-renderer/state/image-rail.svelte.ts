/** The workspace's image rail: whether it is collapsed, kept in local storage across reloads. */

const STORAGE_KEY = 'tessera.imageRail.v1'

function load(): boolean {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null')
    return typeof stored === 'object' && stored !== null && (stored as { collapsed?: unknown }).collapsed === true
  } catch {
    return false
  }
}

class ImageRailState {
  collapsed = $state(load())

  toggle(): void {
    this.collapsed = !this.collapsed
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ collapsed: this.collapsed }))
    } catch {
      // Storage full or blocked: the rail still toggles, it is just not remembered.
    }
  }
}

export const imageRail = new ImageRailState()
