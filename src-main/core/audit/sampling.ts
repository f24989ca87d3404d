/**
 * Seeded random samples of done images for audits. Pure: the store gathers the population.
 *
 * Reproducibility: the population is put in a fixed order (content hash, ascending; strata by key,
 * ascending), the seed text becomes a 32-bit state (first 4 bytes of its sha256, big-endian) of
 * mulberry32, and each stratum's images are picked by a partial Fisher–Yates shuffle driven by that
 * one generator. The same seed and the same population therefore give the same sample on every
 * machine, whatever order the database returned the rows in.
 *
 * Size: n = ⌈fraction · N⌉ (at least one image when N > 0; "at least 5%", never fewer). With strata,
 * n is shared out in proportion to stratum sizes by the largest-remainder method (ties go to the
 * stratum whose key sorts first), so every stratum gets ⌊n · N_s / N⌋ or one more, never more than N_s.
 */
import { createHash } from 'node:crypto'
import type { AuditStratifier, AuditStratumSummary } from '../../../src-preload/contract/audit'
import { seededRandom } from '../demo/seeded-random'

export interface PopulationImage {
  imageId: number
  contentHash: string
  /** Who marked the image done ('unknown' when no status event says). */
  annotator: string
  /** Final masks (accepted or auto-accepted) made by the model's triage or review, and by people. */
  finalAuto: number
  finalManual: number
}

export interface SampleOptions {
  seed: string
  /** (0, 1]. */
  fraction: number
  strata: readonly AuditStratifier[]
}

export interface SampledImage {
  imageId: number
  contentHash: string
  stratum: string
  annotator: string
}

export interface Sample {
  /** In review order: strata in key order, each in draw order. */
  images: SampledImage[]
  strata: AuditStratumSummary[]
  populationSize: number
  populationHash: string
}

/** Share of automatic final masks above which an image is "mostly auto", and below one minus it "mostly manual". */
export const MOSTLY_SHARE = 2 / 3

export type SourceMix = 'mostly_auto' | 'mixed' | 'mostly_manual' | 'no_masks'

export function sourceMixOf(finalAuto: number, finalManual: number): SourceMix {
  const total = finalAuto + finalManual
  if (total === 0) return 'no_masks'
  const autoShare = finalAuto / total
  if (autoShare >= MOSTLY_SHARE) return 'mostly_auto'
  if (autoShare <= 1 - MOSTLY_SHARE) return 'mostly_manual'
  return 'mixed'
}

/** ⌈fraction · N⌉, at least 1 when N > 0. A small tolerance keeps 5% of 40 at 2, not 3 (0.05 · 40 = 2.0000000000000004). */
export function sampleSize(populationSize: number, fraction: number): number {
  if (populationSize <= 0) return 0
  return Math.min(populationSize, Math.max(1, Math.ceil(fraction * populationSize - 1e-9)))
}

/**
 * Shares `total` out over groups of the given sizes in proportion (largest remainder; ties to the
 * lower index). Σ result = min(total, Σ sizes); result[i] ≤ sizes[i].
 */
export function allocateLargestRemainder(sizes: readonly number[], total: number): number[] {
  const population = sizes.reduce((sum, size) => sum + size, 0)
  if (population === 0) return sizes.map(() => 0)
  const wanted = Math.min(total, population)
  const quotas = sizes.map((size) => (wanted * size) / population)
  const result = quotas.map((quota) => Math.floor(quota))
  let left = wanted - result.reduce((sum, value) => sum + value, 0)
  const order = quotas.map((quota, index) => ({ index, remainder: quota - Math.floor(quota) }))
  order.sort((a, b) => b.remainder - a.remainder || a.index - b.index)
  for (const { index } of order) {
    if (left === 0) break
    if ((result[index] as number) < (sizes[index] as number)) {
      result[index] = (result[index] as number) + 1
      left--
    }
  }
  return result
}

/** mulberry32's 32-bit state from any seed text: the first 4 bytes of its sha256, big-endian. */
export function seedState(seed: string): number {
  return createHash('sha256').update(seed, 'utf8').digest().readUInt32BE(0)
}

/** sha256 hex of the content hashes, sorted, joined by '\n': identifies a population. */
export function populationHash(contentHashes: readonly string[]): string {
  return createHash('sha256')
    .update([...contentHashes].sort().join('\n'), 'utf8')
    .digest('hex')
}

export function stratumKey(image: PopulationImage, strata: readonly AuditStratifier[]): string {
  return strata
    .map((stratifier) =>
      stratifier === 'annotator' ? `annotator=${image.annotator}` : `source_mix=${sourceMixOf(image.finalAuto, image.finalManual)}`,
    )
    .join(' · ')
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Picks `count` of `items` with a partial Fisher–Yates shuffle (works on a copy). */
function pick<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items]
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    const chosen = pool[j] as T
    pool[j] = pool[i] as T
    pool[i] = chosen
  }
  return pool.slice(0, count)
}

export function drawSample(population: readonly PopulationImage[], options: SampleOptions): Sample {
  const strata = [...new Set(options.strata)].sort(byText)
  const ordered = [...population].sort((a, b) => byText(a.contentHash, b.contentHash) || a.imageId - b.imageId)
  const groups = new Map<string, PopulationImage[]>()
  for (const image of ordered) {
    const key = stratumKey(image, strata)
    const group = groups.get(key)
    if (group) group.push(image)
    else groups.set(key, [image])
  }
  const keys = [...groups.keys()].sort(byText)
  const sizes = keys.map((key) => (groups.get(key) as PopulationImage[]).length)
  const quotas = allocateLargestRemainder(sizes, sampleSize(ordered.length, options.fraction))
  const random = seededRandom(seedState(options.seed))
  const images: SampledImage[] = []
  keys.forEach((key, index) => {
    for (const image of pick(groups.get(key) as PopulationImage[], quotas[index] as number, random))
      images.push({ imageId: image.imageId, contentHash: image.contentHash, stratum: key, annotator: image.annotator })
  })
  return {
    images,
    strata: keys.map((key, index) => ({ key, population: sizes[index] as number, sample: quotas[index] as number })),
    populationSize: ordered.length,
    populationHash: populationHash(ordered.map((image) => image.contentHash)),
  }
}
