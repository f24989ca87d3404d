/**
 * Triage of automatic proposals: auto-accepted at or above the high thresholds, "needs review" in the
 * band down to the review floor, discarded below it (discarded proposals stay in the database). Pure,
 * so changing thresholds re-triages stored proposals without running the model again.
 */

export interface QualityThresholds {
  /** Predicted IoU, inclusive. */
  predictedIou: number
  /** Stability score, inclusive. */
  stability: number
  /** Area in annotation pixels, inclusive. */
  minArea: number
}

export interface TriageSettings {
  preset: TriagePresetName
  /** At or above all three: auto-accepted. */
  auto: QualityThresholds
  /** Below any of these: discarded. Between: needs review. */
  review: QualityThresholds
  /** Proposals covering more than this fraction of the image are discarded (whole-background masks). */
  maxAreaFraction: number
}

export type TriagePresetName = 'high-precision' | 'general' | 'exploratory' | 'maximum-coverage' | 'custom'
export type TriageClass = 'auto' | 'review' | 'discard'

/** The SA-1B guidance presets: auto-accept thresholds (pred-IoU, stability, minimum area in px). */
export const TRIAGE_PRESETS: Readonly<Record<Exclude<TriagePresetName, 'custom'>, QualityThresholds>> = {
  'high-precision': { predictedIou: 0.95, stability: 0.98, minArea: 500 },
  general: { predictedIou: 0.88, stability: 0.95, minArea: 100 },
  exploratory: { predictedIou: 0.75, stability: 0.85, minArea: 50 },
  'maximum-coverage': { predictedIou: 0.5, stability: 0.5, minArea: 10 },
}

/** Floor of the review band for every preset: what Maximum coverage would still accept. */
export const DEFAULT_REVIEW_FLOOR: QualityThresholds = TRIAGE_PRESETS['maximum-coverage']
/** SA-1B dropped masks covering 95% of the image or more. */
export const DEFAULT_MAX_AREA_FRACTION = 0.95

export function presetSettings(preset: Exclude<TriagePresetName, 'custom'>): TriageSettings {
  const auto = TRIAGE_PRESETS[preset]
  // The floor never sits above the auto thresholds (Maximum coverage: the band is empty).
  const review = {
    predictedIou: Math.min(DEFAULT_REVIEW_FLOOR.predictedIou, auto.predictedIou),
    stability: Math.min(DEFAULT_REVIEW_FLOOR.stability, auto.stability),
    minArea: Math.min(DEFAULT_REVIEW_FLOOR.minArea, auto.minArea),
  }
  return { preset, auto: { ...auto }, review, maxAreaFraction: DEFAULT_MAX_AREA_FRACTION }
}

export const DEFAULT_TRIAGE: TriageSettings = presetSettings('general')

function meets(quality: { predictedIou: number; stability: number; area: number }, thresholds: QualityThresholds): boolean {
  return quality.predictedIou >= thresholds.predictedIou && quality.stability >= thresholds.stability && quality.area >= thresholds.minArea
}

export function classify(
  quality: { predictedIou: number; stability: number; area: number },
  imageArea: number,
  settings: TriageSettings,
): TriageClass {
  if (imageArea > 0 && quality.area / imageArea > settings.maxAreaFraction) return 'discard'
  if (meets(quality, settings.auto)) return 'auto'
  if (meets(quality, settings.review)) return 'review'
  return 'discard'
}

/** Settings problems people can act on; empty when valid. */
export function validateTriage(settings: TriageSettings): string[] {
  const problems: string[] = []
  for (const [name, t] of [['auto', settings.auto] as const, ['review', settings.review] as const]) {
    if (!(t.predictedIou >= 0 && t.predictedIou <= 1.5)) problems.push(`${name} predicted IoU must be between 0 and 1.5`)
    if (!(t.stability >= 0 && t.stability <= 1)) problems.push(`${name} stability must be between 0 and 1`)
    if (!(t.minArea >= 0 && Number.isFinite(t.minArea))) problems.push(`${name} minimum area must be a non-negative number of pixels`)
  }
  if (
    settings.review.predictedIou > settings.auto.predictedIou ||
    settings.review.stability > settings.auto.stability ||
    settings.review.minArea > settings.auto.minArea
  ) {
    problems.push('the review floor must not be above the auto-accept thresholds')
  }
  if (!(settings.maxAreaFraction > 0 && settings.maxAreaFraction <= 1)) problems.push('the maximum area fraction must be in (0, 1]')
  return problems
}
