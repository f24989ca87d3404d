/**
 * The audit report: a pure function of the stored audit rows (items, verdicts with their mask
 * snapshots, missing-object points), so it can be recomputed from an export at any time.
 *
 * Only images the reviewer finished count (finishing needs a verdict on every final mask, so each
 * finished image contributes all of its masks). Precision = correct / judged; "right object" =
 * (correct + boundary poor) / judged; both with 95% Wilson intervals. Missing objects per image =
 * missing points / finished images.
 *
 * Source classes from the snapshot: auto-accepted (state auto_accepted), accepted after review
 * (an automatic proposal a person accepted), manual (drawn by a person), imported. Size classes
 * follow COCO, in annotation pixels: small < 32², medium < 96², large otherwise.
 */
import type { AuditReport, AuditReportGroup, AuditReportSplit, Verdict, VerdictCounts } from '../../../src-preload/contract/audit'
import type { ReportInput, VerdictRow } from './audit-store'
import { wilsonInterval } from './wilson'

export const SMALL_AREA = 32 * 32
export const MEDIUM_AREA = 96 * 96

export const VERDICT_LABELS: Record<Verdict, string> = {
  correct: 'correct',
  boundary_poor: 'boundary poor',
  wrong_object: 'wrong object or merged objects',
  should_not_exist: 'should not exist',
}

export const REPORT_DEFINITIONS: readonly string[] = [
  'Only images the reviewer finished count; finishing an image needs a verdict on each of its final masks (accepted and auto-accepted, gold excluded).',
  'Precision = correct / judged masks. "Right object" = (correct + boundary poor) / judged masks. Intervals: 95% Wilson score (z = 1.959964), masks treated as independent.',
  'Missing objects per image = missing-object points / finished images.',
  'Source: auto-accepted (triage accepted it), accepted after review (a proposal a person accepted), manual (drawn by a person), imported. Size: small < 32² px, medium < 96² px, large otherwise (annotation pixels).',
  'Masks are classified as they were when judged (a snapshot kept with each verdict).',
]

const SOURCE_LABELS = {
  auto_accepted: 'auto-accepted',
  accepted_after_review: 'accepted after review',
  manual: 'manual',
  imported: 'imported',
} as const

export function sourceClass(row: Pick<VerdictRow, 'maskState' | 'maskSource'>): keyof typeof SOURCE_LABELS {
  if (row.maskSource === 'manual') return 'manual'
  if (row.maskSource === 'imported') return 'imported'
  return row.maskState === 'auto_accepted' ? 'auto_accepted' : 'accepted_after_review'
}

export function sizeClass(area: number): 'small' | 'medium' | 'large' {
  return area < SMALL_AREA ? 'small' : area < MEDIUM_AREA ? 'medium' : 'large'
}

function emptyCounts(): VerdictCounts {
  return { correct: 0, boundary_poor: 0, wrong_object: 0, should_not_exist: 0 }
}

function group(
  key: string,
  label: string,
  verdicts: readonly VerdictRow[],
  perImage: { images: number; missing: number } | null,
): AuditReportGroup {
  const counts = emptyCounts()
  for (const row of verdicts) counts[row.verdict]++
  const judged = verdicts.length
  return {
    key,
    label,
    judged,
    counts,
    precision: wilsonInterval(counts.correct, judged),
    rightObject: wilsonInterval(counts.correct + counts.boundary_poor, judged),
    images: perImage?.images ?? null,
    missing: perImage?.missing ?? null,
    missingPerImage: perImage && perImage.images > 0 ? perImage.missing / perImage.images : null,
  }
}

function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const row of rows) {
    const key = keyOf(row)
    const list = groups.get(key)
    if (list) list.push(row)
    else groups.set(key, [row])
  }
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** `modelName` names a model id (null: made without a model). */
export function computeAuditReport(input: ReportInput, modelName: (modelId: number | null) => string): AuditReport {
  const finished = new Set(input.items.filter((item) => item.reviewedAt !== null).map((item) => item.imageId))
  const verdicts = input.verdicts.filter((row) => finished.has(row.imageId))
  const missingByImage = new Map<number, number>()
  for (const point of input.missing)
    if (finished.has(point.imageId)) missingByImage.set(point.imageId, (missingByImage.get(point.imageId) ?? 0) + 1)
  const totalMissing = [...missingByImage.values()].reduce((sum, count) => sum + count, 0)

  const finishedItems = input.items.filter((item) => finished.has(item.imageId))
  const annotatorOf = new Map(finishedItems.map((item) => [item.imageId, item.annotator]))
  const annotatorGroups = groupBy(finishedItems, (item) => item.annotator)
  const byAnnotator = [...annotatorGroups.entries()].map(([annotator, items]) => {
    const ids = new Set(items.map((item) => item.imageId))
    return group(
      annotator,
      annotator,
      verdicts.filter((row) => annotatorOf.get(row.imageId) === annotator),
      { images: ids.size, missing: items.reduce((sum, item) => sum + (missingByImage.get(item.imageId) ?? 0), 0) },
    )
  })
  const bySource = [...groupBy(verdicts, sourceClass).entries()].map(([key, rows]) =>
    group(key, SOURCE_LABELS[key as keyof typeof SOURCE_LABELS], rows, null),
  )
  const byModel = [...groupBy(verdicts, (row) => String(row.modelId ?? 0)).entries()].map(([key, rows]) =>
    group(key, modelName(rows[0]?.modelId ?? null), rows, null),
  )
  const sizeOrder = ['small', 'medium', 'large']
  const bySize = [...groupBy(verdicts, (row) => sizeClass(row.area)).entries()]
    .sort(([a], [b]) => sizeOrder.indexOf(a) - sizeOrder.indexOf(b))
    .map(([key, rows]) => group(key, key, rows, null))
  const splits: Record<AuditReportSplit, AuditReportGroup[]> = { annotator: byAnnotator, source: bySource, model: byModel, size: bySize }
  return {
    audit: input.audit,
    reviewedImages: finished.size,
    overall: group('all', 'all finished images', verdicts, { images: finished.size, missing: totalMissing }),
    splits,
    definitions: [...REPORT_DEFINITIONS],
  }
}

function csvField(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const CSV_COLUMNS = [
  'split',
  'group',
  'judged',
  'correct',
  'boundary_poor',
  'wrong_object',
  'should_not_exist',
  'precision',
  'precision_low95',
  'precision_high95',
  'right_object',
  'right_object_low95',
  'right_object_high95',
  'images',
  'missing',
  'missing_per_image',
] as const

/** One row per group (overall first, then each split), with the definitions as leading `#` comments. */
export function reportToCsv(report: AuditReport): string {
  const rows: (string | number | null)[][] = []
  const add = (split: string, item: AuditReportGroup) =>
    rows.push([
      split,
      item.label,
      item.judged,
      item.counts.correct,
      item.counts.boundary_poor,
      item.counts.wrong_object,
      item.counts.should_not_exist,
      item.precision?.estimate ?? null,
      item.precision?.low ?? null,
      item.precision?.high ?? null,
      item.rightObject?.estimate ?? null,
      item.rightObject?.low ?? null,
      item.rightObject?.high ?? null,
      item.images,
      item.missing,
      item.missingPerImage,
    ])
  add('overall', report.overall)
  for (const [split, groups] of Object.entries(report.splits)) for (const item of groups) add(split, item)
  const header = [
    `# ${report.audit.name}: seed ${report.audit.seed}, fraction ${report.audit.fraction}, population ${report.audit.populationSize} (sha256 ${report.audit.populationHash}), ${report.reviewedImages} of ${report.audit.sampleSize} images finished`,
    ...report.definitions.map((line) => `# ${line}`),
  ]
  return `${[...header, CSV_COLUMNS.join(','), ...rows.map((row) => row.map(csvField).join(','))].join('\n')}\n`
}

/** The report with every stored verdict and missing point, so the figures can be recomputed from the file. */
export function reportToJson(report: AuditReport, input: ReportInput): string {
  return `${JSON.stringify({ format: 'tessera-audit-report', version: 1, report, items: input.items, verdicts: input.verdicts, missing: input.missing }, null, 2)}\n`
}
