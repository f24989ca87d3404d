/**
 * A person's decisions on masks of one image, checked and turned into the state changes of one
 * undoable action: accept, reject, or 'proposed' (back to the review queue, from a decided or a
 * triaged mask). Deleted masks take no decision; a decision that leaves a mask's state as it is
 * changes nothing and is left out.
 */
import type { MaskDecision } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import type { MaskRecord } from '../project/mask-repository'
import type { StateChange } from './action-history'

export interface Decision {
  maskId: number
  state: MaskDecision
}

/**
 * The state changes of `decisions` on the image's masks (no-ops left out), in request order.
 * `lookup` reads a mask by id. Throws, before anything is written, when a mask is unknown
 * ('not_found'), on another image or named twice ('invalid_request'), or deleted ('conflict').
 */
export function decisionChanges(
  imageId: number,
  decisions: readonly Decision[],
  lookup: (maskId: number) => MaskRecord | undefined,
): StateChange[] {
  const seen = new Set<number>()
  const changes: StateChange[] = []
  for (const { maskId, state } of decisions) {
    if (seen.has(maskId)) throw new AppError('invalid_request', `Mask ${maskId} is decided twice in one request.`)
    seen.add(maskId)
    const mask = lookup(maskId)
    if (!mask) throw new AppError('not_found', `Mask ${maskId} is not in this project.`)
    if (mask.imageId !== imageId) {
      throw new AppError('invalid_request', `Mask ${maskId} belongs to image ${mask.imageId}, not image ${imageId}.`)
    }
    if (mask.state === 'deleted') throw new AppError('conflict', `Mask ${maskId} has been deleted; it cannot be ${verbPast(state)}.`)
    if (mask.state !== state) changes.push({ maskId, before: mask.state, after: state })
  }
  return changes
}

function verbPast(state: MaskDecision): string {
  return state === 'accepted' ? 'accepted' : state === 'rejected' ? 'rejected' : 'returned to review'
}

function masks(count: number): string {
  return count === 1 ? 'mask' : 'masks'
}

/** "Accept mask 12", "Reject 3 masks", "Return mask 4 to review", "Accept 2, reject 1 (3 masks)". */
export function defaultDecisionLabel(changes: readonly StateChange[]): string {
  const groups: [MaskDecision, StateChange[]][] = (['accepted', 'rejected', 'proposed'] as const)
    .map((state): [MaskDecision, StateChange[]] => [state, changes.filter((change) => change.after === state)])
    .filter(([, group]) => group.length > 0)
  if (groups.length === 1) {
    const [state, group] = groups[0] as [MaskDecision, StateChange[]]
    const what = group.length === 1 ? `mask ${(group[0] as StateChange).maskId}` : `${group.length} masks`
    if (state === 'proposed') return `Return ${what} to review`
    return `${state === 'accepted' ? 'Accept' : 'Reject'} ${what}`
  }
  const verbs: Record<MaskDecision, string> = { accepted: 'accept', rejected: 'reject', proposed: 'return' }
  const parts = groups.map(([state, group]) => `${verbs[state]} ${group.length}`).join(', ')
  return `${parts.charAt(0).toUpperCase()}${parts.slice(1)} (${changes.length} ${masks(changes.length)})`
}
