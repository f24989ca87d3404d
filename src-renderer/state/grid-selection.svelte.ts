/**
 * The grid's multi-selection, kept as image ids: the grid is virtualised (cells come and go as it
 * scrolls through up to 100,000 images), the selection stays. Ctrl/Cmd+click toggles one image and
 * makes it the anchor; Shift+click adds every image from the anchor to the clicked one, in the
 * grid's current order; Esc or Clear empties it. A new project starts with none.
 */
import { SvelteSet } from 'svelte/reactivity'
import { catalog } from './catalog.svelte'

class GridSelection {
  /** Reactive per id: a cell re-reads only its own membership. */
  private readonly ids = new SvelteSet<number>()
  /** Where a Shift+click range starts: the last image toggled (an id, since positions move when the filter changes). */
  private anchor: number | null = null
  /** Bumped by every change, so a range whose pages arrive after a later click or clear is dropped. */
  private seq = 0

  get size(): number {
    return this.ids.size
  }

  has(imageId: number): boolean {
    return this.ids.has(imageId)
  }

  toggle(imageId: number): void {
    this.seq++
    if (!this.ids.delete(imageId)) this.ids.add(imageId)
    this.anchor = imageId
  }

  /** Adds the images from the anchor to `imageId` at grid position `index`; with no anchor on the grid, just that image. */
  async extendTo(imageId: number, index: number): Promise<void> {
    const anchorIndex = this.anchor === null ? -1 : catalog.indexOf(this.anchor)
    if (anchorIndex < 0) {
      if (!this.has(imageId)) this.toggle(imageId)
      else this.anchor = imageId
      return
    }
    const seq = ++this.seq
    const range = await catalog.idsBetween(anchorIndex, index)
    if (seq !== this.seq) return
    for (const id of range) this.ids.add(id)
  }

  clear(): void {
    this.seq++
    this.ids.clear()
    this.anchor = null
  }

  /** The selected ids, ascending (what an export takes). */
  list(): number[] {
    return [...this.ids].sort((a, b) => a - b)
  }
}

export const gridSelection = new GridSelection()
