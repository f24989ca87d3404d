/**
 * A stored mask as the renderer receives it (MaskSummary), with the prompt behind it in one shape:
 * - grid proposals: their one positive point (the stored prompt, else `point_coords`);
 * - proposals from detections: the box (stored as an XYXY array) and no points — the centre point
 *   kept in `point_coords` for SA-1B is not a prompt the model saw;
 * - manual masks: the points and box the person gave.
 */
import type { MaskSummary, PromptBox, PromptPoint } from '../../../src-preload/contract/dto'
import type { MaskPrompt, MaskRecord } from '../project/mask-repository'

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function promptBox(box: MaskPrompt['box']): PromptBox | null {
  if (Array.isArray(box)) {
    const [x0, y0, x1, y1] = box
    return [x0, y0, x1, y1].every(isFiniteNumber) ? { x0, y0, x1, y1 } : null
  }
  if (box && [box.x0, box.y0, box.x1, box.y1].every(isFiniteNumber)) return { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 }
  return null
}

function promptPoints(points: unknown): PromptPoint[] {
  if (!Array.isArray(points)) return []
  return points.flatMap((point: unknown) => {
    const p = point as Partial<PromptPoint> | null
    if (!p || !isFiniteNumber(p.x) || !isFiniteNumber(p.y) || (p.label !== 'positive' && p.label !== 'negative')) return []
    return [{ x: p.x, y: p.y, label: p.label }]
  })
}

/** The prompt of a mask in annotation pixels (see the file comment for each source). */
export function summaryPrompt(mask: Pick<MaskRecord, 'prompt' | 'pointCoords' | 'source'>): MaskSummary['prompt'] {
  const prompt = mask.prompt
  const box = promptBox(prompt?.box ?? null)
  if (Array.isArray(prompt?.box)) return { points: [], box } // a detection box: the box alone was the prompt
  if (prompt && Array.isArray(prompt.points)) return { points: promptPoints(prompt.points), box }
  // Older or imported proposals without a stored prompt: SA-1B's point_coords are the positive clicks.
  const points =
    mask.source !== 'manual' && mask.pointCoords ? mask.pointCoords.map(([x, y]) => ({ x, y, label: 'positive' as const })) : []
  return { points: points.filter((point) => isFiniteNumber(point.x) && isFiniteNumber(point.y)), box }
}

/** `size` is the image's annotation size, [height, width]. */
export function toMaskSummary(mask: MaskRecord, size: [height: number, width: number]): MaskSummary {
  return {
    id: mask.id,
    state: mask.state,
    source: mask.source,
    rle: { size, counts: mask.rleCounts },
    area: mask.area,
    bbox: mask.bbox,
    predictedIou: mask.predictedIou,
    stabilityScore: mask.stabilityScore,
    pointCoords: mask.pointCoords,
    cropBox: mask.cropBox,
    modelId: mask.modelId,
    prompt: summaryPrompt(mask),
    actor: mask.actor,
    updatedAt: mask.updatedAt,
    effort:
      mask.source === 'manual'
        ? {
            seconds: mask.secondsSpent,
            clicks: mask.clicks,
            edited: mask.prompt?.edited === true,
            originMaskId: mask.originMaskId,
            originIou: mask.originIou,
          }
        : null,
  }
}
