import { createCoreTables } from './0001-create-core-tables'
import { addModelSettings } from './0002-add-model-settings'
import { addProposalRuns } from './0003-add-proposal-runs'
import { addReviewHistory } from './0004-add-review-history'
import { addAudits } from './0005-add-audits'
import { addEffortAndSkippedObjects } from './0006-add-effort-and-skipped-objects'
import { addBulkTallies } from './0007-add-bulk-tallies'
import type { Migration } from './migration'

/** Every migration in order; `version` must equal its position + 1. */
export const MIGRATIONS: readonly Migration[] = [
  createCoreTables,
  addModelSettings,
  addProposalRuns,
  addReviewHistory,
  addAudits,
  addEffortAndSkippedObjects,
  addBulkTallies,
]

export type { Migration } from './migration'
