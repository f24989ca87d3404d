import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stabilityScore } from '../../../src-main/core/segmentation/sam-official/postprocess'
import { thresholdAndCountInto } from '../../../src-main/core/segmentation/variants/logit-upscaler'

describe('threshold with stability counts in one pass', () => {
  it('gives the same mask as logit > 0 and the same counts as a separate stability pass, at any alignment', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 0, maxLength: 200 }),
        fc.integer({ min: 0, max: 5 }),
        (values, dstOffset) => {
          const src = Float32Array.from(values)
          const dst = new Uint8Array(values.length + dstOffset + 3)
          const counts = thresholdAndCountInto(src, 0, src.length, dst, dstOffset, 1)
          expect([...dst.subarray(dstOffset, dstOffset + src.length)]).toEqual(values.map((v) => (Math.fround(v) > 0 ? 1 : 0)))
          expect(counts.above).toBe(values.filter((v) => Math.fround(v) > 1).length)
          expect(counts.aboveLow).toBe(values.filter((v) => Math.fround(v) > -1).length)
          if (counts.aboveLow > 0) expect(counts.above / counts.aboveLow).toBe(stabilityScore(src))
        },
      ),
    )
  })
})
