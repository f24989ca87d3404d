/**
 * Committing a mask a person made: the segment tool's chosen candidate, possibly refined and edited
 * with brush or eraser, or another candidate taken in place of a proposal. Stored accepted with its
 * full provenance in `prompt` (points with labels, box, refinement count, the candidate token, whether
 * pixels were edited, clicks) plus model, person, time and seconds spent.
 *
 * Recorded as one action: the new mask as a creation (`before: 'deleted'`, see action-history.ts) and
 * the replaced mask, if any, set aside as 'deleted' — so undo restores the replaced mask and hides the
 * new one, and redo does the opposite.
 */
import type { PromptBox, PromptPoint } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import { decompressRle, rleIou, type CompressedRle } from '../masks'
import type { MaskRecord, MaskRepository } from '../project/mask-repository'
import type { ImageRow } from '../project/image-repository'
import type { ActionHistory, StateChange } from './action-history'

export interface CommitRequest {
  rle: CompressedRle
  prompt: { points: PromptPoint[]; box: PromptBox | null; refinements: number }
  candidate: { token: number; predictedIou: number; stabilityScore: number } | null
  edited: boolean
  replaces?: number | undefined
  effort: { seconds: number; clicks: number }
  /** The active model (null when the mask was painted without one). */
  modelId: number | null
  /** The skipped-object marker this mask finally segments (reopened from the list); it becomes resolved. */
  resolvesSkipped?: number | undefined
}

/** IoU of two masks of one image (COCO RLE at the same size). */
function maskIou(a: CompressedRle, b: CompressedRle): number {
  return rleIou([decompressRle(a)], [decompressRle(b)], [false])[0]![0]!
}

export function commitMask(
  masks: MaskRepository,
  history: ActionHistory,
  image: ImageRow,
  request: CommitRequest,
  actor: string,
  at: string,
): MaskRecord[] {
  const [rleHeight, rleWidth] = request.rle.size
  if (rleHeight !== image.annotation_height || rleWidth !== image.annotation_width)
    throw new AppError(
      'invalid_request',
      `The mask is ${rleWidth}×${rleHeight} but image ${image.id} is annotated at ${image.annotation_width}×${image.annotation_height}.`,
    )
  const replaced = request.replaces === undefined ? null : masks.get(request.replaces)
  if (request.replaces !== undefined) {
    if (!replaced || replaced.imageId !== image.id)
      throw new AppError('not_found', `Mask ${request.replaces} is not a mask of image ${image.id}.`)
    if (replaced.state === 'deleted') throw new AppError('conflict', `Mask ${request.replaces} was already replaced or removed.`)
  }
  const replacedRle = replaced ? { size: request.rle.size, counts: replaced.rleCounts } : null
  const created = masks.insert({
    imageId: image.id,
    rle: request.rle,
    source: 'manual',
    state: 'accepted',
    predictedIou: request.candidate?.predictedIou ?? null,
    stabilityScore: request.candidate?.stabilityScore ?? null,
    pointCoords: request.prompt.points.filter((point) => point.label === 'positive').map((point) => [point.x, point.y]),
    prompt: {
      points: request.prompt.points,
      box: request.prompt.box,
      refinements: request.prompt.refinements,
      candidateToken: request.candidate?.token ?? null,
      edited: request.edited,
      clicks: request.effort.clicks,
      replaces: request.replaces ?? null,
    },
    modelId: request.modelId,
    actor,
    secondsSpent: request.effort.seconds,
    clicks: request.effort.clicks,
    // How far the person moved from the mask they started from (1 = kept as it was).
    originMaskId: replaced?.id ?? null,
    originIou: replacedRle ? maskIou(replacedRle, request.rle) : null,
    createdAt: at,
  })
  if (created.area === 0) throw new AppError('invalid_request', 'The mask is empty: there is nothing to commit.')
  const changes: StateChange[] = [{ maskId: created.id, before: 'deleted', after: 'accepted' }]
  if (replaced) changes.push({ maskId: replaced.id, before: replaced.state, after: 'deleted' })
  history.record({
    imageId: image.id,
    actor,
    kind: replaced ? 'edit' : 'commit',
    label: replaced ? `Replace mask ${replaced.id} by mask ${created.id}` : `Add mask ${created.id}`,
    changes,
    at,
  })
  return changes.map((change) => masks.get(change.maskId) as MaskRecord)
}
