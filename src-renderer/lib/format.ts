import type { ImageStatus } from '../../src-preload/contract/dto'

export const STATUS_LABELS: Record<ImageStatus, string> = {
  todo: 'To do',
  in_progress: 'In progress',
  done: 'Done',
  skipped: 'Skipped',
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US')
}

/** "1 min 20 s" style durations for ETAs. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

export function fileName(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1)
}
