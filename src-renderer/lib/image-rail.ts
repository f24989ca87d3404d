/**
 * The workspace's image rail as arithmetic: rows of one fixed height (CSS pixels), so where a row
 * is and how far to scroll to show it need no measuring.
 */

/** Height of one rail row in CSS pixels: a 40 px thumbnail with 4 px above and below. */
export const RAIL_ROW_HEIGHT = 48

export interface RailViewport {
  /** Current scroll offset of the list (CSS px). */
  scrollTop: number
  /** Visible height of the list (CSS px). */
  height: number
  /** Rows in the list. */
  rowCount: number
  rowHeight: number
}

/**
 * The scroll offset that shows row `index` with one row of context above and below it (less when
 * the list is too short for that), or null when it is already shown so. A row more than a screen
 * away (a jump, not a step) is centred instead, so the rows around it show too. Clamped to the list.
 */
export function revealRow(index: number, viewport: RailViewport): number | null {
  const { scrollTop, height, rowCount, rowHeight } = viewport
  if (index < 0 || index >= rowCount || height <= 0) return null
  const top = index * rowHeight
  const bottom = top + rowHeight
  const margin = Math.max(0, Math.min(rowHeight, (height - rowHeight) / 2))
  const maxScroll = Math.max(0, rowCount * rowHeight - height)
  const clamp = (offset: number) => Math.round(Math.min(maxScroll, Math.max(0, offset)))
  if (top - margin >= scrollTop && bottom + margin <= scrollTop + height) return null
  const far = bottom < scrollTop - height || top > scrollTop + 2 * height
  const target = far ? top - (height - rowHeight) / 2 : top - margin < scrollTop ? top - margin : bottom + margin - height
  const clamped = clamp(target)
  return clamped === Math.round(scrollTop) ? null : clamped
}

/** Counts short enough for a filter chip: 999, 1.2k, 12k, 100k, 1.2M. */
export function compactCount(value: number): string {
  if (value < 1000) return String(value)
  if (value < 10_000) return `${(Math.floor(value / 100) / 10).toString()}k`
  if (value < 1_000_000) return `${Math.floor(value / 1000)}k`
  return `${(Math.floor(value / 100_000) / 10).toString()}M`
}
