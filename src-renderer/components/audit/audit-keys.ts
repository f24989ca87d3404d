/**
 * The audit screen's keys: verdicts on 1–4 under the left hand, mask and image navigation as in the
 * workspace (e/q, arrows), and the missing-object tool. No two actions share a key on this screen.
 * Combos are the workspace keymap's canonical strings (review/keymap.ts comboOf).
 */
import type { Verdict } from '../../../src-preload/contract/audit'

export const VERDICT_KEYS: Record<Verdict, string> = { correct: '1', boundary_poor: '2', wrong_object: '3', should_not_exist: '4' }

export const VERDICT_NAMES: Record<Verdict, string> = {
  correct: 'Correct',
  boundary_poor: 'Boundary poor',
  wrong_object: 'Wrong or merged objects',
  should_not_exist: 'Should not exist',
}

export const AUDIT_ACTIONS = {
  nextMask: { label: 'Next mask', keys: ['e', 'ArrowDown'] },
  previousMask: { label: 'Previous mask', keys: ['q', 'ArrowUp'] },
  missingTool: { label: 'Mark missing objects: each click places a point (again to stop)', keys: ['m'] },
  removeMissing: { label: 'Remove the last missing-object point', keys: ['Backspace'] },
  finish: { label: 'Finish the image and open the next unfinished one', keys: ['Enter'] },
  nextImage: { label: 'Next sampled image', keys: ['ArrowRight', 'PageDown'] },
  previousImage: { label: 'Previous sampled image', keys: ['ArrowLeft', 'PageUp'] },
  notes: { label: 'Write a note on the image', keys: ['n'] },
  fit: { label: 'Fit the image', keys: ['f'] },
  escape: { label: 'Stop marking missing objects, close this list', keys: ['Escape'] },
  shortcuts: { label: 'Show these shortcuts', keys: ['?'] },
} as const

export type AuditAction = keyof typeof AUDIT_ACTIONS | `verdict:${Verdict}`

/** The action bound to a combo on the audit screen, or null. */
export function auditActionFor(combo: string): AuditAction | null {
  for (const [verdict, key] of Object.entries(VERDICT_KEYS)) if (key === combo) return `verdict:${verdict as Verdict}`
  for (const [action, spec] of Object.entries(AUDIT_ACTIONS))
    if ((spec.keys as readonly string[]).includes(combo)) return action as AuditAction
  return null
}
