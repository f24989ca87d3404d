/**
 * The prompt grids of the automatic mask generator (segment-anything `utils/amg.py` `build_point_grid`,
 * `build_all_layer_point_grids`, and the scaling in `_process_crop`). Pure code.
 */
import { pointsPerSideForLayer } from './params'
import type { AmgParams, NormalizedPoint } from './params'

/** A point in pixels of some frame (crop or image), x to the right, y down. Not rounded. */
export interface PixelPoint {
  readonly x: number
  readonly y: number
}

/**
 * n×n points in [0, 1]²: the 1-D values are `numpy.linspace(1/(2n), 1 − 1/(2n), n)` (start + i·step, the
 * last one set to the stop value exactly, as numpy does), emitted row-major: y outer, x inner.
 * n = 2 → (.25,.25), (.75,.25), (.25,.75), (.75,.75).
 */
export function buildPointGrid(n: number): NormalizedPoint[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`points per side must be a positive integer, got ${n}`)
  const values = linspace(1 / (2 * n), 1 - 1 / (2 * n), n)
  const points: NormalizedPoint[] = []
  for (const y of values) for (const x of values) points.push({ x, y })
  return points
}

/** One grid per layer 0..nLayers; layer i has trunc(n / scalePerLayer^i) points per side. */
export function buildAllLayerPointGrids(n: number, nLayers: number, scalePerLayer: number): NormalizedPoint[][] {
  const grids: NormalizedPoint[][] = []
  for (let layer = 0; layer <= nLayers; layer++) grids.push(buildPointGrid(pointsPerSideForLayer(n, scalePerLayer, layer)))
  return grids
}

/** The grids the generator walks, one per crop layer: the explicit ones, or those built from pointsPerSide. */
export function layerPointGrids(params: AmgParams): readonly (readonly NormalizedPoint[])[] {
  if (params.pointGrids) return params.pointGrids
  return buildAllLayerPointGrids(params.pointsPerSide as number, params.cropNLayers, params.cropNPointsDownscaleFactor)
}

/** Grid → crop pixels: (x·cropWidth, y·cropHeight), floats, not rounded (`points_for_image`). */
export function gridToPixels(grid: readonly NormalizedPoint[], width: number, height: number): PixelPoint[] {
  return grid.map((p) => ({ x: p.x * width, y: p.y * height }))
}

/** numpy.linspace(start, stop, num) with endpoint=True, in double precision. */
function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start]
  const step = (stop - start) / (num - 1)
  const values = Array.from({ length: num }, (_, i) => i * step + start)
  values[num - 1] = stop
  return values
}
