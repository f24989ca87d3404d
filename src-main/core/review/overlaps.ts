/**
 * Possible duplicates: pairs of an image's masks whose IoU is above the project's threshold, and
 * their resolution as one undoable action.
 *
 * Flagged: masks that are accepted, auto-accepted or waiting for review, where at least one of the
 * pair is accepted or auto-accepted (two unreviewed proposals are not a duplicate in the annotation),
 * minus pairs a person resolved already.
 *
 * Resolutions: 'replace' keeps one (accepted) and rejects the other; 'keep' accepts both; 'merge'
 * inserts their union as a new manual mask (accepted, prompt `{ mergedFrom: [a, b] }`) and rejects both.
 * The merged mask is recorded as a creation (`before: 'deleted'`, see action-history.ts), so undo
 * deletes it and redo restores it.
 */
import type { OverlapPair } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import { bitmapToRle, bitmapUnion, compressRle, findOverlaps } from '../masks'
import type { ImageRow } from '../project/image-repository'
import type { MaskRecord, MaskRepository, MaskState } from '../project/mask-repository'
import type { ActionHistory, ActionRecord, StateChange } from './action-history'
import { maskBitmap } from './coverage'
import { orderedPair, pairKey, type OverlapResolution, type OverlapResolutions } from './overlap-resolutions'
import type { ReviewSettings } from './settings'

/** States whose masks take part in overlap checks. */
export const OVERLAP_STATES: readonly MaskState[] = ['accepted', 'auto_accepted', 'proposed']
const ANNOTATION_STATES = new Set<MaskState>(['accepted', 'auto_accepted'])

export interface ResolveRequest {
  a: number
  b: number
  resolution: OverlapResolution
  /** For 'replace': the mask that stays (a or b). */
  keep?: number | undefined
}

export interface Resolved {
  action: ActionRecord
  /** The masks the action changed or created, as they are now. */
  masks: MaskRecord[]
}

export class OverlapReview {
  constructor(
    private readonly masks: MaskRepository,
    private readonly resolutions: OverlapResolutions,
    private readonly history: ActionHistory,
  ) {}

  /** Unresolved pairs above the threshold, highest IoU first. */
  list(image: ImageRow, settings: ReviewSettings): OverlapPair[] {
    const candidates = this.masks.listByImage(image.id, { states: OVERLAP_STATES })
    if (candidates.length < 2) return []
    const stateOf = new Map(candidates.map((mask) => [mask.id, mask.state]))
    const resolved = this.resolutions.resolvedKeys(image.id)
    const pairs = findOverlaps(
      candidates.map((mask) => ({ id: mask.id, bitmap: maskBitmap(mask, image) })),
      settings.overlapIou,
    )
    return pairs
      .filter(
        (pair) =>
          (ANNOTATION_STATES.has(stateOf.get(pair.a) as MaskState) || ANNOTATION_STATES.has(stateOf.get(pair.b) as MaskState)) &&
          !resolved.has(pairKey(pair.a, pair.b)),
      )
      .map((pair) => {
        const [a, b] = orderedPair(pair.a, pair.b)
        return { a, b, iou: pair.iou }
      })
      .sort((p, q) => q.iou - p.iou || p.a - q.a || p.b - q.b)
  }

  /**
   * Resolves a pair as one action (the caller runs this in a transaction). Both masks must be masks
   * of the image and not deleted; they need not be flagged any more (a list may be stale).
   */
  resolve(image: ImageRow, request: ResolveRequest, actor: string, at: string): Resolved {
    if (request.a === request.b) throw new AppError('invalid_request', 'An overlap pair needs two different masks.')
    const [a, b] = orderedPair(request.a, request.b)
    const first = this.pairMask(image, a)
    const second = this.pairMask(image, b)
    const changes: StateChange[] = []
    const change = (mask: MaskRecord, after: MaskState): void => {
      if (mask.state !== after) changes.push({ maskId: mask.id, before: mask.state, after })
    }
    let label: string
    let kind: 'overlap' | 'merge' = 'overlap'
    switch (request.resolution) {
      case 'replace': {
        if (request.keep !== a && request.keep !== b) throw new AppError('invalid_request', `'replace' needs keep set to ${a} or ${b}.`)
        const [kept, dropped] = request.keep === a ? [first, second] : [second, first]
        change(kept, 'accepted')
        change(dropped, 'rejected')
        label = `Keep mask ${kept.id}, reject mask ${dropped.id}`
        break
      }
      case 'keep':
        change(first, 'accepted')
        change(second, 'accepted')
        label = `Keep both masks ${a} and ${b}`
        break
      case 'merge': {
        kind = 'merge'
        const union = bitmapUnion(maskBitmap(first, image), maskBitmap(second, image))
        const merged = this.masks.insert(
          {
            imageId: image.id,
            rle: compressRle(bitmapToRle(union, image.annotation_height, image.annotation_width)),
            source: 'manual',
            state: 'accepted',
            prompt: { mergedFrom: [a, b] },
            actor,
            createdAt: at,
          },
          { eventDetails: () => ({ mergedFrom: [a, b] }) },
        )
        changes.push({ maskId: merged.id, before: 'deleted', after: 'accepted' })
        change(first, 'rejected')
        change(second, 'rejected')
        label = `Merge masks ${a} and ${b}`
        break
      }
    }
    const action = this.history.record({
      imageId: image.id,
      actor,
      kind,
      label,
      changes,
      details: { resolvedPair: { a, b, resolution: request.resolution } },
      at,
    })
    return { action, masks: changes.map((c) => this.masks.get(c.maskId) as MaskRecord) }
  }

  private pairMask(image: ImageRow, id: number): MaskRecord {
    const mask = this.masks.get(id)
    if (!mask) throw new AppError('not_found', `Mask ${id} is not in this project.`)
    if (mask.imageId !== image.id)
      throw new AppError('invalid_request', `Mask ${id} belongs to image ${mask.imageId}, not image ${image.id}.`)
    if (mask.state === 'deleted')
      throw new AppError('conflict', `Mask ${id} has been deleted; resolve the overlap again from the current masks.`)
    return mask
  }
}
