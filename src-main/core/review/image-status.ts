/**
 * Review rules on an image's workflow status:
 * - the first decision on a 'todo' image makes it 'in_progress' (its own image:status event);
 * - the coverage gate: marking an image 'done' while more of it is uncovered than the project allows
 *   needs a reason. The reason, and for 'done' always the uncovered fraction at that moment, go into
 *   the image:status event (metrics read coverage at done from there).
 */
import type { ImageStatus } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { ImageRepository, ImageRow } from '../project/image-repository'
import type { ReviewSettings } from './settings'

/** Sets a 'todo' image to 'in_progress' with an event; false when it was not 'todo'. */
export function markInProgress(images: ImageRepository, image: ImageRow, actor: string, at: string): boolean {
  if (image.status !== 'todo') return false
  images.setStatus(image.id, 'in_progress', at)
  images.recordEvent({
    at,
    actor,
    kind: 'image:status',
    entityId: image.id,
    before: { status: 'todo' },
    after: { status: 'in_progress', cause: 'first decision' },
  })
  return true
}

/**
 * "12.5%": one decimal (".0" dropped), or as many more (up to four) as it takes not to read as
 * `unlike` (the limit) when the two differ.
 */
export function formatPercent(fraction: number, unlike?: number): string {
  const at = (value: number, decimals: number): string => (value * 100).toFixed(decimals).replace(/\.?0+$/, '')
  let decimals = 1
  while (unlike !== undefined && decimals < 4 && fraction !== unlike && at(fraction, decimals) === at(unlike, decimals)) decimals++
  return `${at(fraction, decimals)}%`
}

/**
 * What the image:status event records besides the status; throws 'coverage_gate' for 'done' above
 * the threshold without a reason. `uncoveredFraction` is only read for 'done'.
 */
export function statusEventDetails(
  status: ImageStatus,
  reason: string | undefined,
  uncoveredFraction: () => number,
  settings: ReviewSettings,
): Record<string, unknown> {
  const details: Record<string, unknown> = reason === undefined ? {} : { reason }
  if (status !== 'done') return details
  const fraction = uncoveredFraction()
  if (fraction > settings.maxUncoveredFraction && reason === undefined) {
    const limit = formatPercent(settings.maxUncoveredFraction)
    throw new AppError(
      'coverage_gate',
      `${formatPercent(fraction, settings.maxUncoveredFraction)} of this image is not covered by any accepted mask, ` +
        `more than the project's limit of ${limit}. Annotate the gaps, or give a reason to mark it done anyway.`,
    )
  }
  return { ...details, uncoveredFraction: fraction, maxUncoveredFraction: settings.maxUncoveredFraction }
}
