"""Writes pycocotools-golden.json: reference outputs of pycocotools for the TypeScript RLE codec tests.

Run with any Python that has numpy and pycocotools (checked with pycocotools 2.0.11, numpy 2.4):
    python generate_pycocotools_golden.py && npx prettier --write pycocotools-golden.json
(the project's Prettier check covers JSON files). The seed is fixed, so the output is reproducible.
Masks are stored row-major as strings of '0'/'1' (small masks) or as integer disc/rectangle shapes (large masks),
so the TypeScript side can rebuild the exact pixels without Python.
"""
import json
import os

import numpy as np
import pycocotools
from pycocotools import mask as mask_utils

rng = np.random.default_rng(20240611)


def to_text(mask):
    return ''.join('1' if v else '0' for v in mask.reshape(-1))


def encode(mask):
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {'size': [int(v) for v in rle['size']], 'counts': rle['counts'].decode('ascii')}


def as_bytes(rle):
    return {'size': rle['size'], 'counts': rle['counts'].encode('ascii')}


def random_mask(height, width):
    kind = rng.integers(0, 4)
    if kind == 0:
        return rng.random((height, width)) < rng.random()
    mask = np.zeros((height, width), dtype=bool)
    for _ in range(rng.integers(0, 4)):
        y0, y1 = sorted(rng.integers(0, height + 1, 2))
        x0, x1 = sorted(rng.integers(0, width + 1, 2))
        mask[y0:y1, x0:x1] = kind != 3 or not mask[y0:y1, x0:x1].any()
    return mask


def shape_mask(height, width, shapes):
    ys, xs = np.mgrid[0:height, 0:width]
    mask = np.zeros((height, width), dtype=bool)
    for shape in shapes:
        if shape['kind'] == 'disc':
            mask |= (xs - shape['cx']) ** 2 + (ys - shape['cy']) ** 2 <= shape['r'] ** 2
        else:
            mask[shape['y0']:shape['y1'], shape['x0']:shape['x1']] = True
    return mask


small = []
for _ in range(160):
    height = int(rng.integers(0, 17))
    width = int(rng.integers(0, 17))
    mask = random_mask(height, width)
    rle = encode(mask)
    small.append({
        'height': height,
        'width': width,
        'pixels': to_text(mask),
        'counts': rle['counts'],
        'area': int(mask_utils.area(as_bytes(rle))),
        'bbox': [float(v) for v in mask_utils.toBbox(as_bytes(rle))],
    })

large = []
for height, width in [(1500, 2000), (683, 1024), (1, 5000), (5000, 1)]:
    for _ in range(3):
        shapes = []
        for _ in range(int(rng.integers(1, 4))):
            if rng.random() < 0.5:
                shapes.append({'kind': 'disc', 'cx': int(rng.integers(0, width)), 'cy': int(rng.integers(0, height)),
                               'r': int(rng.integers(0, max(2, min(height, width) // 2)))})
            else:
                y0, y1 = sorted(int(v) for v in rng.integers(0, height + 1, 2))
                x0, x1 = sorted(int(v) for v in rng.integers(0, width + 1, 2))
                shapes.append({'kind': 'rect', 'x0': x0, 'y0': y0, 'x1': x1, 'y1': y1})
        mask = shape_mask(height, width, shapes)
        rle = encode(mask)
        large.append({
            'height': height, 'width': width, 'shapes': shapes, 'counts': rle['counts'],
            'area': int(mask_utils.area(as_bytes(rle))),
            'bbox': [float(v) for v in mask_utils.toBbox(as_bytes(rle))],
        })

# IoU and merge over groups of small masks; sizes mostly shared so the run walk is exercised, sometimes not.
pairs = []
for _ in range(60):
    height = int(rng.integers(1, 12))
    width = int(rng.integers(1, 12))
    def size_for():
        if rng.random() < 0.1:
            return height + 1, width
        return height, width
    dts = [encode(random_mask(*size_for())) for _ in range(int(rng.integers(1, 4)))]
    gts = [encode(random_mask(*size_for())) for _ in range(int(rng.integers(1, 4)))]
    iscrowd = [bool(rng.random() < 0.3) for _ in gts]
    iou = mask_utils.iou([as_bytes(r) for r in dts], [as_bytes(r) for r in gts], [int(c) for c in iscrowd])
    group = dts + gts
    union = mask_utils.merge([as_bytes(r) for r in group], intersect=False)
    intersection = mask_utils.merge([as_bytes(r) for r in group], intersect=True)
    pairs.append({
        'dt': dts, 'gt': gts, 'iscrowd': iscrowd,
        'iou': [[float(v) for v in row] for row in np.asarray(iou).reshape(len(dts), len(gts))],
        'union': {'size': [int(v) for v in union['size']], 'counts': union['counts'].decode('ascii')},
        'intersection': {'size': [int(v) for v in intersection['size']],
                         'counts': intersection['counts'].decode('ascii')},
    })

# Uncompressed counts with large values (deltas up to ±(2^29 - 1), the range C decodes reliably).
large_counts = []
for _ in range(40):
    length = int(rng.integers(1, 12))
    counts = [int(v) for v in rng.integers(0, 2 ** 29, length)]
    compressed = mask_utils.frPyObjects([{'size': [1, sum(counts)], 'counts': counts}], 1, sum(counts))[0]
    large_counts.append({'counts': counts, 'string': compressed['counts'].decode('ascii')})

out = {
    'generator': f'pycocotools {getattr(pycocotools, "__version__", "2.0.11")}, numpy {np.__version__}',
    'small': small,
    'large': large,
    'pairs': pairs,
    'largeCounts': large_counts,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pycocotools-golden.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print(path, os.path.getsize(path), 'bytes')
