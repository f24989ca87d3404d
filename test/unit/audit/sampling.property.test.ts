import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  allocateLargestRemainder,
  drawSample,
  sampleSize,
  seedState,
  sourceMixOf,
  type PopulationImage,
} from '../../../src-main/core/audit/sampling'

function population(size: number, annotators = ['ada', 'bo', 'cy']): PopulationImage[] {
  return Array.from({ length: size }, (_, index) => ({
    imageId: index + 1,
    contentHash: ((index * 2654435761) >>> 0).toString(16).padStart(8, '0') + String(index).padStart(4, '0'),
    annotator: annotators[index % annotators.length] as string,
    finalAuto: index % 4,
    finalManual: index % 3,
  }))
}

/** Brute-force largest remainder: hand out seats one at a time by the largest remaining quota share. */
function referenceAllocation(sizes: readonly number[], total: number): number[] {
  const population = sizes.reduce((a, b) => a + b, 0)
  const wanted = Math.min(total, population)
  const quotas = sizes.map((size) => (population === 0 ? 0 : (wanted * size) / population))
  const result = quotas.map(Math.floor)
  const ranked = quotas.map((quota, index) => [quota - Math.floor(quota), index] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  let left = wanted - result.reduce((a, b) => a + b, 0)
  for (const [, index] of ranked) {
    if (left === 0 || result[index]! >= sizes[index]!) continue
    result[index]!++
    left--
  }
  return result
}

describe('audit sampling', () => {
  it('draws ⌈fraction · N⌉ images, at least one, never more than N', () => {
    expect(sampleSize(40, 0.05)).toBe(2)
    expect(sampleSize(41, 0.05)).toBe(3)
    expect(sampleSize(3, 0.05)).toBe(1)
    expect(sampleSize(0, 0.05)).toBe(0)
    expect(sampleSize(7, 1)).toBe(7)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0.001, max: 1, noNaN: true }), (n, fraction) => {
        const size = sampleSize(n, fraction)
        expect(size).toBeGreaterThanOrEqual(1)
        expect(size).toBeLessThanOrEqual(n)
        expect(size).toBeGreaterThanOrEqual(Math.min(n, fraction * n - 1e-6))
        expect(size).toBeLessThan(fraction * n + 1)
      }),
    )
  })

  it('gives the same sample for the same seed and population, whatever order the rows come in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.string({ minLength: 1 }),
        fc.subarray(['annotator', 'source_mix'] as const),
        fc.integer(),
        (size, seed, strata, shuffleSeed) => {
          const images = population(size)
          const shuffled = [...images].sort((a, b) => ((a.imageId * shuffleSeed) % 97) - ((b.imageId * shuffleSeed) % 97))
          const first = drawSample(images, { seed, fraction: 0.05, strata })
          const second = drawSample(shuffled, { seed, fraction: 0.05, strata: [...strata].reverse() })
          expect(second).toEqual(first)
          expect(new Set(first.images.map((image) => image.imageId)).size).toBe(first.images.length)
        },
      ),
    )
  })

  it('depends on the seed: different seeds give different samples', () => {
    const images = population(1000)
    const a = drawSample(images, { seed: 'audit-1', fraction: 0.05, strata: [] }).images.map((image) => image.imageId)
    const b = drawSample(images, { seed: 'audit-2', fraction: 0.05, strata: [] }).images.map((image) => image.imageId)
    expect(a).toHaveLength(50)
    expect(a).not.toEqual(b)
    expect(seedState('audit-1')).not.toBe(seedState('audit-2'))
  })

  it('allocates strata by largest remainder (brute-force reference), each within one of its quota', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 500 }),
        (sizes, total) => {
          const result = allocateLargestRemainder(sizes, total)
          expect(result).toEqual(referenceAllocation(sizes, total))
          const population = sizes.reduce((a, b) => a + b, 0)
          expect(result.reduce((a, b) => a + b, 0)).toBe(Math.min(total, population))
          result.forEach((value, index) => {
            const quota = population === 0 ? 0 : (Math.min(total, population) * sizes[index]!) / population
            expect(value).toBeGreaterThanOrEqual(Math.floor(quota))
            expect(value).toBeLessThanOrEqual(Math.ceil(quota))
            expect(value).toBeLessThanOrEqual(sizes[index]!)
          })
        },
      ),
    )
  })

  it('stratifies by annotator in proportion: 60 / 30 / 10 images, 10% → 6 / 3 / 1', () => {
    const images = population(100).map((image, index) => ({ ...image, annotator: index < 60 ? 'ada' : index < 90 ? 'bo' : 'cy' }))
    const sample = drawSample(images, { seed: 's', fraction: 0.1, strata: ['annotator'] })
    expect(sample.strata).toEqual([
      { key: 'annotator=ada', population: 60, sample: 6 },
      { key: 'annotator=bo', population: 30, sample: 3 },
      { key: 'annotator=cy', population: 10, sample: 1 },
    ])
    for (const image of sample.images)
      expect(images.find((item) => item.imageId === image.imageId)?.annotator).toBe(image.stratum.slice(10))
  })

  it('classes images by their share of automatic final masks', () => {
    expect(sourceMixOf(0, 0)).toBe('no_masks')
    expect(sourceMixOf(2, 1)).toBe('mostly_auto')
    expect(sourceMixOf(1, 1)).toBe('mixed')
    expect(sourceMixOf(1, 2)).toBe('mostly_manual')
    const sample = drawSample(population(90), { seed: 'x', fraction: 0.2, strata: ['source_mix', 'annotator'] })
    expect(sample.strata.every((stratum) => /^annotator=\w+ · source_mix=\w+$/.test(stratum.key))).toBe(true)
    expect(sample.images).toHaveLength(18)
  })

  it('handles an empty population, one image, and fraction 1', () => {
    expect(drawSample([], { seed: 's', fraction: 0.05, strata: ['annotator'] })).toMatchObject({
      images: [],
      populationSize: 0,
      strata: [],
    })
    expect(drawSample(population(1), { seed: 's', fraction: 0.05, strata: [] }).images).toHaveLength(1)
    const all = drawSample(population(37), { seed: 's', fraction: 1, strata: ['annotator'] })
    expect(all.images.map((image) => image.imageId).sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i + 1))
  })

  it('picks every image about equally often over many seeds (k/N each)', () => {
    const images = population(20)
    const hits = new Map<number, number>()
    const seeds = 4000
    for (let seed = 0; seed < seeds; seed++)
      for (const image of drawSample(images, { seed: `seed-${seed}`, fraction: 0.1, strata: [] }).images)
        hits.set(image.imageId, (hits.get(image.imageId) ?? 0) + 1)
    // Expected 4000 · 2/20 = 400 per image; binomial sd ≈ 19, so ±100 is over 5 sd.
    for (const image of images) expect(Math.abs((hits.get(image.imageId) ?? 0) - 400)).toBeLessThan(100)
  })
})
