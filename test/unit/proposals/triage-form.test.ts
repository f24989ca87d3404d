import { describe, expect, it } from 'vitest'
import { presetSettings, validateTriage } from '../../../src-main/core/proposals/triage'
import { formFromSettings, parseTriageForm, sameThresholds, stepField } from '../../../src-renderer/lib/triage-form'

const general = presetSettings('general')

describe('the custom-threshold form', () => {
  it('shows a preset and gives the same thresholds back, as custom', () => {
    const form = formFromSettings(general)
    expect(form).toEqual({
      autoIou: '0.88',
      autoStability: '0.95',
      autoArea: '100',
      reviewIou: '0.5',
      reviewStability: '0.5',
      reviewArea: '10',
      maxAreaPercent: '95',
    })
    const parsed = parseTriageForm(form)
    expect(parsed.errors).toEqual({})
    expect(parsed.settings?.preset).toBe('custom')
    expect(sameThresholds(parsed.settings!, general)).toBe(true)
    expect(validateTriage(parsed.settings!)).toEqual([])
  })

  it('reads edited fields (a comma as decimal point too) into settings the backend accepts', () => {
    const parsed = parseTriageForm({ ...formFromSettings(general), autoIou: ' 0,93 ', reviewArea: '0', maxAreaPercent: '50' })
    expect(parsed.settings).toEqual({
      preset: 'custom',
      auto: { predictedIou: 0.93, stability: 0.95, minArea: 100 },
      review: { predictedIou: 0.5, stability: 0.5, minArea: 0 },
      maxAreaFraction: 0.5,
    })
    expect(validateTriage(parsed.settings!)).toEqual([])
  })

  it('says what is wrong next to each field and makes no settings', () => {
    const form = formFromSettings(general)
    expect(parseTriageForm({ ...form, autoIou: '1.', reviewIou: '.5' }).settings?.auto.predictedIou).toBe(1) // half-typed, still numbers
    const bad = parseTriageForm({
      ...form,
      autoIou: 'abc',
      autoStability: '1.2',
      autoArea: '10.5',
      reviewIou: '',
      maxAreaPercent: '0',
    })
    expect(bad.settings).toBeNull()
    expect(bad.errors).toEqual({
      autoIou: 'Enter a number',
      autoStability: 'Stability is from 0 to 1',
      autoArea: 'Area is a whole number of pixels, 0 or more',
      reviewIou: 'Enter a number',
      maxAreaPercent: 'Above 0 and at most 100 %',
    })
    expect(parseTriageForm({ ...form, maxAreaPercent: '100' }).settings?.maxAreaFraction).toBe(1)
  })

  it('keeps the review floor at or below the auto-accept thresholds', () => {
    const form = formFromSettings(general)
    expect(parseTriageForm({ ...form, reviewIou: '0.88' }).errors).toEqual({}) // equal: an empty band, allowed
    const above = parseTriageForm({ ...form, reviewIou: '0.9', reviewStability: '0.96', reviewArea: '101' })
    expect(above.settings).toBeNull()
    expect(above.errors).toEqual({
      reviewIou: 'Review floor above auto-accept (0.88)',
      reviewStability: 'Review floor above auto-accept (0.95)',
      reviewArea: 'Review floor above auto-accept (100)',
    })
  })

  it('steps a field with the arrow keys without float noise, never below 0', () => {
    expect(stepField('autoIou', '0.88', 1)).toBe('0.89')
    expect(stepField('autoIou', '0.1', 1)).toBe('0.11')
    expect(stepField('reviewArea', '5', -1)).toBe('0')
    expect(stepField('maxAreaPercent', '95', 1)).toBe('96')
    expect(stepField('autoIou', 'x', 1)).toBe('x')
  })
})
