/** Slow, obviously-right references the upscaling tests compare against. */

/** PyTorch bilinear, align_corners=False, no antialias, one pixel at a time (float64). */
export function referenceResize(src: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number): Float64Array {
  const out = new Float64Array(dw * dh)
  const coord = (o: number, inSize: number, outSize: number): [number, number, number] => {
    const s = Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5)
    const a = Math.min(Math.floor(s), inSize - 1)
    return [a, Math.min(a + 1, inSize - 1), s - a]
  }
  for (let y = 0; y < dh; y++) {
    const [y0, y1, fy] = coord(y, sh, dh)
    for (let x = 0; x < dw; x++) {
      const [x0, x1, fx] = coord(x, sw, dw)
      const v = (r: number, c: number): number => src[r * sw + c] as number
      out[y * dw + x] = (1 - fy) * ((1 - fx) * v(y0, x0) + fx * v(y0, x1)) + fy * ((1 - fx) * v(y1, x0) + fx * v(y1, x1))
    }
  }
  return out
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)))
  return m
}
