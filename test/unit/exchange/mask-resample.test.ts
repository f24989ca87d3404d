import { describe, expect, it } from 'vitest'
import { decodeMask, encodeMask } from '../../../src-main/core/masks'
import { resampleRleNearest, scaleBox, scalePoints } from '../../../src-main/core/exchange/mask-resample'
import { disc, seeded } from './exchange-helpers'

/** The rule written out pixel by pixel: target (X, Y) takes source (floor((X+½)w/W), floor((Y+½)h/H)). */
function bruteForce(mask: Uint8Array, h: number, w: number, H: number, W: number): Uint8Array {
  const out = new Uint8Array(H * W)
  for (let Y = 0; Y < H; Y++) {
    const y = Math.floor(((Y + 0.5) * h) / H)
    for (let X = 0; X < W; X++) out[Y * W + X] = mask[y * w + Math.floor(((X + 0.5) * w) / W)] as number
  }
  return out
}

function randomBlobs(h: number, w: number, random: () => number): Uint8Array {
  const mask = new Uint8Array(h * w)
  for (let k = 0; k < 4; k++) {
    const x0 = Math.floor(random() * w)
    const y0 = Math.floor(random() * h)
    const x1 = Math.min(w, x0 + 1 + Math.floor(random() * w * 0.6))
    const y1 = Math.min(h, y0 + 1 + Math.floor(random() * h * 0.6))
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = random() < 0.9 ? 1 : 0
  }
  return mask
}

describe('resampleRleNearest', () => {
  it('equals decode → nearest-neighbour resize → encode for up- and downscaling by integer and odd factors', () => {
    const random = seeded(7)
    const sizes: [number, number, number, number][] = [
      [15, 20, 30, 40],
      [15, 20, 45, 60],
      [30, 40, 15, 20],
      [37, 51, 100, 137],
      [100, 137, 37, 51],
      [13, 17, 13, 17],
      [9, 12, 3, 4],
      [1, 1, 5, 7],
    ]
    for (const [h, w, H, W] of sizes) {
      for (let trial = 0; trial < 6; trial++) {
        const mask = trial === 0 ? new Uint8Array(h * w).fill(1) : trial === 1 ? new Uint8Array(h * w) : randomBlobs(h, w, random)
        const resampled = resampleRleNearest(encodeMask(mask, h, w), H, W)
        const expected = encodeMask(bruteForce(mask, h, w, H, W), H, W)
        expect(Array.from(resampled.counts), `${h}×${w} → ${H}×${W}, trial ${trial}`).toEqual(Array.from(expected.counts))
        expect(resampled.size).toEqual([H, W])
      }
    }
  })

  it('upscales exactly by 2 and 3 (every source pixel becomes a block) and round-trips by downscaling', () => {
    const mask = disc(21, 33, 15, 10, 7)
    for (const factor of [2, 3]) {
      const up = resampleRleNearest(encodeMask(mask, 21, 33), 21 * factor, 33 * factor)
      const pixels = decodeMask(up)
      for (let y = 0; y < 21 * factor; y++)
        for (let x = 0; x < 33 * factor; x++)
          expect(pixels[y * 33 * factor + x]).toBe(mask[Math.floor(y / factor) * 33 + Math.floor(x / factor)])
      const down = resampleRleNearest(up, 21, 33)
      expect(Array.from(down.counts)).toEqual(Array.from(encodeMask(mask, 21, 33).counts))
    }
  })

  it('scales points continuously and boxes by their corners', () => {
    expect(scalePoints([[10, 5]], { width: 100, height: 50 }, { width: 200, height: 150 })).toEqual([[20, 15]])
    expect(scaleBox([10, 5, 20, 10], { width: 100, height: 50 }, { width: 150, height: 75 })).toEqual([15, 8, 30, 15])
  })
})
