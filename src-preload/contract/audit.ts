/**
 * Audits (seeded random samples of done images, per-mask verdicts, missing objects, reports), the
 * gold-standard comparison, inter-annotator agreement and the data-engine dashboard: DTOs and
 * request schemas, spread into `requestSchemas` (requests.ts).
 */
import { z } from 'zod'
import { ImageSummary, MaskSummary } from './dto'

const AuditId = z.number().int().positive()
const ImageId = z.number().int().positive()
/** A reviewer's name as recorded on verdicts and their events. */
const Reviewer = z.string().trim().min(1).max(200)

// ── Audits ─────────────────────────────────────────────────────────────────────────────────────────

/** What a sample can be stratified by: who marked the image done, and its share of automatic masks. */
export const AuditStratifier = z.enum(['annotator', 'source_mix'])
export type AuditStratifier = z.infer<typeof AuditStratifier>

/**
 * A reviewer's verdict on one mask. Only 'correct' counts as correct for precision; 'boundary_poor'
 * (right object, poor outline) is reported separately and in the second figure, "right object".
 * 'wrong_object' covers a mask on the wrong object or one that merges several objects.
 */
export const Verdict = z.enum(['correct', 'boundary_poor', 'wrong_object', 'should_not_exist'])
export type Verdict = z.infer<typeof Verdict>

export const AuditStratumSummary = z.object({
  /** e.g. "annotator=ada · source_mix=mostly_auto"; '' for a simple random sample. */
  key: z.string(),
  population: z.number().int(),
  sample: z.number().int(),
})
export type AuditStratumSummary = z.infer<typeof AuditStratumSummary>

export const AuditSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  drawnBy: z.string(),
  drawnAt: z.string(),
  seed: z.string(),
  /** Share of the population drawn (0–1]; the sample is ⌈fraction · population⌉ images, at least one. */
  fraction: z.number(),
  strata: z.array(AuditStratifier),
  populationSize: z.number().int(),
  /** sha256 of the population's content hashes, sorted, one per line. */
  populationHash: z.string(),
  sampleSize: z.number().int(),
  /** Images the reviewer has finished. */
  reviewedImages: z.number().int(),
  verdicts: z.number().int(),
  strataCounts: z.array(AuditStratumSummary),
})
export type AuditSummary = z.infer<typeof AuditSummary>

export const AuditItem = z.object({
  imageId: z.number().int(),
  position: z.number().int(),
  relPath: z.string(),
  contentHash: z.string(),
  stratum: z.string(),
  /** Who marked the image done when the audit was drawn. */
  annotator: z.string(),
  /** Final masks (accepted and auto-accepted, gold excluded) the image has now. */
  maskCount: z.number().int(),
  verdictCount: z.number().int(),
  missingCount: z.number().int(),
  notes: z.string(),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
})
export type AuditItem = z.infer<typeof AuditItem>

export const AuditVerdict = z.object({
  maskId: z.number().int(),
  verdict: Verdict,
  reviewer: z.string(),
  at: z.string(),
})
export type AuditVerdict = z.infer<typeof AuditVerdict>

export const MissingPoint = z.object({
  id: z.number().int(),
  /** Annotation pixels. */
  x: z.number(),
  y: z.number(),
  reviewer: z.string(),
  at: z.string(),
})
export type MissingPoint = z.infer<typeof MissingPoint>

/** One sampled image as the reviewer sees it: its final masks, the verdicts so far, missing points, notes. */
export const AuditItemDetail = z.object({
  item: AuditItem,
  image: ImageSummary,
  masks: z.array(MaskSummary),
  verdicts: z.array(AuditVerdict),
  missing: z.array(MissingPoint),
})
export type AuditItemDetail = z.infer<typeof AuditItemDetail>

/** A binomial proportion with its 95% Wilson score interval. */
export const Proportion = z.object({
  successes: z.number().int(),
  trials: z.number().int(),
  estimate: z.number(),
  low: z.number(),
  high: z.number(),
})
export type Proportion = z.infer<typeof Proportion>

export const VerdictCounts = z.object({
  correct: z.number().int(),
  boundary_poor: z.number().int(),
  wrong_object: z.number().int(),
  should_not_exist: z.number().int(),
})
export type VerdictCounts = z.infer<typeof VerdictCounts>

export const AuditReportGroup = z.object({
  key: z.string(),
  label: z.string(),
  judged: z.number().int(),
  counts: VerdictCounts,
  /** correct / judged; null when nothing was judged. */
  precision: Proportion.nullable(),
  /** (correct + boundary_poor) / judged: the right object, whatever its outline. */
  rightObject: Proportion.nullable(),
  /** Per-image figures, for splits by image (overall, annotator); null for splits by mask. */
  images: z.number().int().nullable(),
  missing: z.number().int().nullable(),
  missingPerImage: z.number().nullable(),
})
export type AuditReportGroup = z.infer<typeof AuditReportGroup>

export const AuditReportSplit = z.enum(['annotator', 'source', 'model', 'size'])
export type AuditReportSplit = z.infer<typeof AuditReportSplit>

export const AuditReport = z.object({
  audit: AuditSummary,
  /** Only images the reviewer finished count (every final mask on them has a verdict). */
  reviewedImages: z.number().int(),
  overall: AuditReportGroup,
  splits: z.record(AuditReportSplit, z.array(AuditReportGroup)),
  /** How the figures are defined, in words (shown with the report and written into exports). */
  definitions: z.array(z.string()),
})
export type AuditReport = z.infer<typeof AuditReport>

// ── Gold standard and agreement ─────────────────────────────────────────────────────────────────────

/** Precision, recall and F1 at one IoU threshold (one-to-one greedy matching). */
export const ThresholdScores = z.object({
  threshold: z.number(),
  truePositives: z.number().int(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number().nullable(),
})
export type ThresholdScores = z.infer<typeof ThresholdScores>

export const HistogramBin = z.object({ low: z.number(), high: z.number(), count: z.number().int() })
export type HistogramBin = z.infer<typeof HistogramBin>

export const GoldImageResult = z.object({
  imageId: z.number().int(),
  relPath: z.string(),
  gold: z.number().int(),
  predicted: z.number().int(),
  matched: z.number().int(),
  meanMatchedIou: z.number().nullable(),
  scores: z.array(ThresholdScores),
})
export type GoldImageResult = z.infer<typeof GoldImageResult>

export const GoldComparison = z.object({
  images: z.number().int(),
  gold: z.number().int(),
  predicted: z.number().int(),
  matched: z.number().int(),
  meanMatchedIou: z.number().nullable(),
  /** Matched pairs' IoU in 10 bins of 0.1. */
  iouHistogram: z.array(HistogramBin),
  /** Micro-averaged over every gold image, at IoU 0.5, 0.75 and 0.9. */
  scores: z.array(ThresholdScores),
  /** Worst first: lowest F1 at 0.5, then lowest mean matched IoU. */
  worst: z.array(GoldImageResult),
})
export type GoldComparison = z.infer<typeof GoldComparison>

export const AgreementScores = z.object({
  masksA: z.number().int(),
  masksB: z.number().int(),
  matched: z.number().int(),
  meanMatchedIou: z.number().nullable(),
  f1At50: z.number().nullable(),
  f1At75: z.number().nullable(),
})
export type AgreementScores = z.infer<typeof AgreementScores>

export const AgreementImage = AgreementScores.extend({
  imageId: z.number().int(),
  relPath: z.string(),
  personA: z.string(),
  personB: z.string(),
})
export type AgreementImage = z.infer<typeof AgreementImage>

export const AgreementPair = AgreementScores.extend({
  personA: z.string(),
  personB: z.string(),
  images: z.number().int(),
})
export type AgreementPair = z.infer<typeof AgreementPair>

export const AgreementReport = z.object({
  pairs: z.array(AgreementPair),
  /** Lowest F1 at 0.5 first, at most 500. */
  images: z.array(AgreementImage),
  imagesCompared: z.number().int(),
})
export type AgreementReport = z.infer<typeof AgreementReport>

// ── Dashboard ───────────────────────────────────────────────────────────────────────────────────────

/** The data engine's own figures for one model version (cycle) or the whole project, on done images. */
export const EngineFigures = z.object({
  doneImages: z.number().int(),
  proposals: z.number().int(),
  autoAccepted: z.number().int(),
  acceptedAfterReview: z.number().int(),
  rejected: z.number().int(),
  replaced: z.number().int(),
  manual: z.number().int(),
  /** auto-accepted / final masks (share of the dataset that needed no person); null without final masks. */
  autoAcceptRate: z.number().nullable(),
  /** rejected / proposals that reached a decision (auto-accepted, accepted, rejected, replaced). */
  rejectionRate: z.number().nullable(),
  manualPerImage: z.number().nullable(),
  totalPerImage: z.number().nullable(),
  /** 3600 · manual masks / Σ their seconds (every image, not only done ones). */
  masksPerHour: z.number().nullable(),
  medianSecondsPerMask: z.number().nullable(),
  /** Mean covered fraction recorded when images were marked done. */
  coverageAtDone: z.number().nullable(),
})
export type EngineFigures = z.infer<typeof EngineFigures>

export const EngineCycle = z.object({
  /** The model's id; 0 for masks made without a model. */
  modelId: z.number().int(),
  name: z.string(),
  firstUsedAt: z.string().nullable(),
  figures: EngineFigures,
})
export type EngineCycle = z.infer<typeof EngineCycle>

export const ScoreHistogram = z.object({
  /** 20 bins of 0.05 over [0, 1]. */
  edges: z.array(z.number()),
  accepted: z.array(z.number().int()),
  rejected: z.array(z.number().int()),
})
export type ScoreHistogram = z.infer<typeof ScoreHistogram>

export const CalibrationBin = z.object({
  low: z.number(),
  high: z.number(),
  count: z.number().int(),
  meanPredicted: z.number().nullable(),
  meanMeasured: z.number().nullable(),
})
export type CalibrationBin = z.infer<typeof CalibrationBin>

export const Calibration = z.object({
  bins: z.array(CalibrationBin),
  proposals: z.number().int(),
  /** Σ (count_b / N) · |meanPredicted_b − meanMeasured_b|; null without proposals. */
  expectedCalibrationError: z.number().nullable(),
})
export type Calibration = z.infer<typeof Calibration>

export const ReadinessCriterion = z.object({
  key: z.enum(['auto_accept', 'calibration', 'cycle_gain']),
  label: z.string(),
  value: z.number().nullable(),
  target: z.string(),
  state: z.enum(['met', 'not_met', 'unknown']),
  detail: z.string(),
})
export type ReadinessCriterion = z.infer<typeof ReadinessCriterion>

export const Dashboard = z.object({
  /** The model the figures, histograms and calibration are restricted to (0 = no model); null = every model. */
  modelId: z.number().int().nullable(),
  figures: EngineFigures,
  cycles: z.array(EngineCycle),
  predictedIou: ScoreHistogram,
  stability: ScoreHistogram,
  calibration: Calibration,
  readiness: z.array(ReadinessCriterion),
  /** How long each panel's queries took, in ms. */
  panelMs: z.record(z.string(), z.number()),
})
export type Dashboard = z.infer<typeof Dashboard>

export const auditRequests = {
  'audits:list': { input: z.object({}).strict(), output: z.array(AuditSummary) },
  /** How many done images an audit would draw from, and how many it would sample. */
  'audits:preview': {
    input: z.object({ fraction: z.number().gt(0).max(1), strata: z.array(AuditStratifier).max(2) }).strict(),
    output: z.object({ populationSize: z.number().int(), sampleSize: z.number().int(), strata: z.array(AuditStratumSummary) }),
  },
  /** Draws a seeded random sample of done images (same seed and population → same sample). */
  'audits:draw': {
    input: z
      .object({
        fraction: z.number().gt(0).max(1),
        strata: z.array(AuditStratifier).max(2),
        /** Any text; a random one is chosen (and recorded) when absent. */
        seed: z.string().trim().min(1).max(200).optional(),
        name: z.string().trim().min(1).max(200).optional(),
        drawnBy: Reviewer.optional(),
      })
      .strict(),
    output: AuditSummary,
  },
  'audits:items': { input: z.object({ auditId: AuditId }).strict(), output: z.array(AuditItem) },
  'audits:item': { input: z.object({ auditId: AuditId, imageId: ImageId }).strict(), output: AuditItemDetail },
  /** Sets (or changes: latest wins, every change is an event) a reviewer's verdict on a mask. */
  'audits:setVerdict': {
    input: z
      .object({ auditId: AuditId, imageId: ImageId, maskId: z.number().int().positive(), verdict: Verdict, reviewer: Reviewer })
      .strict(),
    output: AuditItem,
  },
  'audits:addMissing': {
    input: z
      .object({ auditId: AuditId, imageId: ImageId, x: z.number().finite().min(0), y: z.number().finite().min(0), reviewer: Reviewer })
      .strict(),
    output: z.object({ item: AuditItem, point: MissingPoint }),
  },
  'audits:removeMissing': {
    input: z.object({ auditId: AuditId, imageId: ImageId, pointId: z.number().int().positive(), reviewer: Reviewer }).strict(),
    output: AuditItem,
  },
  'audits:setNotes': {
    input: z.object({ auditId: AuditId, imageId: ImageId, notes: z.string().max(10_000), reviewer: Reviewer }).strict(),
    output: AuditItem,
  },
  /** Finishes (or reopens) an image; finishing needs a verdict on every final mask. */
  'audits:setReviewed': {
    input: z.object({ auditId: AuditId, imageId: ImageId, reviewed: z.boolean(), reviewer: Reviewer }).strict(),
    output: AuditItem,
  },
  'audits:report': { input: z.object({ auditId: AuditId }).strict(), output: AuditReport },
  /** Writes the report (CSV or JSON with every verdict) under a temporary name, then renames it. */
  'audits:exportReport': {
    input: z.object({ auditId: AuditId, format: z.enum(['csv', 'json']), target: z.string().min(1).max(4096) }).strict(),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
  },
  'gold:compare': { input: z.object({}).strict(), output: GoldComparison },
  'agreement:get': { input: z.object({}).strict(), output: AgreementReport },
  'metrics:dashboard': { input: z.object({ modelId: z.number().int().min(0).nullable().optional() }).strict(), output: Dashboard },
} as const
