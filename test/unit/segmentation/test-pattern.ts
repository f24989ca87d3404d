/**
 * A deterministic, high-frequency RGB test pattern. The same formula generated the Pillow 9.4 golden
 * values in preprocess.test.ts (numpy int64 arithmetic, then `Image.fromarray(...).resize(size, BILINEAR)`):
 *   v(x, y, c) = (7x² + 13y + 5xy + 71c + 11·(y² mod 17)) mod 256
 */
import type { RgbImage } from '../../../src-main/core/segmentation/sam-official/preprocess'

export function testPattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * width + x) * 3 + c] = (x * x * 7 + y * 13 + x * y * 5 + c * 71 + ((y * y) % 17) * 11) % 256
      }
    }
  }
  return { data, width, height }
}
