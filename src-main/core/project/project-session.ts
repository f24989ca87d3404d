/**
 * One open project: its database, paths, image queries and job runner.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { ImagePage, ImageStatus, ImageSummary, JobInfo, JobKind, ProjectSummary } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import { projectPaths, type ProjectPaths } from '../app/app-paths'
import { assertFolder } from '../imaging/folder-scan'
import { importImageFolder } from '../imaging/folder-import'
import { JobRunner } from '../jobs/job-runner'
import { openProjectDb, type ProjectDb } from './database'
import { ImageRepository, toImageSummary, type ImageRow } from './image-repository'

/** SA-1B's annotation size: longest side 1500 px. */
export const DEFAULT_ANNOTATION_MAX_SIDE = 1500

interface ProjectRow {
  id: string
  name: string
  image_root: string
  annotation_max_side: number
  is_demo: 0 | 1
  created_at: string
}

export interface CreateProjectOptions {
  projectDir: string
  name: string
  imageRoot: string
  annotationMaxSide?: number
  isDemo?: boolean
}

export class ProjectSession {
  readonly images: ImageRepository
  readonly jobs: JobRunner
  /** Whether the active model's embedding of an image (by content hash) is cached; set by the segmenter. */
  embeddingReadiness: (contentHash: string) => boolean = () => false

  private constructor(
    readonly db: ProjectDb,
    readonly paths: ProjectPaths,
    private readonly row: ProjectRow,
    emitJob: (info: JobInfo) => void,
  ) {
    this.images = new ImageRepository(db)
    this.jobs = new JobRunner(db, emitJob)
  }

  static async create(options: CreateProjectOptions, emitJob: (info: JobInfo) => void): Promise<ProjectSession> {
    await assertFolder(options.imageRoot)
    const paths = projectPaths(options.projectDir)
    if (existsSync(paths.database)) throw new AppError('conflict', `A project already exists in ${options.projectDir}.`)
    await mkdir(options.projectDir, { recursive: true })
    const db = openProjectDb(paths.database, { create: true })
    const row: ProjectRow = {
      id: randomUUID(),
      name: options.name,
      image_root: options.imageRoot,
      annotation_max_side: options.annotationMaxSide ?? DEFAULT_ANNOTATION_MAX_SIDE,
      is_demo: options.isDemo ? 1 : 0,
      created_at: new Date().toISOString(),
    }
    db.prepare(
      'INSERT INTO project (id, name, image_root, annotation_max_side, is_demo, created_at) VALUES (@id, @name, @image_root, @annotation_max_side, @is_demo, @created_at)',
    ).run(row)
    return new ProjectSession(db, paths, row, emitJob)
  }

  static open(projectDir: string, emitJob: (info: JobInfo) => void): ProjectSession {
    const paths = projectPaths(projectDir)
    if (!existsSync(paths.database)) {
      throw new AppError('not_found', `There is no Tessera project in ${projectDir} (project.sqlite is missing).`)
    }
    const db = openProjectDb(paths.database)
    const row = db.prepare('SELECT * FROM project').get() as ProjectRow | undefined
    if (!row) {
      db.close()
      throw new AppError('database_corrupt', `${paths.database} has no project record.`)
    }
    return new ProjectSession(db, paths, row, emitJob)
  }

  get id(): string {
    return this.row.id
  }

  get imageRoot(): string {
    return this.row.image_root
  }

  summary(): ProjectSummary {
    return {
      id: this.row.id,
      name: this.row.name,
      imageRoot: this.row.image_root,
      projectDir: this.paths.projectDir,
      annotationMaxSide: this.row.annotation_max_side,
      imageCount: this.images.count(),
      isDemo: this.row.is_demo === 1,
      createdAt: this.row.created_at,
    }
  }

  /** Starts an import/rescan of the image folder as a job. */
  startImport(label = 'Importing images'): JobInfo {
    return this.jobs.start({
      kind: 'import',
      label,
      params: {},
      run: ({ signal, progress }) =>
        importImageFolder(this.db, {
          imageRoot: this.row.image_root,
          annotationMaxSide: this.row.annotation_max_side,
          paths: this.paths,
          signal,
          onProgress: progress,
        }),
    })
  }

  /**
   * Re-runs work cut short by a crash or quit. Every job kind is idempotent (imports skip what is
   * imported, encoding skips what is cached), so resuming is running it again.
   */
  resumeInterrupted(resumers: Partial<Record<JobKind, (label: string, params: Record<string, unknown>) => JobInfo>> = {}): JobInfo[] {
    const all = { import: (label: string) => this.startImport(label), ...resumers }
    return this.jobs.takeInterrupted().flatMap((job) => {
      const resume = all[job.kind]
      return resume ? [resume(`${job.label.replace(/ \(resumed\)$/, '')} (resumed)`, job.params)] : []
    })
  }

  summarise(row: ImageRow): ImageSummary {
    return this.summariseAll([row])[0] as ImageSummary
  }

  /** Summaries with embedding readiness and mask counts (one counts query for all rows). */
  summariseAll(rows: readonly ImageRow[]): ImageSummary[] {
    const counts = this.images.proposalCounts(rows.map((row) => row.id))
    return rows.map((row) => {
      const count = counts.get(row.id)
      return toImageSummary(row, {
        embeddingReady: this.embeddingReadiness(row.content_hash),
        autoCount: count?.auto ?? 0,
        reviewCount: count?.review ?? 0,
        acceptedCount: count?.accepted ?? 0,
      })
    })
  }

  page(offset: number, limit: number, status?: ImageStatus): ImagePage {
    return {
      total: status ? this.images.countsByStatus()[status] : this.images.count(),
      offset,
      items: this.summariseAll(this.images.page(offset, limit, status)),
      counts: this.images.countsByStatus(),
    }
  }

  image(id: number): ImageRow {
    const row = this.images.get(id)
    if (!row) throw new AppError('not_found', `Image ${id} is not in this project.`)
    return row
  }

  /**
   * Sets an image's workflow status with an 'image:status' event; `details` (a reason, the coverage at
   * the time) are recorded in the event's `after`. Rules about when a status may be set (the coverage
   * gate) are the review domain's; this only writes.
   */
  setStatus(id: number, status: ImageStatus, actor: string, details: Record<string, unknown> = {}): ImageSummary {
    const before = this.image(id)
    const now = new Date().toISOString()
    this.db.transaction(() => {
      this.images.setStatus(id, status, now)
      this.images.recordEvent({
        at: now,
        actor,
        kind: 'image:status',
        entityId: id,
        before: { status: before.status },
        after: { ...details, status },
      })
    })()
    return this.summarise(this.image(id))
  }

  async close(): Promise<void> {
    await this.jobs.close()
    this.db.close()
  }
}
