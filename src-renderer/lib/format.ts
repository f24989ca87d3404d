import type { ImageStatus, TriageSettings } from '../../src-preload/contract/dto'

export const STATUS_LABELS: Record<ImageStatus, string> = {
  todo: 'To do',
  in_progress: 'In progress',
  done: 'Done',
  skipped: 'Skipped',
}

/** Names of the triage presets (their thresholds come from the backend's triage.ts). */
export const TRIAGE_PRESET_LABELS: Record<TriageSettings['preset'], string> = {
  'high-precision': 'High precision',
  general: 'General',
  exploratory: 'Exploratory',
  'maximum-coverage': 'Maximum coverage',
  custom: 'Custom',
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
