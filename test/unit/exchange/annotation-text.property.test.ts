/**
 * The bundle writer joins pre-stringified parts instead of stringifying each document twice; the
 * result must be JSON.stringify's text of the same objects, byte for byte (property test).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BundleEvent } from '../../../src-main/core/exchange/bundle-format'
import { COCO_CATEGORY, cocoAnnotationText } from '../../../src-main/core/exchange/export-coco'
import { plainBundleEvent } from '../../../src-main/core/exchange/import-bundle'
import {
  annotationTextParts,
  cocoAnnotationTextOf,
  sa1bAnnotationText,
  sa1bDocumentText,
  type Sa1bAnnotation,
  type Sa1bDocument,
} from '../../../src-main/core/exchange/export-sa1b'
import { MASK_SOURCES, MASK_STATES } from '../../../src-main/core/project/mask-repository'

const text = fc.string({ unit: fc.constantFrom('a', 'é', '"', '\\', '\n', '\u2028', '\u0000', '😀', 'z') })
const real = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(0.1 + 0.2), fc.constant(-0))
const int = fc.integer({ min: 0, max: 2 ** 40 })
const box = fc.tuple(int, int, int, int)

const annotation: fc.Arbitrary<Sa1bAnnotation> = fc
  .record({
    id: fc.integer({ min: 1, max: 2 ** 50 }),
    // Any characters of the RLE alphabet (backslash included, which JSON escapes).
    counts: fc.string({ unit: fc.constantFrom(...'0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmno') }),
    height: int,
    width: int,
    bbox: box,
    area: int,
    predicted_iou: fc.option(real),
    stability_score: fc.option(real),
    crop_box: fc.option(box),
    point_coords: fc.option(fc.array(fc.tuple(real, real), { maxLength: 3 })),
    tessera: fc.option(
      fc.record({
        mask_id: int,
        state: fc.constantFrom(...MASK_STATES),
        source: fc.constantFrom(...MASK_SOURCES),
        actor: text,
        prompt: fc.option(fc.dictionary(text, fc.jsonValue(), { maxKeys: 3 })),
        model: fc.constant(null),
        seconds_spent: fc.option(real),
        clicks: fc.option(int),
        origin_mask_id: fc.option(int),
        origin_iou: fc.option(real),
        created_at: text,
        updated_at: text,
      }),
      { nil: undefined },
    ),
  })
  // Keys in sa1bAnnotation's order (JSON.stringify follows insertion order).
  .map((a): Sa1bAnnotation => ({
    id: a.id,
    segmentation: { size: [a.height, a.width], counts: a.counts },
    bbox: a.bbox,
    area: a.area,
    predicted_iou: a.predicted_iou,
    stability_score: a.stability_score,
    crop_box: a.crop_box,
    point_coords: a.point_coords,
    ...(a.tessera === undefined ? {} : { tessera: a.tessera as NonNullable<Sa1bAnnotation['tessera']> }),
  }))

describe('annotation texts from shared parts', () => {
  it('equal JSON.stringify of the SA-1B annotation, document and COCO annotation', () => {
    fc.assert(
      fc.property(fc.array(annotation, { maxLength: 4 }), text, int, (annotations, fileName, imageId) => {
        const document: Sa1bDocument = {
          image: { image_id: imageId, width: 10, height: 20, file_name: fileName },
          annotations,
          tessera: {
            format: 'tessera-sa1b',
            version: 1,
            frame: 'annotation',
            annotation_width: 10,
            annotation_height: 20,
            original_width: 10,
            original_height: 20,
            orientation: 1,
            rel_path: fileName,
            content_hash: 'f'.repeat(64),
            status: 'done',
            status_at: null,
          },
        }
        const parts = annotations.map(annotationTextParts)
        expect(sa1bDocumentText(document, parts)).toBe(JSON.stringify(document))
        parts.forEach((part, index) => {
          expect(sa1bAnnotationText(part)).toBe(JSON.stringify(annotations[index]))
          expect(cocoAnnotationTextOf(part, imageId, COCO_CATEGORY.id)).toBe(
            cocoAnnotationText(annotations[index] as Sa1bAnnotation, imageId),
          )
        })
      }),
      { numRuns: 300 },
    )
  })
})

describe('plainBundleEvent', () => {
  it('accepts only what BundleEvent accepts, with the same fields', () => {
    const eventLike = fc.record(
      {
        id: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 60), fc.string()),
        at: fc.oneof(text, fc.integer()),
        actor: fc.oneof(text, fc.constant(null)),
        kind: text,
        entity: fc.constantFrom('mask', 'image', 'project', 'Mask'),
        entity_id: fc.oneof(fc.integer(), fc.constant(null), fc.double(), fc.constant('1')),
        before: fc.jsonValue(),
        after: fc.jsonValue(),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(fc.oneof(eventLike, fc.jsonValue()), (value) => {
        const fast = plainBundleEvent(value)
        const parsed = BundleEvent.safeParse(value)
        if (fast !== null) {
          expect(parsed.success).toBe(true)
          expect(fast).toStrictEqual(parsed.data)
        }
      }),
      { numRuns: 2000 },
    )
    expect(plainBundleEvent({ id: 1, at: 'a', actor: 'b', kind: 'k', entity: 'mask', entity_id: 2, after: { x: 1 } })).not.toBeNull()
  })
})
