/**
 * Crop boxes of the automatic mask generator (segment-anything `utils/amg.py` `generate_crop_boxes`).
 * Boxes are integer XYXY with EXCLUSIVE ends: the crop is image[y0:y1, x0:x1]. Pure code.
 */
import type { ImageSize } from '../variants/types'

/** [x0, y0, x1, y1] in image pixels, x1 and y1 exclusive. */
export type CropBox = readonly [x0: number, y0: number, x1: number, y1: number]

export interface LayeredCropBox {
  readonly box: CropBox
  /** 0 for the full image, i for the (2^i)² crops of layer i. */
  readonly layer: number
}

/**
 * Layer 0 is the whole image. Layer i ≥ 1 has k = 2^i crops per side with
 * overlap = trunc(ratio · min(H, W) · (2 / k)), crop length ceil((overlap·(k − 1) + length) / k),
 * origins trunc((cropLength − overlap) · j), each box clipped to the image. Emitted with x0 in the outer
 * loop and y0 in the inner loop (`itertools.product(x0s, y0s)`).
 */
export function generateCropBoxes(imageSize: ImageSize, nLayers: number, overlapRatio: number): LayeredCropBox[] {
  const { width, height } = imageSize
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`)
  }
  if (!Number.isInteger(nLayers) || nLayers < 0) throw new RangeError(`crop layers must be a non-negative integer, got ${nLayers}`)
  const shortSide = Math.min(width, height)
  const boxes: LayeredCropBox[] = [{ box: [0, 0, width, height], layer: 0 }]
  const cropLength = (length: number, crops: number, overlap: number): number => Math.ceil((overlap * (crops - 1) + length) / crops)
  for (let layer = 0; layer < nLayers; layer++) {
    const cropsPerSide = 2 ** (layer + 1)
    // Same operation order as Python: (ratio · short) · (2 / k).
    const overlap = Math.trunc(overlapRatio * shortSide * (2 / cropsPerSide))
    const cropWidth = cropLength(width, cropsPerSide, overlap)
    const cropHeight = cropLength(height, cropsPerSide, overlap)
    const x0s = Array.from({ length: cropsPerSide }, (_, j) => Math.trunc((cropWidth - overlap) * j))
    const y0s = Array.from({ length: cropsPerSide }, (_, j) => Math.trunc((cropHeight - overlap) * j))
    for (const x0 of x0s) {
      for (const y0 of y0s) {
        boxes.push({ box: [x0, y0, Math.min(x0 + cropWidth, width), Math.min(y0 + cropHeight, height)], layer: layer + 1 })
      }
    }
  }
  return boxes
}

/** Width and height of a crop. */
export function cropSize(box: CropBox): ImageSize {
  return { width: box[2] - box[0], height: box[3] - box[1] }
}

/** True when the crop is the whole image. */
export function isFullImage(box: CropBox, imageSize: ImageSize): boolean {
  return box[0] === 0 && box[1] === 0 && box[2] === imageSize.width && box[3] === imageSize.height
}
