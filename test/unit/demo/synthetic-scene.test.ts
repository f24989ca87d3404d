import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  OBJECT_ROLES,
  QUALITY_SCENE_LAYOUT,
  generateQualityScene,
  generateScene,
  type SceneObject,
  type SyntheticScene,
} from '../../../src-main/core/demo/synthetic-scene'
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

/** Whether two masks meet across a pixel edge (or overlap). */
function adjacent(a: Uint8Array, b: Uint8Array, width: number): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== 1) continue
    const x = i % width
    if (b[i] === 1 || (x + 1 < width && b[i + 1] === 1) || (x > 0 && b[i - 1] === 1) || b[i + width] === 1 || b[i - width] === 1)
      return true
  }
  return false
}

function root(scene: SyntheticScene, object: SceneObject): number {
  let current = object
  while (current.parentId !== null) current = scene.objects.find((o) => o.id === current.parentId)!
  return current.id
}

describe('object roles', () => {
  it('labels every object of generateScene by what it poses: small, nested, touching, else distinct', () => {
    fc.assert(
      fc.property(sceneArgs, ({ seed, width, height, objects }) => {
        const scene = generateScene(seed, width, height, objects)
        const parents = new Set(scene.objects.map((o) => o.parentId))
        for (const o of scene.objects) {
          expect(OBJECT_ROLES).toContain(o.role)
          if (o.role === 'small') continue
          expect(o.role === 'nested').toBe(o.parentId !== null || parents.has(o.id))
          if (o.role === 'nested') continue
          const others = scene.objects.filter((other) => root(scene, other) !== root(scene, o))
          expect(o.role === 'touching').toBe(others.some((other) => adjacent(o.mask, other.mask, width)))
        }
        expect(scene.objects.at(-1)?.role).toBe('small') // the last object is drawn small
      }),
      { numRuns: 40 },
    )
  })
})

describe('generateQualityScene', () => {
  it('holds every kind in fixed numbers: 3 distinct, 3 objects with a part, 3 touching pairs, 3 small', () => {
    for (const seed of [7000, 7001, 7002, 7003]) {
      const scene = generateQualityScene(seed, 600, 400)
      const count = (role: string) => scene.objects.filter((o) => o.role === role).length
      expect([count('distinct'), count('nested'), count('touching'), count('small')]).toEqual([
        QUALITY_SCENE_LAYOUT.distinct,
        2 * QUALITY_SCENE_LAYOUT.nested,
        2 * QUALITY_SCENE_LAYOUT.touching,
        QUALITY_SCENE_LAYOUT.small,
      ])
      for (const o of scene.objects) {
        expect(o.area).toBe(count1(o.mask))
        const others = scene.objects.filter((other) => root(scene, other) !== root(scene, o))
        const touches = others.filter((other) => adjacent(o.mask, other.mask, 600))
        // Distinct, nested and small groups stand apart; each touching object meets exactly its partner.
        expect(touches.length, `object ${o.id} (${o.role})`).toBe(o.role === 'touching' ? 1 : 0)
        if (o.parentId !== null) expect(scene.objects.find((p) => p.id === o.parentId)?.role).toBe('nested')
      }
      const small = scene.objects.filter((o) => o.role === 'small')
      const large = scene.objects.filter((o) => o.role === 'distinct')
      expect(Math.max(...small.map((o) => o.area))).toBeLessThan(Math.min(...large.map((o) => o.area)))
    }
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateQualityScene(5, 300, 200)
    expect(Buffer.from(generateQualityScene(5, 300, 200).rgb).equals(Buffer.from(a.rgb))).toBe(true)
    expect(Buffer.from(generateQualityScene(6, 300, 200).rgb).equals(Buffer.from(a.rgb))).toBe(false)
  })
})

function count1(mask: Uint8Array): number {
  let n = 0
  for (const v of mask) n += v
  return n
}
