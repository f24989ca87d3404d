/**
 * The open project's images as the grid sees them: fetched page by page on demand and cached, so
 * a 100,000-image project costs only the rows on screen.
 */
import type { ImagePage, ImageStatus, ImageSummary, ImportIssue } from '../../src-preload/contract/dto'
import { call } from '../lib/api'
import { PAGE_SIZE } from './page-size'

/** How long status changes under a filter are gathered before the pages seen are fetched again. */
const REFETCH_DELAY_MS = 100

class ImageCatalog {
  total = $state(0)
  counts = $state<Record<ImageStatus, number>>({ todo: 0, in_progress: 0, done: 0, skipped: 0 })
  issues = $state.raw<ImportIssue[]>([])
  /** Only images with this status are listed; null lists all. */
  filter = $state<ImageStatus | null>(null)
  /** Bumped whenever cached pages change, so views re-read them. */
  version = $state(0)
  private pages = new Map<number, ImageSummary[]>()
  private inflight = new Map<number, Promise<void>>()
  /** Requests are numbered; a page keeps the answer of the newest request that reached it, whatever order answers arrive in. */
  private requestSeq = 0
  private appliedSeq = new Map<number, number>()
  /** The request whose answer set `total` and `counts` (project-wide: the newest answer of any page). */
  private countsSeq = 0
  /** Answers to requests numbered at or below this were asked before the last `forget`. */
  private floorSeq = 0

  async setFilter(status: ImageStatus | null): Promise<void> {
    this.filter = status
    this.forget()
    this.version++
    await this.loadPage(0)
  }

  async reset(): Promise<void> {
    this.filter = null
    this.forget()
    await this.loadPage(0)
    this.issues = await call('images:issues', {})
  }

  /** Refetches the pages already seen (after an import step or rescan). */
  async refresh(): Promise<void> {
    await this.refetchSeen()
    this.issues = await call('images:issues', {})
  }

  private async refetchSeen(): Promise<void> {
    const seen = [...this.pages.keys()]
    this.inflight.clear()
    await Promise.all((seen.length > 0 ? seen : [0]).map((page) => this.loadPage(page)))
  }

  /** The image at grid position `index`, or undefined while its page loads. */
  at(index: number): ImageSummary | undefined {
    void this.version
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE]
  }

  indexOf(imageId: number): number {
    for (const [page, items] of this.pages) {
      const position = items.findIndex((item) => item.id === imageId)
      if (position >= 0) return page * PAGE_SIZE + position
    }
    return -1
  }

  /**
   * Grid position of `imageId` under the current filter: from the pages seen, else asked (one count
   * along an index). Null when the filter does not list the image, or the filter changed meanwhile.
   */
  async positionOf(imageId: number): Promise<number | null> {
    const seen = this.indexOf(imageId)
    if (seen >= 0) return seen
    const filter = this.filter
    const floor = this.floorSeq
    const position = await call('images:position', { imageId, status: filter ?? undefined })
    return filter === this.filter && floor === this.floorSeq ? position : null
  }

  /** The image after or before `imageId` in grid order, within the current filter; null at either end. */
  neighbour(imageId: number, direction: 'next' | 'previous'): Promise<ImageSummary | null> {
    return call('images:neighbour', { imageId, direction, status: this.filter ?? undefined })
  }

  /**
   * Ids of the images at grid positions `from`..`to` (inclusive, either order), fetching the pages
   * not seen yet (a range can span rows never scrolled past: 200 ids a request).
   */
  async idsBetween(from: number, to: number): Promise<number[]> {
    const start = Math.max(0, Math.min(from, to))
    const end = Math.min(this.total - 1, Math.max(from, to))
    const waits: Promise<void>[] = []
    for (let page = Math.floor(start / PAGE_SIZE); page <= Math.floor(end / PAGE_SIZE); page++)
      if (!this.pages.has(page)) waits.push(this.inflight.get(page) ?? this.loadPage(page))
    await Promise.all(waits)
    const ids: number[] = []
    for (let index = start; index <= end; index++) {
      const image = this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE]
      if (image) ids.push(image.id)
    }
    return ids
  }

  ensureRange(start: number, end: number): void {
    for (let page = Math.floor(start / PAGE_SIZE); page <= Math.floor(Math.max(start, end) / PAGE_SIZE); page++) {
      if (!this.pages.has(page) && !this.inflight.has(page)) void this.loadPage(page)
    }
  }

  /**
   * Takes an image's new state. Under a status filter, an image that leaves or joins the filtered
   * list shifts every later position, so the pages seen are fetched again (coalesced): pages are
   * fetched by offset, and a stale one would skip or repeat images at its edges.
   */
  replace(image: ImageSummary): void {
    let listed = false
    for (const items of this.pages.values()) if (items.some((item) => item.id === image.id)) listed = true
    if (this.filter !== null && listed !== (image.status === this.filter)) this.scheduleRefetch()
    for (const items of this.pages.values()) {
      const position = items.findIndex((item) => item.id === image.id)
      if (position >= 0) {
        const previous = items[position] as ImageSummary
        items[position] = image
        if (previous.status !== image.status) {
          this.counts = {
            ...this.counts,
            [previous.status]: this.counts[previous.status] - 1,
            [image.status]: this.counts[image.status] + 1,
          }
        }
        this.version++
      }
    }
  }

  private refetchTimer: ReturnType<typeof setTimeout> | null = null

  /** One refetch for a burst of status changes (e.g. accepting many proposals) rather than one each. */
  private scheduleRefetch(): void {
    if (this.refetchTimer !== null) return
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = null
      void this.refetchSeen()
    }, REFETCH_DELAY_MS)
  }

  /** Drops every page, and every answer still on its way (it was asked under another filter or project). */
  private forget(): void {
    this.pages.clear()
    this.inflight.clear()
    this.appliedSeq.clear()
    this.requestSeq++
    this.floorSeq = this.requestSeq
  }

  private loadPage(page: number): Promise<void> {
    const seq = ++this.requestSeq
    const status = this.filter ?? undefined
    const request = call('images:list', { offset: page * PAGE_SIZE, limit: PAGE_SIZE, status }).then((result: ImagePage) => {
      if (seq <= this.floorSeq || seq < (this.appliedSeq.get(page) ?? 0)) return
      this.appliedSeq.set(page, seq)
      this.pages.set(page, result.items)
      if (seq > this.countsSeq) {
        this.countsSeq = seq
        this.total = result.total
        this.counts = result.counts
      }
      this.version++
    })
    this.inflight.set(page, request)
    return request.finally(() => {
      if (this.inflight.get(page) === request) this.inflight.delete(page)
    })
  }
}

export const catalog = new ImageCatalog()
