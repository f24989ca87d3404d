/** fast-check generators of masks shared by the mask property tests. */
import fc from 'fast-check'

export /** Random 0/1 masks of one size: noise of random density, a few rectangles, empty or full. */
function pixelsArbitrary(height: number, width: number): fc.Arbitrary<Uint8Array> {
  const length = height * width
  const noise = fc
    .tuple(fc.integer({ min: 1, max: 254 }), fc.uint8Array({ minLength: length, maxLength: length }))
    .map(([cut, bytes]) => bytes.map((v) => (v < cut ? 0 : 1)))
  const rectangles = fc
    .array(fc.record({ x0: fc.nat(width), x1: fc.nat(width), y0: fc.nat(height), y1: fc.nat(height) }), { maxLength: 3 })
    .map((list) => {
      const pixels = new Uint8Array(length)
      for (const { x0, x1, y0, y1 } of list) {
        for (let y = Math.min(y0, y1); y < Math.max(y0, y1); y++) {
          for (let x = Math.min(x0, x1); x < Math.max(x0, x1); x++) pixels[y * width + x] = 1
        }
      }
      return pixels
    })
  return fc.oneof(noise, rectangles, fc.constant(new Uint8Array(length)), fc.constant(new Uint8Array(length).fill(1)))
}
