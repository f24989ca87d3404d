/**
 * The confidence queue: an image's needs-review masks in a chosen order, and which one is current.
 * Pure (no Svelte, no DOM), so the workspace's keyboard flow is tested without rendering.
 */

/** What the queue needs to know of a mask. */
export interface QueueMask {
  id: number
  state: string
  predictedIou: number | null
  area: number
  /** [x, y, w, h] in annotation pixels. */
  bbox: readonly [number, number, number, number]
}

export const QUEUE_ORDERS = ['iou', 'area-desc', 'area-asc', 'position'] as const
export type QueueOrder = (typeof QUEUE_ORDERS)[number]
export const QUEUE_ORDER_LABELS: Record<QueueOrder, string> = {
  iou: 'lowest predicted IoU first',
  'area-desc': 'largest first',
  'area-asc': 'smallest first',
  position: 'reading order',
}

/** Height of a reading-order band in pixels: masks whose centres fall in one band are read left to right. */
const POSITION_BAND_PX = 64

function compareBy(order: QueueOrder): (a: QueueMask, b: QueueMask) => number {
  switch (order) {
    case 'iou':
      // Unknown scores (imported proposals) first: nothing vouches for them.
      return (a, b) => (a.predictedIou ?? -Infinity) - (b.predictedIou ?? -Infinity) || a.id - b.id
    case 'area-desc':
      return (a, b) => b.area - a.area || a.id - b.id
    case 'area-asc':
      return (a, b) => a.area - b.area || a.id - b.id
    case 'position': {
      const band = (mask: QueueMask) => Math.floor((mask.bbox[1] + mask.bbox[3] / 2) / POSITION_BAND_PX)
      const centreX = (mask: QueueMask) => mask.bbox[0] + mask.bbox[2] / 2
      return (a, b) => band(a) - band(b) || centreX(a) - centreX(b) || a.id - b.id
    }
  }
}

/** The masks waiting for review, in queue order. */
export function queueOf(masks: readonly QueueMask[], order: QueueOrder): QueueMask[] {
  return masks.filter((mask) => mask.state === 'proposed').sort(compareBy(order))
}

/**
 * The current mask after the queue changed (a decision, an undo, a reload): the same mask if it is
 * still waiting; otherwise the one that followed it in the previous order, or failing that the first.
 */
export function nextCurrent(previousQueue: readonly number[], currentId: number | null, queue: readonly number[]): number | null {
  if (queue.length === 0) return null
  if (currentId !== null && queue.includes(currentId)) return currentId
  if (currentId !== null) {
    const waiting = new Set(queue)
    const at = previousQueue.indexOf(currentId)
    if (at >= 0) {
      for (let i = at + 1; i < previousQueue.length; i++) if (waiting.has(previousQueue[i]!)) return previousQueue[i]!
      for (let i = at - 1; i >= 0; i--) if (waiting.has(previousQueue[i]!)) return previousQueue[i]!
    }
  }
  return queue[0]!
}

/** One step forward (+1) or back (−1) through the queue, wrapping; the first mask when nothing is current. */
export function stepQueue(queue: readonly number[], currentId: number | null, step: 1 | -1): number | null {
  if (queue.length === 0) return null
  const at = currentId === null ? -1 : queue.indexOf(currentId)
  if (at < 0) return step === 1 ? queue[0]! : queue[queue.length - 1]!
  return queue[(at + step + queue.length) % queue.length]!
}

/** Needs-review masks at or above a predicted IoU (accept-all) or below it (reject-all). Unknown scores are never included. */
export function masksByThreshold(masks: readonly QueueMask[], threshold: number, side: 'at-or-above' | 'below'): number[] {
  return masks
    .filter(
      (mask) =>
        mask.state === 'proposed' &&
        mask.predictedIou !== null &&
        (side === 'at-or-above' ? mask.predictedIou >= threshold : mask.predictedIou < threshold),
    )
    .map((mask) => mask.id)
}
