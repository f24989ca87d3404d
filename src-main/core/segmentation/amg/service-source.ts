/**
 * The automatic mask generator's `MaskSource` on the real SegmentationService.
 *
 * - Each crop is encoded as an image of its own (`service.encode`), under a hash derived from the image's:
 *   the full-image crop uses the image hash itself, so it shares the embedding (and its cache entries) with
 *   interactive prompting; a sub-crop uses sha256(imageHash + crop box).
 * - Each point is one `service.predict` call (the official decoder export has batch size 1): one foreground
 *   click, no box (so the adapter adds SAM's padding row), `frame` = the crop size, multimask on. The
 *   multimask tokens 1–3 are the candidates; a decoder that returns a single mask (SAM-HQ, single-mask
 *   exports) contributes that one mask.
 * - Candidates arrive encoded (`output: 'rle'`): the worker upscales and binarises the low-res logits with
 *   the SIMD kernel, counts the stability thresholds at the generator's offset and run-length encodes the
 *   mask, so only the run lengths (by transfer) and two counts per candidate cross the thread boundary
 *   (not 3 × 7.5 MB of logits and masks per point at 1500×1000).
 */
import { createHash } from 'node:crypto'
import type { CropBox } from './crop-boxes'
import { cropSize, isFullImage } from './crop-boxes'
import type { MaskSource } from './generate'
import type { EmbeddingHandle } from '../worker/protocol'
import type { SegmentationService } from '../worker/segmentation-service'
import type { RgbImage } from '../variants/types'

/** The parts of the service the source uses. */
export type AmgSegmentationService = Pick<SegmentationService, 'encode' | 'predict'>

/** A copy of image[y0:y1, x0:x1] as an RGB image of its own. */
export function cropRgbImage(image: RgbImage, cropBox: CropBox): RgbImage {
  const [x0, y0, x1, y1] = cropBox
  if (x0 < 0 || y0 < 0 || x1 > image.width || y1 > image.height || x1 <= x0 || y1 <= y0) {
    throw new RangeError(`crop box [${cropBox.join(', ')}] is not inside the ${image.width}×${image.height} image`)
  }
  const { width, height } = cropSize(cropBox)
  if (isFullImage(cropBox, image)) return image
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * image.width + x0) * 3
    data.set(image.data.subarray(from, from + width * 3), y * width * 3)
  }
  return { data, width, height }
}

/** The cache key of a crop's embedding: the image hash for the full image, else sha256 of hash and box (hex). */
export function cropImageHash(imageHash: string, cropBox: CropBox, imageSize: { width: number; height: number }): string {
  if (isFullImage(cropBox, imageSize)) return imageHash
  return createHash('sha256')
    .update(`${imageHash}/amg-crop/${cropBox.join(',')}`)
    .digest('hex')
}

export function serviceMaskSource(service: AmgSegmentationService, image: RgbImage, imageHash: string): MaskSource<EmbeddingHandle> {
  return {
    maxPointsPerCall: 1,
    async encodeCrop(cropBox, { signal }) {
      const crop = cropRgbImage(image, cropBox)
      const handle = await service.encode(crop, {
        imageHash: cropImageHash(imageHash, cropBox, image),
        // A crop is our own copy and can move to the worker; the full image is the caller's.
        transfer: crop !== image,
        ...(signal ? { signal } : {}),
      })
      const size = cropSize(cropBox)
      if (handle.imageSize.width !== size.width || handle.imageSize.height !== size.height) {
        throw new RangeError(
          `the embedding under that hash is for a ${handle.imageSize.width}×${handle.imageSize.height} image, ` +
            `not the ${size.width}×${size.height} crop`,
        )
      }
      return handle
    },
    async predictPoints(handle, points, size, { signal, stabilityScoreOffset }) {
      const answers = []
      for (const point of points) {
        signal?.throwIfAborted()
        const { encoded = [] } = await service.predict(
          handle,
          { points: [{ x: point.x, y: point.y, label: 'foreground' }] },
          { frame: size, multimask: true, output: 'rle', stabilityOffset: stabilityScoreOffset, lowResLogits: false },
        )
        const multimask = encoded.filter((c) => c.token >= 1 && c.token <= 3)
        answers.push(
          (multimask.length > 0 ? multimask : encoded).map((c) => ({
            width: size.width,
            height: size.height,
            predictedIou: c.predictedIou,
            rle: c.rle,
            stabilityCounts: c.stabilityCounts,
            stabilityOffset: stabilityScoreOffset,
          })),
        )
      }
      return answers
    },
  }
}
