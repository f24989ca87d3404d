/**
 * Workspace shortcuts: every action, its default keys, and rebinding. Pure: turning a keyboard event
 * into a combo string, finding the action bound to it, and checking a new binding for clashes (no two
 * actions share a key on the screen). The bindings a person chooses are stored by the caller.
 */

export const WORKSPACE_ACTIONS = {
  accept: { label: 'Accept the current mask', group: 'Review', keys: ['a'] },
  reject: { label: 'Reject the current mask', group: 'Review', keys: ['x'] },
  nextMask: { label: 'Next mask in the queue', group: 'Review', keys: ['e', 'ArrowDown'] },
  previousMask: { label: 'Previous mask in the queue', group: 'Review', keys: ['q', 'ArrowUp'] },
  acceptAbove: { label: 'Accept all needing review at or above the threshold', group: 'Review', keys: ['Shift+a'] },
  rejectBelow: { label: 'Reject all needing review below the threshold', group: 'Review', keys: ['Shift+x'] },
  restore: { label: 'Send the selected mask back to review', group: 'Review', keys: ['u'] },
  undo: { label: 'Undo (the object being made first, then the image’s history)', group: 'History', keys: ['Mod+z'] },
  redo: { label: 'Redo', group: 'History', keys: ['Mod+Shift+z', 'Mod+y'] },
  toggleMasks: { label: 'Show or hide masks', group: 'View', keys: ['m'] },
  outlinesOnly: { label: 'Outlines only', group: 'View', keys: ['o'] },
  opacityDown: { label: 'Lower mask opacity', group: 'View', keys: ['['] },
  opacityUp: { label: 'Raise mask opacity', group: 'View', keys: [']'] },
  toggleRejected: { label: 'Show rejected and discarded (ghosted)', group: 'View', keys: ['h'] },
  toggleInspection: { label: 'Show the selected mask’s prompt on the image', group: 'View', keys: ['i'] },
  toggleRail: { label: 'Show or hide the image rail', group: 'View', keys: ['\\', 'Shift+r'] },
  toggleGaps: { label: 'Show uncovered regions', group: 'Coverage', keys: ['c'] },
  nextGap: { label: 'Jump to the next gap', group: 'Coverage', keys: ['g'] },
  markDone: { label: 'Mark the image done and open the next unfinished', group: 'Image', keys: ['Mod+Enter'] },
  nextUnfinished: { label: 'Next unfinished image', group: 'Image', keys: ['n'] },
  nextImage: { label: 'Next image', group: 'Image', keys: ['ArrowRight', 'PageDown'] },
  previousImage: { label: 'Previous image', group: 'Image', keys: ['ArrowLeft', 'PageUp'] },
  backToGrid: { label: 'Back to the grid (clears a prompt first)', group: 'Image', keys: ['Escape'] },
  selectTool: { label: 'Select tool (click picks a mask)', group: 'Tools', keys: ['v'] },
  segmentTool: { label: 'Prompt tool (click ±point, Alt/right-click −point, drag a box)', group: 'Tools', keys: ['s'] },
  brushTool: { label: 'Brush (edits the object, or the selected mask; right-drag erases)', group: 'Tools', keys: ['b'] },
  eraserTool: { label: 'Eraser (right-drag paints)', group: 'Tools', keys: ['r'] },
  brushSmaller: { label: 'Smaller brush (also Shift+wheel)', group: 'Tools', keys: [','] },
  brushLarger: { label: 'Larger brush (also Shift+wheel)', group: 'Tools', keys: ['.'] },
  nextCandidate: { label: 'Next candidate of the prompt', group: 'Tools', keys: ['Tab'] },
  previousCandidate: { label: 'Previous candidate of the prompt', group: 'Tools', keys: ['Shift+Tab'] },
  removePoint: { label: 'Remove the last prompt (point or box)', group: 'Tools', keys: ['Backspace'] },
  commit: { label: 'Commit the object as a mask', group: 'Tools', keys: ['Enter'] },
  skipObject: { label: 'Skip this object (leave a marker for later)', group: 'Tools', keys: ['Shift+s'] },
  fit: { label: 'Fit the image', group: 'View', keys: ['f', '0'] },
  actualSize: { label: 'Actual size', group: 'View', keys: ['1'] },
  zoomIn: { label: 'Zoom in', group: 'View', keys: ['+', '='] },
  zoomOut: { label: 'Zoom out', group: 'View', keys: ['-'] },
  shortcuts: { label: 'Show these shortcuts', group: 'Help', keys: ['?'] },
} as const satisfies Record<string, { label: string; group: string; keys: readonly string[] }>

export type WorkspaceAction = keyof typeof WORKSPACE_ACTIONS
export type Bindings = Record<WorkspaceAction, string[]>

export function defaultBindings(): Bindings {
  return Object.fromEntries(Object.entries(WORKSPACE_ACTIONS).map(([action, spec]) => [action, [...spec.keys]])) as Bindings
}

/** The parts of a keyboard event a combo is made of. */
export interface KeyLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  shiftKey: boolean
}

/** Keys whose shifted form is a different character: Shift is part of the key itself, not a modifier. */
function isSymbol(key: string): boolean {
  return key.length === 1 && !/[a-z0-9]/i.test(key)
}

/**
 * A canonical combo string: modifiers in the order Mod, Alt, Shift, then the key (letters lower-case).
 * Ctrl and Cmd both count as Mod. Shift is dropped for symbols ('?' is Shift+/ on most layouts).
 * Null for a bare modifier press.
 */
export function comboOf(event: KeyLike): string | null {
  if (['Control', 'Meta', 'Alt', 'Shift', 'AltGraph', 'CapsLock'].includes(event.key)) return null
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key
  const parts: string[] = []
  if (event.ctrlKey || event.metaKey) parts.push('Mod')
  if (event.altKey) parts.push('Alt')
  if (event.shiftKey && !isSymbol(key)) parts.push('Shift')
  parts.push(key === ' ' ? 'Space' : key)
  return parts.join('+')
}

/** A combo's modifiers and key ('+' itself can be the key: "Mod++"). */
export function parseCombo(combo: string): { modifiers: string[]; key: string } {
  const match = /^((?:(?:Mod|Alt|Shift)\+)*)(.+)$/.exec(combo)
  if (!match) return { modifiers: [], key: combo }
  return { modifiers: (match[1] as string).split('+').filter(Boolean), key: match[2] as string }
}

/** How a combo is shown to people ("Ctrl+Shift+Z", "?", "→"). */
export function displayCombo(combo: string, mac = false): string {
  const names: Record<string, string> = {
    Mod: mac ? '⌘' : 'Ctrl',
    ArrowRight: '→',
    ArrowLeft: '←',
    ArrowUp: '↑',
    ArrowDown: '↓',
    Backspace: '⌫',
    Escape: 'Esc',
    Enter: '↵',
  }
  const { modifiers, key } = parseCombo(combo)
  const shown = [...modifiers.map((part) => names[part] ?? part), names[key] ?? (key.length === 1 ? key.toUpperCase() : key)]
  return shown.join(mac ? '' : '+')
}

/** The action bound to a combo, or null. */
export function actionFor(bindings: Bindings, combo: string): WorkspaceAction | null {
  for (const [action, combos] of Object.entries(bindings)) if (combos.includes(combo)) return action as WorkspaceAction
  return null
}

/**
 * Binds `combo` as the only key of `action`. Refuses (returns the clashing action) when another
 * action already uses it, so no two actions share a key.
 */
export function rebind(
  bindings: Bindings,
  action: WorkspaceAction,
  combo: string,
): { ok: true; bindings: Bindings } | { ok: false; clash: WorkspaceAction } {
  const owner = actionFor(bindings, combo)
  if (owner !== null && owner !== action) return { ok: false, clash: owner }
  return { ok: true, bindings: { ...bindings, [action]: [combo] } }
}

/**
 * Stored bindings merged over the defaults: unknown actions and malformed keys dropped; where stored
 * keys clash with each other or with a default, the stored bindings involved fall back to their defaults.
 */
export function mergeBindings(stored: unknown): Bindings {
  const defaults = defaultBindings()
  const bindings = defaultBindings()
  if (!stored || typeof stored !== 'object') return bindings
  const custom = new Set<WorkspaceAction>()
  for (const [action, combos] of Object.entries(stored as Record<string, unknown>)) {
    if (!Object.hasOwn(WORKSPACE_ACTIONS, action) || !Array.isArray(combos)) continue
    const valid = combos.filter((combo): combo is string => typeof combo === 'string' && combo.length > 0 && combo.length < 40)
    if (valid.length === 0) continue
    bindings[action as WorkspaceAction] = valid
    custom.add(action as WorkspaceAction)
  }
  // A clash between a person's key and a default can only come from a default added after they chose
  // it (or from junk). A default action that has another key gives this one up, so the person's
  // binding stays; one whose only key it is keeps it, and the person's action goes back to its
  // defaults. Each round removes a key or a customisation, so this ends.
  for (let clash = clashes(bindings)[0]; clash; clash = clashes(bindings)[0]) {
    const { combo } = clash
    const reset = clash.actions.filter((action) => custom.has(action))
    if (reset.length === 0) break // defaults never clash with each other (tested)
    const yielding = clash.actions.filter((action) => !custom.has(action) && bindings[action].length > 1)
    if (reset.length === 1 && yielding.length === clash.actions.length - 1) {
      for (const action of yielding) bindings[action] = bindings[action].filter((owned) => owned !== combo)
      continue
    }
    for (const action of reset) {
      bindings[action] = [...defaults[action]]
      custom.delete(action)
    }
  }
  return bindings
}

/** Actions sharing a combo (empty when the bindings are clean). */
export function clashes(bindings: Bindings): { combo: string; actions: WorkspaceAction[] }[] {
  const owners = new Map<string, WorkspaceAction[]>()
  for (const [action, combos] of Object.entries(bindings))
    for (const combo of combos) owners.set(combo, [...(owners.get(combo) ?? []), action as WorkspaceAction])
  return [...owners].filter(([, actions]) => actions.length > 1).map(([combo, actions]) => ({ combo, actions }))
}
