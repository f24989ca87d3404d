import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateScene, type SceneObject, type SyntheticScene } from '../../../src-main/core/demo/synthetic-scene'
import { seededRandom } from '../../../src-main/core/demo/seeded-random'

function count(mask: Uint8Array): number {
  let n = 0
  for (const v of mask) n += v
  return n
}

function descendants(scene: SyntheticScene, id: number): SceneObject[] {
  const children = scene.objects.filter((o) => o.parentId === id)
  return children.flatMap((child) => [child, ...descendants(scene, child.id)])
}

const sceneArgs = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  width: fc.integer({ min: 60, max: 240 }),
  height: fc.integer({ min: 60, max: 240 }),
  objects: fc.integer({ min: 1, max: 11 }),
})

describe('seededRandom', () => {
  it('repeats for a seed, differs between seeds, and stays in [0, 1)', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const c = seededRandom(43)
    const xs = Array.from({ length: 1000 }, () => a())
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs)
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05)
  })
})

describe('generateScene', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateScene(7, 160, 120, 8)
    const b = generateScene(7, 160, 120, 8)
    expect(Buffer.from(b.rgb).equals(Buffer.from(a.rgb))).toBe(true)
    expect(b.objects.map((o) => [o.id, o.kind, o.parentId, o.colour, o.area])).toEqual(
      a.objects.map((o) => [o.id, o.kind, o.parentId, o.colour, o.area]),
    )
    for (const [i, o] of a.objects.entries()) expect(Buffer.from(b.objects[i]?.mask ?? []).equals(Buffer.from(o.mask))).toBe(true)
    expect(Buffer.from(generateScene(8, 160, 120, 8).rgb).equals(Buffer.from(a.rgb))).toBe(false)
  })

  it('has the stated shape: RGB of width×height, masks of width×height, objects in paint order', () => {
    const scene = generateScene(3, 300, 200, 10)
    expect([scene.width, scene.height, scene.rgb.length]).toEqual([300, 200, 300 * 200 * 3])
    expect(scene.objects.length).toBeGreaterThanOrEqual(5)
    expect(scene.objects.some((o) => o.parentId !== null)).toBe(true) // some objects have parts
    for (const o of scene.objects) {
      expect(o.mask.length).toBe(300 * 200)
      if (o.parentId !== null) expect(o.parentId).toBeLessThan(o.id)
    }
    const ids = scene.objects.map((o) => o.id)
    expect([...ids].sort((x, y) => x - y)).toEqual(ids)
  })

  it('gives every mask an area equal to its pixel count, and parts lie inside their parents', () => {
    fc.assert(
      fc.property(sceneArgs, ({ seed, width, height, objects }) => {
        const scene = generateScene(seed, width, height, objects)
        const byId = new Map(scene.objects.map((o) => [o.id, o]))
        for (const o of scene.objects) {
          expect(o.area).toBe(count(o.mask))
          expect(o.area).toBeGreaterThan(0)
          expect(o.mask.every((v) => v === 0 || v === 1)).toBe(true)
          if (o.parentId === null) continue
          const parent = byId.get(o.parentId)
          expect(parent, `parent ${o.parentId} of ${o.id}`).toBeDefined()
          for (let i = 0; i < o.mask.length; i++) if (o.mask[i] === 1) expect(parent?.mask[i]).toBe(1)
          expect(o.area).toBeLessThanOrEqual(parent?.area ?? 0)
        }
      }),
      { numRuns: 40 },
    )
  })

  it('never lets unrelated objects share a pixel', () => {
    fc.assert(
      fc.property(sceneArgs, ({ seed, width, height, objects }) => {
        const scene = generateScene(seed, width, height, objects)
        const tops = scene.objects.filter((o) => o.parentId === null)
        const claimed = new Uint8Array(width * height)
        for (const o of tops) {
          for (let i = 0; i < o.mask.length; i++) {
            if (o.mask[i] !== 1) continue
            expect(claimed[i], `pixel ${i} of object ${o.id}`).toBe(0)
            claimed[i] = 1
          }
        }
        // Parts of one object are disjoint too.
        for (const o of tops) {
          const parts = descendants(scene, o.id).filter((p) => p.parentId === o.id)
          const seen = new Uint8Array(width * height)
          for (const p of parts) {
            for (let i = 0; i < p.mask.length; i++) {
              if (p.mask[i] !== 1) continue
              expect(seen[i]).toBe(0)
              seen[i] = 1
            }
          }
        }
      }),
      { numRuns: 30 },
    )
  })

  it('paints each object in its own colour where its mask says it is visible', () => {
    const scene = generateScene(11, 240, 180, 9)
    for (const o of scene.objects) {
      const parts = descendants(scene, o.id)
      let checked = 0
      for (let i = 0; i < o.mask.length; i++) {
        if (o.mask[i] !== 1 || parts.some((p) => p.mask[i] === 1)) continue
        for (let c = 0; c < 3; c++) {
          const expected = o.colour[c] as number
          const actual = scene.rgb[i * 3 + c] as number
          // shading: ×0.82 … ×1.1 of the fill colour
          expect(actual, `object ${o.id} pixel ${i} channel ${c}`).toBeGreaterThanOrEqual(Math.floor(expected * 0.8) - 1)
          expect(actual).toBeLessThanOrEqual(Math.min(255, Math.ceil(expected * 1.12) + 1))
        }
        checked++
      }
      expect(checked, `object ${o.id} has visible pixels of its own`).toBeGreaterThan(0)
    }
  })
})
