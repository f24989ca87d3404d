/**
 * Synthetic scenes with known ground truth: coloured objects (some touching, some small, some with
 * nested parts, one with a hole) on textured backgrounds. They fill the bundled demo project and
 * let tests and benchmarks measure proposals against true masks. Every object is labelled with the
 * kind of difficulty it poses (distinct, nested, touching, small), so recall can be reported per kind.
 */
import { seededRandom } from './seeded-random'

export type ShapeKind = 'disk' | 'ellipse' | 'rectangle' | 'triangle' | 'ring'

/**
 * What makes an object hard to propose, one label per object, first that applies: `small` (drawn
 * small on purpose), `nested` (a part drawn on an object, or an object that has parts: both are true
 * masks), `touching` (its visible pixels are 4-adjacent to an unrelated object's), else `distinct`.
 */
export type ObjectRole = 'distinct' | 'nested' | 'touching' | 'small'
export const OBJECT_ROLES: readonly ObjectRole[] = ['distinct', 'nested', 'touching', 'small']

export interface SceneObject {
  /** 1-based, in paint order. */
  id: number
  kind: ShapeKind
  /** The object this one is a part of (drawn on top of it), or null. */
  parentId: number | null
  role: ObjectRole
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

interface Canvas {
  width: number
  height: number
  rgb: Uint8Array
  /** Fine background noise, reused to shade objects. */
  fine: Float32Array
  random: () => number
}

/** Background: muted base colour, a gradient, two octaves of noise and faint stripes. */
function paintBackground(random: () => number, width: number, height: number): Canvas {
  const pixels = width * height
  const rgb = new Uint8Array(pixels * 3)
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
  return { width, height, rgb, fine, random }
}

/** Paints objects in order over a background and derives their visible masks and roles. */
class ScenePainter {
  readonly shapes: Shape[] = []
  private readonly objects: Omit<SceneObject, 'mask' | 'area' | 'role'>[] = []
  private readonly small = new Set<number>()
  /** Topmost object id per pixel, 0 = background. */
  private readonly owner: Int32Array
  private paletteIndex: number

  constructor(private readonly canvas: Canvas) {
    this.owner = new Int32Array(canvas.width * canvas.height)
    this.paletteIndex = Math.floor(canvas.random() * PALETTE.length)
  }

  add(shape: Shape, parentId: number | null, small = false): number {
    const { width, height, rgb, fine } = this.canvas
    const colour = PALETTE[this.paletteIndex++ % PALETTE.length] as [number, number, number]
    const id = this.objects.length + 1
    this.objects.push({ id, kind: shape.kind, parentId, colour })
    this.shapes.push(shape)
    if (small) this.small.add(id)
    const reach = Math.max(shape.rx, shape.ry) * 1.5
    const x0 = Math.max(0, Math.floor(shape.cx - reach))
    const x1 = Math.min(width - 1, Math.ceil(shape.cx + reach))
    const y0 = Math.max(0, Math.floor(shape.cy - reach))
    const y1 = Math.min(height - 1, Math.ceil(shape.cy + reach))
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (!inside(shape, x + 0.5, y + 0.5)) continue
        const i = y * width + x
        this.owner[i] = id
        const light = 0.9 + 0.1 * (fine[i] as number) - (0.08 * (y - shape.cy)) / (shape.ry + 1)
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, Math.round((colour[c] as number) * light)))
      }
    }
    return id
  }

  finish(): SyntheticScene {
    const { width, height, rgb } = this.canvas
    const { objects, owner } = this
    const pixels = width * height
    // Visible masks: an object owns its pixels and those of its parts.
    const ancestors = (id: number): number[] => {
      const chain: number[] = []
      for (let current: number | null = id; current !== null; current = objects[current - 1]?.parentId ?? null) chain.push(current)
      return chain
    }
    const masks = objects.map(() => new Uint8Array(pixels))
    const areas = objects.map(() => 0)
    const chains = objects.map((object) => ancestors(object.id))
    const root = chains.map((chain) => chain[chain.length - 1] as number)
    // Objects whose visible pixels meet an unrelated object's (different root) across a pixel edge.
    const touching = new Set<number>()
    for (let i = 0; i < pixels; i++) {
      const id = owner[i] as number
      if (id === 0) continue
      for (const member of chains[id - 1] as number[]) {
        ;(masks[member - 1] as Uint8Array)[i] = 1
        areas[member - 1]!++
      }
      const x = i % width
      for (const j of [x + 1 < width ? i + 1 : -1, i + width < pixels ? i + width : -1]) {
        const other = j < 0 ? 0 : (owner[j] as number)
        if (other === 0 || root[other - 1] === root[id - 1]) continue
        for (const member of chains[id - 1] as number[]) touching.add(member)
        for (const member of chains[other - 1] as number[]) touching.add(member)
      }
    }
    // Parts hidden entirely by later objects are left out, so they make no object nested.
    const hasParts = new Set(
      objects.filter((object, index) => object.parentId !== null && (areas[index] as number) > 0).map((object) => object.parentId),
    )
    const role = (id: number, parentId: number | null): ObjectRole =>
      this.small.has(id) ? 'small' : parentId !== null || hasParts.has(id) ? 'nested' : touching.has(id) ? 'touching' : 'distinct'
    return {
      width,
      height,
      rgb,
      objects: objects
        .map((object, index) => ({
          ...object,
          role: role(object.id, object.parentId),
          mask: masks[index] as Uint8Array,
          area: areas[index] as number,
        }))
        .filter((object) => object.area > 0),
    }
  }
}

export function generateScene(seed: number, width: number, height: number, objectCount = 8): SyntheticScene {
  const random = seededRandom(seed)
  const canvas = paintBackground(random, width, height)
  const painter = new ScenePainter(canvas)

  // Objects: a mix of sizes; every third has a part drawn on it; the last is small.
  const { shapes } = painter
  const minSide = Math.min(width, height)
  const kinds: ShapeKind[] = ['disk', 'ellipse', 'rectangle', 'triangle', 'ring']
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
    const id = painter.add(shape, null, small)
    if (k % 3 === 1 && kind !== 'ring' && !small) {
      painter.add({ kind: 'disk', cx: shape.cx, cy: shape.cy, rx: radius * 0.35, ry: radius * 0.35, angle: 0 }, id)
    }
  }
  return painter.finish()
}

/** Objects of each role in one quality scene (nested and touching come in groups of two objects). */
export const QUALITY_SCENE_LAYOUT = { distinct: 3, nested: 3, touching: 3, small: 3 } as const
const QUALITY_COLUMNS = 4
const QUALITY_ROWS = 3

/**
 * A scene for measuring proposals per kind of object: a 4×3 layout of cells in seeded order, each
 * holding one group at a jittered place and size, apart from the other cells' groups — three
 * distinct objects, three objects with a part drawn inside (6 nested masks), three pairs of objects
 * where the second overlaps the edge of the first (6 touching masks), three small objects (a 6–14 px
 * radius at 600×400). Same background as `generateScene`; roles are derived from the pixels as there.
 */
export function generateQualityScene(seed: number, width: number, height: number): SyntheticScene {
  const random = seededRandom(seed)
  const canvas = paintBackground(random, width, height)
  const painter = new ScenePainter(canvas)
  const cellW = width / QUALITY_COLUMNS
  const cellH = height / QUALITY_ROWS
  const cellMin = Math.min(cellW, cellH)
  const margin = 3
  const roles: ObjectRole[] = OBJECT_ROLES.flatMap((role) => Array.from({ length: QUALITY_SCENE_LAYOUT[role] }, () => role))
  // Fisher–Yates with the scene's generator: which cell holds which group.
  for (let i = roles.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[roles[i], roles[j]] = [roles[j] as ObjectRole, roles[i] as ObjectRole]
  }
  const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)] as T
  /** A centre inside the cell for a group of half-extent (hx, hy), kept `margin` px from the cell's edges. */
  const place = (col: number, row: number, hx: number, hy: number): [number, number] => [
    col * cellW + margin + hx + random() * Math.max(0, cellW - 2 * (margin + hx)),
    row * cellH + margin + hy + random() * Math.max(0, cellH - 2 * (margin + hy)),
  ]
  for (const [cell, role] of roles.entries()) {
    const col = cell % QUALITY_COLUMNS
    const row = Math.floor(cell / QUALITY_COLUMNS)
    switch (role) {
      case 'distinct': {
        const kind = pick<ShapeKind>(['disk', 'ellipse', 'rectangle', 'triangle', 'ring'])
        const round = kind === 'disk' || kind === 'ring'
        const rx = cellMin * (0.22 + random() * 0.1)
        const ry = round ? rx : rx * (0.55 + random() * 0.45)
        // Rotated, a shape stays inside the circle through its bounding box's corners.
        const reach = Math.hypot(rx, ry)
        const [cx, cy] = place(col, row, reach, reach)
        painter.add({ kind, cx, cy, rx, ry, angle: round ? 0 : random() * Math.PI }, null)
        break
      }
      case 'nested': {
        const kind = pick<ShapeKind>(['disk', 'ellipse', 'rectangle'])
        const rx = cellMin * (0.24 + random() * 0.08)
        const ry = kind === 'disk' ? rx : rx * (0.7 + random() * 0.3)
        const reach = Math.hypot(rx, ry)
        const [cx, cy] = place(col, row, reach, reach)
        const id = painter.add({ kind, cx, cy, rx, ry, angle: kind === 'disk' ? 0 : random() * Math.PI }, null)
        const part = Math.min(rx, ry) * (0.3 + random() * 0.15)
        painter.add({ kind: pick<ShapeKind>(['disk', 'rectangle']), cx, cy, rx: part, ry: part, angle: random() * Math.PI }, id)
        break
      }
      case 'touching': {
        // Axis-aligned, side by side; the second is painted over the first's edge (a 20% overlap of its radius).
        const ra = cellMin * (0.16 + random() * 0.08)
        const rb = cellMin * (0.16 + random() * 0.08)
        const kindA = pick<ShapeKind>(['disk', 'ellipse', 'rectangle'])
        const kindB = pick<ShapeKind>(['disk', 'ellipse', 'rectangle'])
        const rya = kindA === 'disk' ? ra : ra * (0.7 + random() * 0.3)
        const ryb = kindB === 'disk' ? rb : rb * (0.7 + random() * 0.3)
        const span = ra + rb * 0.8 // centre to centre
        const [cx, cy] = place(col, row, (2 * ra + 1.8 * rb) / 2, Math.max(rya, ryb))
        const left = cx - (2 * ra + 1.8 * rb) / 2
        painter.add({ kind: kindA, cx: left + ra, cy, rx: ra, ry: rya, angle: 0 }, null)
        painter.add({ kind: kindB, cx: left + ra + span, cy, rx: rb, ry: ryb, angle: 0 }, null)
        break
      }
      case 'small': {
        const kind = pick<ShapeKind>(['disk', 'rectangle'])
        const r = Math.min(width, height) * (0.015 + random() * 0.02)
        const reach = Math.hypot(r, r)
        const [cx, cy] = place(col, row, reach, reach)
        painter.add({ kind, cx, cy, rx: r, ry: r, angle: kind === 'disk' ? 0 : random() * Math.PI }, null, true)
        break
      }
    }
  }
  return painter.finish()
}
