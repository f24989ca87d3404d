import { describe, expect, it } from 'vitest'
import type { MaskRecord } from '../../../src-main/core/project/mask-repository'
import { summaryPrompt, toMaskSummary } from '../../../src-main/core/review'

const base: MaskRecord = {
  id: 7,
  imageId: 1,
  rleCounts: '0',
  area: 0,
  bbox: [0, 0, 0, 0],
  source: 'auto',
  state: 'proposed',
  predictedIou: 0.9,
  stabilityScore: 0.95,
  pointCoords: [[12.5, 30]],
  cropBox: [0, 0, 100, 80],
  prompt: null,
  modelId: 3,
  actor: 'tessera',
  secondsSpent: null,
  clicks: null,
  originMaskId: null,
  originIou: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
}

describe('mask summaries', () => {
  it('grid proposals: their one positive point', () => {
    expect(summaryPrompt({ ...base, prompt: { points: [{ x: 12.5, y: 30, label: 'positive' }] } })).toEqual({
      points: [{ x: 12.5, y: 30, label: 'positive' }],
      box: null,
    })
    // No stored prompt (older or imported proposals): point_coords are the positive clicks.
    expect(summaryPrompt(base)).toEqual({ points: [{ x: 12.5, y: 30, label: 'positive' }], box: null })
  })

  it('detection proposals: the XYXY box alone (the centre point was not a prompt)', () => {
    expect(
      summaryPrompt({ ...base, prompt: { points: [{ x: 15, y: 25, label: 'positive' }], box: [10, 20, 20, 30] }, pointCoords: [[15, 25]] }),
    ).toEqual({ points: [], box: { x0: 10, y0: 20, x1: 20, y1: 30 } })
  })

  it('manual masks: their points and box; nothing invented for a manual mask without a prompt', () => {
    const prompt = {
      points: [
        { x: 1, y: 2, label: 'positive' as const },
        { x: 3, y: 4, label: 'negative' as const },
      ],
      box: { x0: 0, y0: 0, x1: 9, y1: 9 },
      maskInput: '4.1',
    }
    expect(summaryPrompt({ ...base, source: 'manual', prompt })).toEqual({ points: prompt.points, box: prompt.box })
    expect(summaryPrompt({ ...base, source: 'manual', prompt: { mergedFrom: [1, 2] } })).toEqual({ points: [], box: null })
    expect(summaryPrompt({ ...base, source: 'manual', prompt: null })).toEqual({ points: [], box: null })
    // Malformed stored points are left out rather than passed on.
    expect(
      summaryPrompt({
        ...base,
        source: 'manual',
        prompt: {
          points: [
            { x: 'a', y: 1, label: 'positive' },
            { x: 1, y: 1, label: 'maybe' },
          ] as never,
        },
      }),
    ).toEqual({ points: [], box: null })
  })

  it('carries actor and updatedAt', () => {
    expect(toMaskSummary(base, [80, 100])).toMatchObject({
      id: 7,
      rle: { size: [80, 100], counts: '0' },
      actor: 'tessera',
      updatedAt: '2026-01-02T00:00:00.000Z',
      prompt: { points: [{ x: 12.5, y: 30, label: 'positive' }], box: null },
    })
  })
})
