/**
 * Box types and box IoU in the two conventions this project meets.
 * Pure arithmetic: no Electron, no Node APIs.
 */

/** [x, y, width, height] in pixels. COCO boxes are exclusive extents; SA-1B boxes are one short (inclusive max). */
export type BboxXywh = [x: number, y: number, width: number, height: number]

/** [x0, y0, x1, y1] in pixels; whether x1/y1 are inclusive depends on the producer (SAM: inclusive). */
export type BoxXyxy = [x0: number, y0: number, x1: number, y1: number]

/**
 * IoU of two COCO XYWH boxes as cocoapi `bbIou` computes it (same operation order, so the same doubles).
 * Returns 0 when the boxes do not overlap with positive width and height.
 * When `gtIsCrowd`, the union is the detection's area alone.
 */
export function cocoBboxIou(dt: BboxXywh, gt: BboxXywh, gtIsCrowd = false): number {
  const [dx, dy, dw, dh] = dt
  const [gx, gy, gw, gh] = gt
  const overlapWidth = Math.min(dw + dx, gw + gx) - Math.max(dx, gx)
  if (overlapWidth <= 0) return 0
  const overlapHeight = Math.min(dh + dy, gh + gy) - Math.max(dy, gy)
  if (overlapHeight <= 0) return 0
  const intersection = overlapWidth * overlapHeight
  const dtArea = dw * dh
  const union = gtIsCrowd ? dtArea : dtArea + gw * gh - intersection
  return intersection / union
}

/**
 * IoU of two XYXY boxes as torchvision `box_iou` / `nms` compute it: area = (x1 - x0)·(y1 - y0) with no +1,
 * even for SAM's inclusive boxes. Two zero-area boxes give 0/0 = NaN, which compares false against any threshold.
 */
export function boxIouXyxy(a: BoxXyxy, b: BoxXyxy): number {
  const [ax0, ay0, ax1, ay1] = a
  const [bx0, by0, bx1, by1] = b
  const areaA = (ax1 - ax0) * (ay1 - ay0)
  const areaB = (bx1 - bx0) * (by1 - by0)
  const overlapWidth = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0))
  const overlapHeight = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0))
  const intersection = overlapWidth * overlapHeight
  return intersection / (areaA + areaB - intersection)
}
