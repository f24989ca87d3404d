/**
 * The object being made or edited before it is committed: its prompt (points, box), the model's
 * candidates for that prompt and which one is shown, the brush and eraser strokes over it, and a
 * linear undo/redo history of those steps. Pure: no Svelte, no transport.
 *
 * Every step is a whole snapshot, so undo restores the candidates the model gave for the earlier
 * prompt without asking it again, and undo followed by redo returns exactly the same snapshot.
 * Committed work leaves the draft for the image's own history (the events table).
 */
import type { PromptBox, PromptPoint } from '../../src-preload/contract/dto'
import { applyStrokes, type BrushStroke, type MaskBitmap } from '../../src-main/core/masks'

export interface DraftCandidate {
  /** Refinement handle of the model's low-res logits; null for a mask that did not come from the model now. */
  handle: string | null
  token: number
  predictedIou: number
  stabilityScore: number
  area: number
  /** Row-major annotation-size pixels, 1 = inside. Never mutated: strokes are applied to a copy. */
  pixels: Uint8Array
  /**
   * The same pixels cropped to their box, when the candidate has them that way (the model's come as
   * RLE and are decoded straight to this crop); otherwise cropped from `pixels` when first needed.
   */
  bitmap?: MaskBitmap
}

export interface DraftSnapshot {
  readonly points: readonly PromptPoint[]
  readonly box: PromptBox | null
  readonly candidates: readonly DraftCandidate[]
  readonly shown: number
  readonly strokes: readonly BrushStroke[]
  /** How many prompts were refined from the previous candidate's low-res logits. */
  readonly refinements: number
  /** A prompt whose answer has not arrived yet (its candidates are the previous ones). */
  readonly pending: boolean
  /** What made this step, for the undo button. */
  readonly label: string
}

export const EMPTY_DRAFT: DraftSnapshot = Object.freeze({
  points: [],
  box: null,
  candidates: [],
  shown: 0,
  strokes: [],
  refinements: 0,
  pending: false,
  label: 'Empty',
})

export class ObjectDraft {
  private steps: DraftSnapshot[]
  private at = 0

  constructor(base: DraftSnapshot = EMPTY_DRAFT) {
    this.steps = [base]
  }

  get current(): DraftSnapshot {
    return this.steps[this.at]!
  }

  get canUndo(): boolean {
    return this.at > 0
  }

  get canRedo(): boolean {
    return this.at < this.steps.length - 1
  }

  get undoLabel(): string | null {
    return this.canUndo ? this.current.label : null
  }

  get redoLabel(): string | null {
    return this.canRedo ? this.steps[this.at + 1]!.label : null
  }

  /** A new step on top of the current one (anything that could be redone is dropped). */
  push(change: Partial<Omit<DraftSnapshot, 'label'>> & { label: string }): DraftSnapshot {
    const next: DraftSnapshot = Object.freeze({ ...this.current, ...change })
    this.steps = [...this.steps.slice(0, this.at + 1), next]
    this.at = this.steps.length - 1
    return next
  }

  /** Changes the current step in place (the model's answer to its prompt arrived); not an undo step. */
  amend(change: Partial<Omit<DraftSnapshot, 'label'>>): DraftSnapshot {
    const next: DraftSnapshot = Object.freeze({ ...this.current, ...change })
    this.steps[this.at] = next
    return next
  }

  undo(): DraftSnapshot | null {
    if (!this.canUndo) return null
    this.at--
    return this.current
  }

  redo(): DraftSnapshot | null {
    if (!this.canRedo) return null
    this.at++
    return this.current
  }

  /** Starts over from `base` (a new object, or an existing mask to edit). */
  reset(base: DraftSnapshot = EMPTY_DRAFT): void {
    this.steps = [base]
    this.at = 0
  }
}

/** Whether a step holds anything to commit or lose: a prompt, candidates or a stroke. */
export function isEmptyDraft(snapshot: DraftSnapshot): boolean {
  return snapshot.points.length === 0 && snapshot.box === null && snapshot.strokes.length === 0 && snapshot.candidates.length === 0
}

/** The shown candidate, if any. */
export function shownCandidate(snapshot: DraftSnapshot): DraftCandidate | null {
  return snapshot.candidates[snapshot.shown] ?? null
}

/** The draft's pixels: the shown candidate (or nothing) with every stroke applied, as a fresh buffer. */
export function draftPixels(snapshot: DraftSnapshot, width: number, height: number): Uint8Array {
  const candidate = shownCandidate(snapshot)
  const pixels = candidate ? candidate.pixels.slice() : new Uint8Array(width * height)
  applyStrokes(pixels, width, height, snapshot.strokes)
  return pixels
}

/** The positive points of a prompt, or the centre of its box: where the object is, for a skipped marker. */
export function promptLocation(snapshot: Pick<DraftSnapshot, 'points' | 'box'>): { x: number; y: number } | null {
  const positive = snapshot.points.find((point) => point.label === 'positive')
  if (positive) return { x: positive.x, y: positive.y }
  if (snapshot.box) return { x: (snapshot.box.x0 + snapshot.box.x1) / 2, y: (snapshot.box.y0 + snapshot.box.y1) / 2 }
  const first = snapshot.points[0]
  return first ? { x: first.x, y: first.y } : null
}
