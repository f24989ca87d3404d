/** The data-engine dashboard: per-project and per-cycle figures, score histograms, calibration, Stage 3 readiness. */
export {
  CALIBRATION_BINS,
  DashboardQueries,
  READINESS,
  SCORE_BINS,
  calibrationFrom,
  figuresFrom,
  readinessFrom,
  refreshProposalOutcomes,
} from './dashboard'
