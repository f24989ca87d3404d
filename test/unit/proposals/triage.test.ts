import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TRIAGE_PRESETS, classify, presetSettings, validateTriage } from '../../../src-main/core/proposals/triage'

const general = presetSettings('general')
const area = 1500 * 1000

describe('triage', () => {
  it('has the SA-1B presets', () => {
    expect(TRIAGE_PRESETS['high-precision']).toEqual({ predictedIou: 0.95, stability: 0.98, minArea: 500 })
    expect(TRIAGE_PRESETS.general).toEqual({ predictedIou: 0.88, stability: 0.95, minArea: 100 })
    expect(TRIAGE_PRESETS.exploratory).toEqual({ predictedIou: 0.75, stability: 0.85, minArea: 50 })
    expect(TRIAGE_PRESETS['maximum-coverage']).toEqual({ predictedIou: 0.5, stability: 0.5, minArea: 10 })
    for (const preset of ['high-precision', 'general', 'exploratory', 'maximum-coverage'] as const)
      expect(validateTriage(presetSettings(preset))).toEqual([])
  })

  it('accepts at the thresholds inclusively, reviews the band, discards below it', () => {
    expect(classify({ predictedIou: 0.88, stability: 0.95, area: 100 }, area, general)).toBe('auto')
    expect(classify({ predictedIou: 0.8799, stability: 0.99, area: 5000 }, area, general)).toBe('review')
    expect(classify({ predictedIou: 0.99, stability: 0.99, area: 99 }, area, general)).toBe('review')
    expect(classify({ predictedIou: 0.49, stability: 0.99, area: 5000 }, area, general)).toBe('discard')
    expect(classify({ predictedIou: 0.99, stability: 0.99, area: 9 }, area, general)).toBe('discard')
  })

  it('discards masks covering more than the maximum fraction of the image', () => {
    expect(classify({ predictedIou: 1, stability: 1, area: area * 0.96 }, area, general)).toBe('discard')
    expect(classify({ predictedIou: 1, stability: 1, area: area * 0.95 }, area, general)).toBe('auto')
  })

  it('is monotone: better scores never move a proposal to a worse class', () => {
    const rank = { discard: 0, review: 1, auto: 2 } as const
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1.05, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (iou, stability, pixels, bump) => {
          const before = classify({ predictedIou: iou, stability, area: pixels }, area, general)
          const after = classify(
            { predictedIou: iou + bump, stability: Math.min(1, stability + bump), area: pixels + Math.round(bump * 1000) },
            area,
            general,
          )
          expect(rank[after]).toBeGreaterThanOrEqual(rank[before])
        },
      ),
    )
  })

  it('says what is wrong with custom settings', () => {
    expect(validateTriage({ ...general, review: { ...general.review, predictedIou: 0.9 } })).toEqual([
      'the review floor must not be above the auto-accept thresholds',
    ])
    expect(validateTriage({ ...general, maxAreaFraction: 0 })).toEqual(['the maximum area fraction must be in (0, 1]'])
  })
})
