import { describe, expect, it } from 'vitest'
import { SAM_EMBEDDING_LENGTH, buildDecoderFeeds, toResizedFrame } from '../../../src-main/core/segmentation/sam-official/decoder-feeds'

const embedding = new Float32Array(SAM_EMBEDDING_LENGTH)
const size = { width: 2250, height: 1500 } // H=1500, W=2250 → 683×1024

describe('buildDecoderFeeds', () => {
  it('reproduces the reference worked example: click (500, 375) on 1500×2250', () => {
    const feeds = buildDecoderFeeds({ points: [{ x: 500, y: 375, label: 'foreground' }] }, size, embedding)
    expect(feeds.point_coords.dims).toEqual([1, 2, 2])
    const c = Array.from(feeds.point_coords.data)
    expect(c[0]).toBeCloseTo(227.5556, 4) // 500 · 1024/2250
    expect(c[1]).toBeCloseTo(170.75, 5) // 375 · 683/1500, never + 0.5
    expect(c.slice(2)).toEqual([0, 0]) // padding row
    expect(Array.from(feeds.point_labels.data)).toEqual([1, -1])
    expect(feeds.point_labels.dims).toEqual([1, 2])
    expect(Array.from(feeds.orig_im_size.data)).toEqual([1500, 2250])
    expect(feeds.orig_im_size.dims).toEqual([2])
    expect(Array.from(feeds.has_mask_input.data)).toEqual([0])
    expect(feeds.mask_input.dims).toEqual([1, 1, 256, 256])
    expect(feeds.mask_input.data.every((v) => v === 0)).toBe(true)
    expect(feeds.image_embeddings.data).toBe(embedding)
    expect(feeds.image_embeddings.dims).toEqual([1, 256, 64, 64])
  })

  it('uses the rounded size per axis, not one factor', () => {
    const [x, y] = toResizedFrame(2250, 1500, size)
    expect(x).toBe(1024)
    expect(y).toBe(683)
  })

  it('puts clicks first, then box corners labelled 2/3, and no padding row with a box', () => {
    const feeds = buildDecoderFeeds(
      {
        points: [
          { x: 100, y: 200, label: 'foreground' },
          { x: 300, y: 400, label: 'background' },
        ],
        box: { x0: 10, y0: 20, x1: 2250, y1: 1500 },
      },
      size,
      embedding,
    )
    expect(Array.from(feeds.point_labels.data)).toEqual([1, 0, 2, 3])
    expect(feeds.point_coords.dims).toEqual([1, 4, 2])
    const c = feeds.point_coords.data
    expect(c[4]).toBeCloseTo((10 * 1024) / 2250, 4)
    expect(c[5]).toBeCloseTo((20 * 683) / 1500, 4)
    expect(c[6]).toBeCloseTo(1024, 4)
    expect(c[7]).toBeCloseTo(683, 4)
  })

  it('a box alone gives exactly two rows', () => {
    const feeds = buildDecoderFeeds({ points: [], box: { x0: 0, y0: 0, x1: 10, y1: 10 } }, size, embedding)
    expect(Array.from(feeds.point_labels.data)).toEqual([2, 3])
  })

  it('passes previous low-res logits with has_mask_input = 1, as a copy', () => {
    const previous = new Float32Array(256 * 256).fill(-3)
    previous[5] = 7
    const feeds = buildDecoderFeeds({ points: [{ x: 1, y: 1, label: 'foreground' }], maskInput: previous }, size, embedding)
    expect(Array.from(feeds.has_mask_input.data)).toEqual([1])
    expect(feeds.mask_input.data[5]).toBe(7)
    expect(feeds.mask_input.data).not.toBe(previous)
  })

  it('rejects malformed inputs with clear errors', () => {
    const click = { x: 1, y: 1, label: 'foreground' } as const
    expect(() => buildDecoderFeeds({ points: [] }, size, embedding)).toThrow(/point or a box/)
    expect(() => buildDecoderFeeds({ points: [click] }, size, new Float32Array(10))).toThrow(/1×256×64×64/)
    expect(() => buildDecoderFeeds({ points: [click], maskInput: new Float32Array(1024 * 1024) }, size, embedding)).toThrow(/256×256/)
    expect(() => buildDecoderFeeds({ points: [{ x: NaN, y: 1, label: 'foreground' }] }, size, embedding)).toThrow(/finite/)
  })
})
