/**
 * Parameters (SAM's defaults and validation), the point grid formula and the crop-box formula, against the
 * values in sam-reference.md §3 and numpy's linspace.
 */
import { describe, expect, it } from 'vitest'
import {
  AMG_DEFAULTS,
  AmgParamsError,
  buildAllLayerPointGrids,
  buildPointGrid,
  generateCropBoxes,
  gridToPixels,
  layerPointGrids,
  pointsPerSideForLayer,
  resolveAmgParams,
} from '../../../../src-main/core/segmentation/amg'

describe('parameters', () => {
  it('defaults are SAM v1’s', () => {
    expect(AMG_DEFAULTS).toEqual({
      pointsPerSide: 32,
      pointsPerBatch: 64,
      predIouThresh: 0.88,
      stabilityScoreThresh: 0.95,
      stabilityScoreOffset: 1.0,
      boxNmsThresh: 0.7,
      cropNLayers: 0,
      cropNmsThresh: 0.7,
      cropOverlapRatio: 512 / 1500,
      cropNPointsDownscaleFactor: 1,
      pointGrids: null,
      minMaskRegionArea: 0,
    })
    expect(resolveAmgParams()).toEqual(AMG_DEFAULTS)
    expect(resolveAmgParams({ pointsPerSide: undefined, boxNmsThresh: 0.5 })).toEqual({ ...AMG_DEFAULTS, boxNmsThresh: 0.5 })
  })

  it('takes exactly one of pointsPerSide and pointGrids', () => {
    const grids = [[{ x: 0.5, y: 0.5 }]]
    expect(resolveAmgParams({ pointGrids: grids })).toMatchObject({ pointsPerSide: null, pointGrids: grids })
    expect(resolveAmgParams({ pointsPerSide: null, pointGrids: grids }).pointGrids).toBe(grids)
    expect(() => resolveAmgParams({ pointsPerSide: 16, pointGrids: grids })).toThrow(/either pointsPerSide or pointGrids/)
    expect(() => resolveAmgParams({ pointsPerSide: null })).toThrow(AmgParamsError)
    // A resolved parameter set resolves to itself.
    const resolved = resolveAmgParams({ pointGrids: grids })
    expect(resolveAmgParams(resolved)).toEqual(resolved)
  })

  it.each([
    [{ pointsPerSide: 0 }, /pointsPerSide must be a positive integer/],
    [{ pointsPerSide: 2.5 }, /pointsPerSide must be a positive integer/],
    [{ pointsPerBatch: 0 }, /pointsPerBatch/],
    [{ predIouThresh: Number.NaN }, /predIouThresh/],
    [{ stabilityScoreThresh: Infinity }, /stabilityScoreThresh/],
    [{ stabilityScoreOffset: -1 }, /stabilityScoreOffset/],
    [{ boxNmsThresh: 1.2 }, /boxNmsThresh must be in \[0, 1\]/],
    [{ cropNmsThresh: -0.1 }, /cropNmsThresh/],
    [{ cropNLayers: -1 }, /cropNLayers/],
    [{ cropNLayers: 1.5 }, /cropNLayers/],
    [{ cropOverlapRatio: 1 }, /cropOverlapRatio/],
    [{ cropNPointsDownscaleFactor: 0 }, /cropNPointsDownscaleFactor/],
    [{ minMaskRegionArea: -5 }, /minMaskRegionArea/],
    [{ pointsPerSide: 2, cropNLayers: 1, cropNPointsDownscaleFactor: 4 }, /crop layer 1 would sample no points/],
    [{ pointGrids: [[{ x: 0.5, y: 0.5 }]], cropNLayers: 1 }, /one grid per crop layer \(2\), got 1/],
    [{ pointGrids: [[]] }, /pointGrids\[0\] is empty/],
    [{ pointGrids: [[{ x: 1.5, y: 0 }]] }, /pointGrids\[0\]\[0\] = \(1.5, 0\) is not in \[0, 1\]/],
  ])('rejects %j', (input, message) => {
    expect(() => resolveAmgParams(input)).toThrow(message)
  })

  it('layer i samples trunc(n / factor^i) points per side', () => {
    expect(pointsPerSideForLayer(32, 2, 0)).toBe(32)
    expect(pointsPerSideForLayer(32, 2, 2)).toBe(8)
    expect(pointsPerSideForLayer(10, 3, 1)).toBe(3)
    expect(pointsPerSideForLayer(10, 3, 2)).toBe(1)
    expect(buildAllLayerPointGrids(10, 2, 3).map((g) => g.length)).toEqual([100, 9, 1])
  })
})

describe('point grid', () => {
  it('n = 2 gives the reference’s four points, row-major (y outer, x inner)', () => {
    expect(buildPointGrid(2)).toEqual([
      { x: 0.25, y: 0.25 },
      { x: 0.75, y: 0.25 },
      { x: 0.25, y: 0.75 },
      { x: 0.75, y: 0.75 },
    ])
  })

  it('n = 1 is the centre; n = 3 and n = 32 equal numpy.linspace bit for bit', () => {
    expect(buildPointGrid(1)).toEqual([{ x: 0.5, y: 0.5 }])
    // numpy.linspace(1/6, 5/6, 3).tolist()
    expect(
      buildPointGrid(3)
        .slice(0, 3)
        .map((p) => p.x),
    ).toEqual([0.16666666666666666, 0.5, 0.8333333333333334])
    const grid = buildPointGrid(32)
    expect(grid).toHaveLength(1024)
    // numpy.linspace(1/64, 1 - 1/64, 32)[:5] and [-1]
    expect(grid.slice(0, 5).map((p) => p.x)).toEqual([0.015625, 0.046875, 0.078125, 0.109375, 0.140625])
    expect(grid[31]).toEqual({ x: 1 - 1 / 64, y: 1 / 64 })
    expect(grid[32]).toEqual({ x: 1 / 64, y: 0.046875 })
  })

  it('scales to crop pixels as floats (x by width, y by height), unrounded', () => {
    expect(gridToPixels(buildPointGrid(2), 1381, 1006)).toEqual([
      { x: 345.25, y: 251.5 },
      { x: 1035.75, y: 251.5 },
      { x: 345.25, y: 754.5 },
      { x: 1035.75, y: 754.5 },
    ])
  })

  it('uses the explicit grids when given', () => {
    const grids = [[{ x: 0.1, y: 0.2 }], [{ x: 0.3, y: 0.4 }]]
    expect(layerPointGrids(resolveAmgParams({ pointGrids: grids, cropNLayers: 1 }))).toBe(grids)
    expect(
      layerPointGrids(resolveAmgParams({ pointsPerSide: 4, cropNLayers: 1, cropNPointsDownscaleFactor: 2 })).map((g) => g.length),
    ).toEqual([16, 4])
  })
})

describe('crop boxes', () => {
  it('0 layers: the full image only', () => {
    expect(generateCropBoxes({ width: 640, height: 480 }, 0, 512 / 1500)).toEqual([{ box: [0, 0, 640, 480], layer: 0 }])
  })

  it('H = 1500, W = 2250, 2 layers: the reference’s check', () => {
    const crops = generateCropBoxes({ width: 2250, height: 1500 }, 2, 512 / 1500)
    expect(crops).toHaveLength(1 + 4 + 16)
    expect(crops[0]).toEqual({ box: [0, 0, 2250, 1500], layer: 0 })
    // Layer 1: overlap 512, crops 1381×1006, x0 outer.
    expect(crops.slice(1, 5)).toEqual([
      { box: [0, 0, 1381, 1006], layer: 1 },
      { box: [0, 494, 1381, 1500], layer: 1 },
      { box: [869, 0, 2250, 1006], layer: 1 },
      { box: [869, 494, 2250, 1500], layer: 1 },
    ])
    // Layer 2: overlap 256, crops 755×567, clipped to the image.
    const layer2 = crops.slice(5)
    expect(layer2.every((c) => c.layer === 2)).toBe(true)
    const x0s = [0, 499, 998, 1497]
    const y0s = [0, 311, 622, 933]
    expect(layer2.map((c) => c.box)).toEqual(
      x0s.flatMap((x0) => y0s.map((y0) => [x0, y0, Math.min(x0 + 755, 2250), Math.min(y0 + 567, 1500)])),
    )
    expect(layer2[15]?.box).toEqual([1497, 933, 2250, 1500])
  })

  it('rejects bad sizes and layer counts', () => {
    expect(() => generateCropBoxes({ width: 0, height: 10 }, 0, 0.3)).toThrow(RangeError)
    expect(() => generateCropBoxes({ width: 10, height: 10 }, -1, 0.3)).toThrow(RangeError)
  })
})
