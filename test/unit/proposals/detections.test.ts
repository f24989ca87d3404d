import { describe, expect, it } from 'vitest'
import {
  imageMatcher,
  parseCocoDetections,
  parseYoloLabels,
  type DetectionSet,
  type ProjectImageRef,
} from '../../../src-main/core/proposals/detections'

const images: ProjectImageRef[] = [
  { id: 1, relPath: 'site-a/cars.jpg', width: 3000, height: 2000, annotationWidth: 1500, annotationHeight: 1000 },
  { id: 2, relPath: 'site-b/cars.jpg', width: 800, height: 600, annotationWidth: 800, annotationHeight: 600 },
  { id: 3, relPath: 'dogs.png', width: 1000, height: 500, annotationWidth: 1000, annotationHeight: 500 },
]

describe('detections as proposal sources', () => {
  it('matches by relative path, then by a unique base name', () => {
    const match = imageMatcher(images)
    expect(match('site-b/cars.jpg')?.id).toBe(2)
    expect(match('dogs.jpg')?.id).toBe(3) // same stem, other extension (e.g. YOLO's dogs.txt)
    expect(match('cars.jpg')).toBeNull() // two images are called cars: ambiguous
  })

  it('reads COCO boxes in the file’s frame and scales them to annotation pixels, clipped', () => {
    const set = parseCocoDetections(
      {
        images: [
          { id: 10, file_name: 'site-a/cars.jpg', width: 3000, height: 2000 },
          { id: 11, file_name: 'elsewhere.jpg' },
        ],
        annotations: [
          { image_id: 10, bbox: [300, 200, 600, 400], score: 0.9 },
          { image_id: 10, bbox: [2900, 1900, 400, 400], score: 0.8 },
          { image_id: 10, bbox: [10, 10, 50, 50], score: 0.1 },
          { image_id: 11, bbox: [0, 0, 5, 5] },
        ],
      },
      images,
      0.5,
    )
    expect(set.byImage.get(1)).toEqual([
      { box: [150, 100, 450, 300], score: 0.9 },
      { box: [1450, 950, 1500, 1000], score: 0.8 },
    ])
    expect(set.skipped).toBe(1)
    expect(set.unmatched).toEqual(['elsewhere.jpg'])
    expect(() => parseCocoDetections([{ image_id: 1, bbox: [0, 0, 1, 1] }], images)).toThrow(/bare results list/)
    expect(() =>
      parseCocoDetections({ images: [{ id: 1, file_name: 'dogs.png' }], annotations: [{ image_id: 1, bbox: [0, 0] }] }, images),
    ).toThrow(/valid bbox/)
  })

  it('reads YOLO labels (normalised centre and size) into annotation pixels', () => {
    const set: DetectionSet = { byImage: new Map(), unmatched: [], skipped: 0 }
    parseYoloLabels('0 0.5 0.5 0.2 0.4 0.77\n# comment\n\n3 0.1 0.1 0.1 0.1\n', images[2]!, set)
    const boxes = set.byImage.get(3)!
    expect(boxes.map((entry) => entry.score)).toEqual([0.77, null])
    const expected = [
      [400, 150, 600, 350],
      [50, 25, 150, 75],
    ]
    boxes.forEach((entry, index) => entry.box.forEach((value, k) => expect(value).toBeCloseTo(expected[index]![k]!, 9)))
    expect(() => parseYoloLabels('0 0.5 0.5', images[2]!, set, 0, 'dogs.txt')).toThrow(/dogs.txt line 1/)
  })
})
