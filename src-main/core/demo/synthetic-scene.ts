/**
 * Synthetic scenes with known ground truth: coloured objects (some touching, some small, some with
 * nested parts, one with a hole) on textured backgrounds. They fill the bundled demo project and
 * let tests and benchmarks measure proposals against true masks.
 */
import { seededRandom } from './seeded-random'

export type ShapeKind = 'disk' | 'ellipse' | 'rectangle' | 'triangle' | 'ring'

export interface SceneObject {
  /** 1-based, in paint order. */
  id: number
  kind: ShapeKind
  /** The object this one is a part of (drawn on top of it), or null. */
  parentId: number | null
  /** RGB fill colour. */
  colour: [number, number, number]
  /** Visible pixels of the object and its parts, row-major height×width, 1 = inside. */
  mask: Uint8Array
  area: number
}

export interface SyntheticScene {
  width: number
  height: number
  /** Interleaved RGB, row-major. */
  rgb: Uint8Array
  objects: SceneObject[]
}

interface Shape {
  kind: ShapeKind
  cx: number
  cy: number
  rx: number
  ry: number
  angle: number
}

/** Colours far apart in hue and value, so every object differs clearly from its neighbours. */
const PALETTE: [number, number, number][] = [
  [220, 60, 50],
  [40, 120, 220],
  [240, 190, 40],
  [60, 170, 90],
  [160, 70, 200],
  [250, 130, 30],
  [30, 190, 200],
  [230, 90, 170],
  [120, 80, 40],
  [240, 240, 235],
  [25, 30, 45],
  [150, 200, 60],
]

function inside(shape: Shape, x: number, y: number): boolean {
  const cos = Math.cos(shape.angle)
  const sin = Math.sin(shape.angle)
  const dx = x - shape.cx
  const dy = y - shape.cy
  const u = (dx * cos + dy * sin) / shape.rx
  const v = (-dx * sin + dy * cos) / shape.ry
  switch (shape.kind) {
    case 'disk':
    case 'ellipse':
      return u * u + v * v <= 1
    case 'ring': {
      const r = u * u + v * v
      return r <= 1 && r >= 0.3
    }
    case 'rectangle':
      return Math.abs(u) <= 1 && Math.abs(v) <= 1
    case 'triangle':
      return v <= 1 && v >= -1 && Math.abs(u) <= (v + 1) / 2
  }
}

/** Smooth value noise in [0, 1) from a coarse random lattice, bilinearly interpolated. */
function valueNoise(random: () => number, width: number, height: number, cell: number): Float32Array {
  const gw = Math.ceil(width / cell) + 2
  const gh = Math.ceil(height / cell) + 2
  const lattice = Float32Array.from({ length: gw * gh }, () => random())
  const out = new Float32Array(width * height)
  for (let y = 0; y < height; y++) {
    const gy = y / cell
    const y0 = Math.floor(gy)
    const fy = gy - y0
    for (let x = 0; x < width; x++) {
      const gx = x / cell
      const x0 = Math.floor(gx)
      const fx = gx - x0
      const a = lattice[y0 * gw + x0] as number
      const b = lattice[y0 * gw + x0 + 1] as number
      const c = lattice[(y0 + 1) * gw + x0] as number
      const d = lattice[(y0 + 1) * gw + x0 + 1] as number
      out[y * width + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy
    }
  }
  return out
}

export function generateScene(seed: number, width: number, height: number, objectCount = 8): SyntheticScene {
  const random = seededRandom(seed)
  const pixels = width * height
  const rgb = new Uint8Array(pixels * 3)

  // Background: muted base colour, a gradient, two octaves of noise and faint stripes.
  const base = [90 + random() * 60, 90 + random() * 60, 90 + random() * 60]
  const coarse = valueNoise(random, width, height, Math.max(8, Math.round(Math.min(width, height) / 6)))
  const fine = valueNoise(random, width, height, 6)
  const stripePeriod = 18 + random() * 30
  for (let i = 0; i < pixels; i++) {
    const x = i % width
    const y = (i / width) | 0
    const shade =
      0.75 + 0.35 * (coarse[i] as number) + 0.12 * (fine[i] as number) + 0.04 * Math.sin((x + y) / stripePeriod) + (0.15 * y) / height
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, Math.round((base[c] as number) * shade)))
  }

  // Objects: a mix of sizes; every third has a part drawn on it; the last is small.
  const owner = new Int32Array(pixels) // topmost object id per pixel, 0 = background
  const objects: Omit<SceneObject, 'mask' | 'area'>[] = []
  const shapes: Shape[] = []
  const minSide = Math.min(width, height)
  const kinds: ShapeKind[] = ['disk', 'ellipse', 'rectangle', 'triangle', 'ring']
  let paletteIndex = Math.floor(random() * PALETTE.length)
  const addObject = (shape: Shape, parentId: number | null) => {
    const colour = PALETTE[paletteIndex++ % PALETTE.length] as [number, number, number]
    const id = objects.length + 1
    objects.push({ id, kind: shape.kind, parentId, colour })
    shapes.push(shape)
    const reach = Math.max(shape.rx, shape.ry) * 1.5
    const x0 = Math.max(0, Math.floor(shape.cx - reach))
    const x1 = Math.min(width - 1, Math.ceil(shape.cx + reach))
    const y0 = Math.max(0, Math.floor(shape.cy - reach))
    const y1 = Math.min(height - 1, Math.ceil(shape.cy + reach))
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (!inside(shape, x + 0.5, y + 0.5)) continue
        const i = y * width + x
        owner[i] = id
        const light = 0.9 + 0.1 * (fine[i] as number) - (0.08 * (y - shape.cy)) / (shape.ry + 1)
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, Math.round((colour[c] as number) * light)))
      }
    }
    return id
  }
  for (let k = 0; k < objectCount; k++) {
    const small = k === objectCount - 1
    const radius = small ? minSide * (0.025 + random() * 0.015) : minSide * (0.07 + random() * 0.12)
    const kind = small ? 'disk' : (kinds[Math.floor(random() * kinds.length)] as ShapeKind)
    const round = kind === 'disk' || kind === 'ring'
    const shape: Shape = {
      kind,
      cx: radius + random() * (width - 2 * radius),
      cy: radius + random() * (height - 2 * radius),
      rx: radius,
      ry: round ? radius : radius * (0.5 + random() * 0.5),
      angle: round ? 0 : random() * Math.PI,
    }
    // Every fourth object touches the previous one (shares an edge), as real scenes do.
    const previous = shapes[shapes.length - 1]
    if (k % 4 === 3 && previous) {
      shape.cx = Math.min(width - radius, Math.max(radius, previous.cx + previous.rx + radius * 0.9))
      shape.cy = previous.cy
    }
    const id = addObject(shape, null)
    if (k % 3 === 1 && kind !== 'ring' && !small) {
      addObject({ kind: 'disk', cx: shape.cx, cy: shape.cy, rx: radius * 0.35, ry: radius * 0.35, angle: 0 }, id)
    }
  }

  // Visible masks: an object owns its pixels and those of its parts.
  const ancestors = (id: number): number[] => {
    const chain: number[] = []
    for (let current: number | null = id; current !== null; current = objects[current - 1]?.parentId ?? null) chain.push(current)
    return chain
  }
  const masks = objects.map(() => new Uint8Array(pixels))
  const areas = objects.map(() => 0)
  const chains = objects.map((object) => ancestors(object.id))
  for (let i = 0; i < pixels; i++) {
    const id = owner[i] as number
    if (id === 0) continue
    for (const member of chains[id - 1] as number[]) {
      ;(masks[member - 1] as Uint8Array)[i] = 1
      areas[member - 1]!++
    }
  }
  return {
    width,
    height,
    rgb,
    objects: objects
      .map((object, index) => ({ ...object, mask: masks[index] as Uint8Array, area: areas[index] as number }))
      .filter((object) => object.area > 0),
  }
}
