import { describe, expect, it } from 'vitest'
import { boxIouXyxy, cocoBboxIou } from '../../../src-main/core/masks'

describe('cocoBboxIou (cocoapi bbIou)', () => {
  it('computes intersection over union of XYWH boxes', () => {
    expect(cocoBboxIou([0, 0, 2, 2], [1, 1, 2, 2])).toBe(1 / 7)
    expect(cocoBboxIou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1)
  })

  it('uses the detection area as union for crowd gt', () => {
    expect(cocoBboxIou([0, 0, 2, 2], [1, 1, 2, 2], true)).toBe(1 / 4)
    expect(cocoBboxIou([1, 1, 1, 1], [0, 0, 10, 10], true)).toBe(1)
  })

  it('is 0 for touching, disjoint and empty boxes', () => {
    expect(cocoBboxIou([0, 0, 2, 2], [2, 0, 2, 2])).toBe(0)
    expect(cocoBboxIou([0, 0, 2, 2], [5, 5, 1, 1])).toBe(0)
    expect(cocoBboxIou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0)
  })
})

describe('boxIouXyxy (torchvision box_iou / nms)', () => {
  it('has no +1 on widths', () => {
    expect(boxIouXyxy([0, 0, 2, 2], [1, 1, 3, 3])).toBe(1 / 7)
    expect(boxIouXyxy([0, 0, 10, 10], [0, 0, 10, 5])).toBe(0.5)
  })

  it('gives NaN for two zero-area boxes, which never passes an IoU > threshold test', () => {
    const iou = boxIouXyxy([3, 3, 3, 8], [3, 3, 3, 8])
    expect(iou).toBeNaN()
    expect(iou > 0.7).toBe(false)
    expect(boxIouXyxy([3, 3, 3, 8], [0, 0, 10, 10])).toBe(0)
  })
})
