/**
 * Non-maximum suppression with torchvision semantics (`torchvision/csrc/ops/cpu/nms_kernel.cpp`, reached
 * through `batched_nms` with a single category, as SAM's generator calls it). Pure code.
 *
 * - Boxes are XYXY; area = (x1 − x0)·(y1 − y0), with no +1 even though SAM's boxes have inclusive ends.
 * - Visit boxes by descending score; keep a box unless an earlier kept box suppressed it; suppress every
 *   later box whose IoU with it is > `iouThreshold` (strictly).
 * - A zero-area box has zero intersection with everything, so its IoU is 0 (or 0/0 = NaN against another
 *   zero-area box): it never suppresses and is never suppressed.
 * - The kept indices come back in visiting order (descending score).
 *
 * Arithmetic follows the kernel's float32 maths: boxes and scores are rounded to float32, and the areas,
 * intersection, union and IoU are each rounded to float32 (`Math.fround`; for one division of two float32
 * values, rounding the double quotient to float32 gives the correctly rounded float32 quotient). The IoU is
 * compared with the threshold as a double, as C++ promotes the float to compare it with a `double`.
 *
 * Ties: torch sorts scores with an unstable sort (std::sort, or x86-simd-sort where built in), so the order
 * of equal scores is unspecified there. Here ties keep their input order (a stable sort: equal scores are
 * visited by ascending index), which is what libstdc++'s std::sort does for up to 16 elements. With ties
 * the kept set can differ from a torch run; compare results as sets. NaN scores come first, as torch's
 * descending comparator puts them.
 */
import type { BoxXyxy } from '../../masks'

/** Indices of the boxes NMS keeps, in descending score order. */
export function nms(boxes: readonly BoxXyxy[], scores: ArrayLike<number>, iouThreshold: number): number[] {
  const n = boxes.length
  if (scores.length !== n) throw new RangeError(`nms: ${n} boxes but ${scores.length} scores`)
  const f = Math.fround
  const coords = new Float32Array(n * 4)
  const areas = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const box = boxes[i] as BoxXyxy
    coords.set(box, i * 4)
    areas[i] = f((coords[i * 4 + 2]! - coords[i * 4]!) * (coords[i * 4 + 3]! - coords[i * 4 + 1]!))
  }
  const order = sortByDescendingScore(Float32Array.from(scores))
  const suppressed = new Uint8Array(n)
  const keep: number[] = []
  for (let a = 0; a < n; a++) {
    const i = order[a]!
    if (suppressed[i]) continue
    keep.push(i)
    const ix0 = coords[i * 4]!
    const iy0 = coords[i * 4 + 1]!
    const ix1 = coords[i * 4 + 2]!
    const iy1 = coords[i * 4 + 3]!
    const iArea = areas[i]!
    for (let b = a + 1; b < n; b++) {
      const j = order[b]!
      if (suppressed[j]) continue
      const w = Math.max(0, f(Math.min(ix1, coords[j * 4 + 2]!) - Math.max(ix0, coords[j * 4]!)))
      const h = Math.max(0, f(Math.min(iy1, coords[j * 4 + 3]!) - Math.max(iy0, coords[j * 4 + 1]!)))
      const intersection = f(w * h)
      const iou = f(intersection / f(f(iArea + areas[j]!) - intersection))
      if (iou > iouThreshold) suppressed[j] = 1
    }
  }
  return keep
}

/** Indices by descending score; NaN first; ties by ascending index. */
export function sortByDescendingScore(scores: Float32Array): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i)
  order.sort((a, b) => {
    const sa = scores[a]!
    const sb = scores[b]!
    const aNaN = Number.isNaN(sa)
    const bNaN = Number.isNaN(sb)
    if (aNaN || bNaN) return aNaN && bNaN ? a - b : aNaN ? -1 : 1
    return sa > sb ? -1 : sa < sb ? 1 : a - b
  })
  return order
}
