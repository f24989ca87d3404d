/**
 * The custom-threshold editor's form: the fields as typed (text, so a half-typed "0." is not lost),
 * their validation with messages next to each field, and the settings they make. Mirrors the
 * backend's rules (contract ranges plus "the review floor is not above the auto-accept thresholds");
 * the backend checks again.
 */
import type { TriageSettings } from '../../src-preload/contract/dto'

export type TriageField = 'autoIou' | 'autoStability' | 'autoArea' | 'reviewIou' | 'reviewStability' | 'reviewArea' | 'maxAreaPercent'
export type TriageForm = Record<TriageField, string>

export const TRIAGE_FIELDS: readonly TriageField[] = [
  'autoIou',
  'autoStability',
  'autoArea',
  'reviewIou',
  'reviewStability',
  'reviewArea',
  'maxAreaPercent',
]

/** Step of each field for the arrow keys. */
export const TRIAGE_FIELD_STEP: Record<TriageField, number> = {
  autoIou: 0.01,
  autoStability: 0.01,
  autoArea: 10,
  reviewIou: 0.01,
  reviewStability: 0.01,
  reviewArea: 10,
  maxAreaPercent: 1,
}

/** Shortest text for a number (no float noise: 0.1 + 0.2 shows as 0.3). */
function text(value: number): string {
  return String(Math.round(value * 1e6) / 1e6)
}

export function formFromSettings(settings: TriageSettings): TriageForm {
  return {
    autoIou: text(settings.auto.predictedIou),
    autoStability: text(settings.auto.stability),
    autoArea: text(settings.auto.minArea),
    reviewIou: text(settings.review.predictedIou),
    reviewStability: text(settings.review.stability),
    reviewArea: text(settings.review.minArea),
    maxAreaPercent: text(settings.maxAreaFraction * 100),
  }
}

export interface ParsedTriageForm {
  /** The settings (preset 'custom') when every field is valid, else null. */
  settings: TriageSettings | null
  /** Per field, what is wrong, in words a person can act on. */
  errors: Partial<Record<TriageField, string>>
}

function parseNumber(raw: string): number | null {
  const trimmed = raw.trim().replace(',', '.')
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(trimmed)) return null
  return Number(trimmed)
}

export function parseTriageForm(form: TriageForm): ParsedTriageForm {
  const errors: Partial<Record<TriageField, string>> = {}
  const values: Partial<Record<TriageField, number>> = {}
  const check = (field: TriageField, ok: (value: number) => boolean, message: string) => {
    const value = parseNumber(form[field])
    if (value === null) errors[field] = 'Enter a number'
    else if (!ok(value)) errors[field] = message
    else values[field] = value
  }
  for (const band of ['auto', 'review'] as const) {
    check(`${band}Iou`, (v) => v >= 0 && v <= 1.5, 'Predicted IoU is from 0 to 1.5')
    check(`${band}Stability`, (v) => v >= 0 && v <= 1, 'Stability is from 0 to 1')
    check(`${band}Area`, (v) => v >= 0 && Number.isInteger(v), 'Area is a whole number of pixels, 0 or more')
  }
  check('maxAreaPercent', (v) => v > 0 && v <= 100, 'Above 0 and at most 100 %')
  // The review band lies below the auto-accept thresholds.
  for (const [review, auto] of [
    ['reviewIou', 'autoIou'],
    ['reviewStability', 'autoStability'],
    ['reviewArea', 'autoArea'],
  ] as const) {
    const low = values[review]
    const high = values[auto]
    if (low !== undefined && high !== undefined && low > high) {
      errors[review] = `Review floor above auto-accept (${form[auto].trim()})`
      delete values[review]
    }
  }
  if (Object.keys(errors).length > 0) return { settings: null, errors }
  const v = values as Record<TriageField, number>
  return {
    settings: {
      preset: 'custom',
      auto: { predictedIou: v.autoIou, stability: v.autoStability, minArea: v.autoArea },
      review: { predictedIou: v.reviewIou, stability: v.reviewStability, minArea: v.reviewArea },
      maxAreaFraction: v.maxAreaPercent / 100,
    },
    errors,
  }
}

/** The field's value one step up or down (arrow keys), clamped at 0; unchanged when it is not a number. */
export function stepField(field: TriageField, raw: string, direction: 1 | -1): string {
  const value = parseNumber(raw)
  if (value === null) return raw
  return text(Math.max(0, value + direction * TRIAGE_FIELD_STEP[field]))
}

/** Whether two settings re-triage alike (the preset name aside). */
export function sameThresholds(a: TriageSettings, b: TriageSettings): boolean {
  const same = (x: TriageSettings['auto'], y: TriageSettings['auto']) =>
    x.predictedIou === y.predictedIou && x.stability === y.stability && x.minArea === y.minArea
  return same(a.auto, b.auto) && same(a.review, b.review) && a.maxAreaFraction === b.maxAreaFraction
}
