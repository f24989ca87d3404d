/** Audits: seeded samples, verdicts, reports, the gold-standard comparison and inter-annotator agreement. */
export { AuditStore, FINAL_STATES_SQL, notGold, type DrawOptions, type ReportInput, type VerdictRow } from './audit-store'
export { computeAuditReport, reportToCsv, reportToJson, sizeClass, sourceClass } from './audit-report'
export { computeAgreement } from './agreement'
export { compareWithGold, iouHistogram } from './gold'
export { greedyMatch, iouMatrix, meanIou, thresholdScores, truePositives, type MaskMatch } from './matching'
export { allocateLargestRemainder, drawSample, sampleSize, seedState, sourceMixOf, type PopulationImage } from './sampling'
export { wilsonInterval, Z_95 } from './wilson'
