/**
 * The Wilson score interval of a binomial proportion (Wilson 1927), the usual choice for audit
 * precision: it stays inside [0, 1] and behaves at 0 and n successes, where the normal
 * approximation collapses to a zero-width interval.
 *
 *   centre = (p̂ + z²/2n) / (1 + z²/n),  half-width = z · √(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n)
 *
 * Masks are sampled in clusters (whole images), so for masks the interval treats them as
 * independent trials; it is an approximation where masks of one image share their errors.
 */
import type { Proportion } from '../../../src-preload/contract/audit'

/** Two-sided 95%: the 0.975 quantile of the standard normal. */
export const Z_95 = 1.959964

/** The proportion successes / trials with its Wilson interval; null when there are no trials. */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Proportion | null {
  if (trials <= 0) return null
  if (successes < 0 || successes > trials) throw new RangeError(`wilsonInterval: ${successes} successes out of ${trials} trials`)
  const p = successes / trials
  const z2 = z * z
  const denominator = 1 + z2 / trials
  const centre = (p + z2 / (2 * trials)) / denominator
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator
  // At 0 and n successes the ends are exactly 0 and 1 (floating point would leave 1e-16 off).
  const low = successes === 0 ? 0 : Math.max(0, centre - half)
  const high = successes === trials ? 1 : Math.min(1, centre + half)
  return { successes, trials, estimate: p, low, high }
}
