"""Writes polygon-golden.json: pycocotools' RLE for random polygons (frPyObjects + merge), the
reference for src-main/core/masks/polygon.ts. Run with any Python that has numpy and pycocotools:
    python generate_polygon_golden.py && npx prettier --write polygon-golden.json
"""
import json
import os

import numpy as np
from pycocotools import mask as mask_utils

rng = np.random.default_rng(7)
cases = []
for index in range(120):
    h = int(rng.integers(1, 60))
    w = int(rng.integers(1, 60))
    parts = []
    for _ in range(int(rng.integers(1, 4))):
        n = int(rng.integers(3, 9))
        # Coordinates a little outside the image too, and half-pixel values, as real data has.
        xs = rng.uniform(-3, w + 3, n).round(2)
        ys = rng.uniform(-3, h + 3, n).round(2)
        if index % 5 == 0:
            xs = xs.round(0) + 0.5
            ys = ys.round(0)
        poly = [float(v) for pair in zip(xs, ys) for v in pair]
        parts.append(poly)
    rles = mask_utils.frPyObjects(parts, h, w)
    rle = mask_utils.merge(rles)
    cases.append({'height': h, 'width': w, 'polygons': parts, 'counts': rle['counts'].decode('ascii'), 'area': int(mask_utils.area(rle))})

out = os.path.join(os.path.dirname(__file__), 'polygon-golden.json')
with open(out, 'w') as f:
    json.dump({'pycocotools': __import__('pycocotools').__version__ if hasattr(__import__('pycocotools'), '__version__') else 'unknown', 'cases': cases}, f)
