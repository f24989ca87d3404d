/**
 * Long-running work (import, encoding, proposals, export, bundle import) with progress, ETA, cancel and
 * resume. Jobs run in order within two lanes per project (see Lane below); each is persisted in the project's `jobs`
 * table so a job cut short by a crash is found again on the next open and resumed.
 */
import { randomUUID } from 'node:crypto'
import type {
  EncodeSummary,
  ExchangeSummary,
  JobInfo,
  JobKind,
  JobState,
  ProposeSummary,
  ScanSummary,
} from '../../../src-preload/contract/dto'

export type JobResult = ScanSummary | EncodeSummary | ProposeSummary | ExchangeSummary
import { AppError } from '../../../src-preload/contract/errors'
import { toErrorPayload } from '../app/error-payload'
import type { ProjectDb } from '../project/database'

export interface JobContext {
  signal: AbortSignal
  progress(done: number, total: number): void
}

export interface JobSpec {
  kind: JobKind
  label: string
  /** JSON-serialisable; enough to run the job again after a restart. */
  params: Record<string, unknown>
  run(context: JobContext): Promise<JobResult | null>
}

/** Progress events go out at most this often per job (the final state always goes out). */
const PROGRESS_INTERVAL_MS = 100

interface LiveJob {
  info: JobInfo
  spec: JobSpec
  controller: AbortController
  startedAt: number
  lastEmit: number
  finished: Promise<JobInfo>
  resolve: (info: JobInfo) => void
}

interface JobRow {
  id: string
  kind: JobKind
  label: string
  state: JobState
  params: string
  done: number
  total: number
  error: string | null
  result: string | null
}

/**
 * Jobs run one at a time, in order, within a lane; the lanes run side by side. The folder's import
 * or rescan (reading and hashing files, adding image rows) has a lane of its own, so a rescan the
 * person asked for does not wait behind proposals the app started ahead for the next images (a
 * minute each on CPU). Everything else (the model's encode and propose work, bundle export and
 * import) keeps one lane: those read or write masks and must see each other's writes whole.
 */
type Lane = 'folder' | 'masks'
const laneOf = (kind: JobKind): Lane => (kind === 'import' ? 'folder' : 'masks')

export class JobRunner {
  private readonly live = new Map<string, LiveJob>()
  private readonly lanes: Record<Lane, Promise<void>> = { folder: Promise.resolve(), masks: Promise.resolve() }
  private closed = false

  constructor(
    private readonly db: ProjectDb,
    private readonly emit: (info: JobInfo) => void,
  ) {}

  /** Jobs that were queued or running when the app last stopped; marks them interrupted. */
  takeInterrupted(): { kind: JobKind; label: string; params: Record<string, unknown> }[] {
    const rows = this.db.prepare("SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at").all() as JobRow[]
    this.db
      .prepare("UPDATE jobs SET state = 'interrupted', updated_at = ? WHERE state IN ('queued', 'running')")
      .run(new Date().toISOString())
    return rows.map((row) => ({ kind: row.kind, label: row.label, params: JSON.parse(row.params) as Record<string, unknown> }))
  }

  start(spec: JobSpec): JobInfo {
    if (this.closed) throw new AppError('conflict', 'The project is closing; the job was not started.')
    const info: JobInfo = {
      id: randomUUID(),
      kind: spec.kind,
      label: spec.label,
      state: 'queued',
      done: 0,
      total: 0,
      etaSeconds: null,
      error: null,
      result: null,
    }
    let resolve!: (value: JobInfo) => void
    const finished = new Promise<JobInfo>((r) => (resolve = r))
    const job: LiveJob = { info, spec, controller: new AbortController(), startedAt: 0, lastEmit: 0, finished, resolve }
    this.live.set(info.id, job)
    const now = new Date().toISOString()
    this.db
      .prepare('INSERT INTO jobs (id, kind, label, state, params, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(info.id, info.kind, info.label, info.state, JSON.stringify(spec.params), now, now)
    this.notify({ ...info })
    const lane = laneOf(spec.kind)
    this.lanes[lane] = this.lanes[lane].then(() => this.execute(job))
    return { ...info }
  }

  cancel(id: string): JobInfo {
    const job = this.live.get(id)
    if (!job) throw new AppError('not_found', `There is no running job ${id}.`)
    job.controller.abort()
    if (job.info.state === 'queued') this.finish(job, 'cancelled', null, null)
    return { ...job.info }
  }

  list(): JobInfo[] {
    return [...this.live.values()].map((job) => ({ ...job.info }))
  }

  /** Resolves when the job ends in any state. */
  wait(id: string): Promise<JobInfo> {
    const job = this.live.get(id)
    if (!job) throw new AppError('not_found', `There is no job ${id}.`)
    return job.finished
  }

  /** Cancels everything and waits for the running jobs to stop (used when closing a project). */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.live.values()) job.controller.abort()
    for (const job of this.live.values()) if (job.info.state === 'queued') this.finish(job, 'cancelled', null, null)
    await Promise.all(Object.values(this.lanes))
  }

  private async execute(job: LiveJob): Promise<void> {
    if (job.info.state !== 'queued') return
    job.info.state = 'running'
    job.startedAt = Date.now()
    const context: JobContext = {
      signal: job.controller.signal,
      progress: (done, total) => this.progress(job, done, total),
    }
    try {
      this.persist(job)
      this.notify({ ...job.info })
      const result = await job.spec.run(context)
      if (job.controller.signal.aborted) this.finish(job, 'cancelled', null, result)
      else this.finish(job, 'done', null, result)
    } catch (error) {
      if (job.controller.signal.aborted) this.finish(job, 'cancelled', null, null)
      else this.finish(job, 'failed', toErrorPayload(error).message, null) // e.g. a full disk says so plainly
    }
  }

  private progress(job: LiveJob, done: number, total: number): void {
    job.info.done = done
    job.info.total = total
    const elapsedSeconds = (Date.now() - job.startedAt) / 1000
    job.info.etaSeconds = done > 0 && total >= done ? Math.round((elapsedSeconds / done) * (total - done)) : null
    const now = Date.now()
    if (now - job.lastEmit >= PROGRESS_INTERVAL_MS || done === total) {
      job.lastEmit = now
      this.notify({ ...job.info })
    }
  }

  private finish(job: LiveJob, state: JobState, error: string | null, result: JobResult | null): void {
    job.info.state = state
    job.info.error = error
    job.info.result = result
    job.info.etaSeconds = null
    try {
      this.persist(job)
    } catch {
      // the database may already be closed when the app is quitting; the job is reported anyway
    }
    this.notify({ ...job.info })
    job.resolve({ ...job.info })
  }

  /** A broken listener must not stop the job, or every job queued after it. */
  private notify(info: JobInfo): void {
    try {
      this.emit(info)
    } catch {
      // the listener's own problem; the job's state is persisted regardless
    }
  }

  private persist(job: LiveJob): void {
    this.db
      .prepare('UPDATE jobs SET state = ?, done = ?, total = ?, error = ?, result = ?, updated_at = ? WHERE id = ?')
      .run(
        job.info.state,
        job.info.done,
        job.info.total,
        job.info.error,
        job.info.result ? JSON.stringify(job.info.result) : null,
        new Date().toISOString(),
        job.info.id,
      )
  }
}
