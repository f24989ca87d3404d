/**
 * The backend core behind both transports: one handler per request channel of the contract, and
 * the event stream. Plain Node: it runs unchanged in Electron's main process and in the web shell.
 */
import { existsSync } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import type { AnyTesseraEvent, EventMap, EventName } from '../../../src-preload/contract/events'
import { AppError } from '../../../src-preload/contract/errors'
import { requestSchemas, type RequestChannel, type RequestInput, type RequestOutput } from '../../../src-preload/contract/requests'
import type { ImageSummary, JobInfo, MediaKind, Preferences, ReviewChange } from '../../../src-preload/contract'
import type { infer as ZodInfer } from 'zod'
import { ensureDemoImages } from '../demo/demo-project'
import { annotationCopyPath, thumbnailPath } from '../imaging/folder-import'
import { isImageFileName } from '../imaging/image-formats'
import { extractBundleImages } from '../exchange'
import { ProjectSession } from '../project/project-session'
import { ReviewStore, toMaskSummary, type ReviewResult } from '../review'
import { SegmentationService, type WorkerFactory } from '../segmentation/worker/segmentation-service'
import { AuditController, auditHandlers } from './audit-controller'
import { environmentName, PreferenceStore } from './preferences'
import { RecentProjects } from './recent-projects'
import { ExchangeController, phaseProgress } from './exchange-controller'
import { ProposalController } from './proposal-controller'
import { SegmenterController } from './segmenter-controller'

export interface BackendOptions {
  dataDir: string
  transport: 'electron' | 'web-shell'
  version: string
  /** Native folder dialog, where the transport has one. */
  pickFolder?: () => Promise<string | null>
  /** Native file dialog, where the transport has one (extensions without dots). */
  pickFile?: (title: string, extensions: string[]) => Promise<string | null>
  /**
   * Who is working when no name is saved in Preferences (tests, embedders); else the environment's
   * TESSERA_USER / USER / USERNAME. A saved name wins over both.
   */
  actor?: string
  /** Starts the segmentation worker thread (the built app's, or a TypeScript-source one in tests). */
  createSegmentationWorker: WorkerFactory
  /** The app's resources folder (the bundled demo segmenter lives in models/demo-segmenter). */
  resourcesDir: string
}

type Handlers = { [C in RequestChannel]: (input: RequestOutputInput<C>) => Promise<RequestOutput<C>> }
/** The parsed (defaults applied) input of a channel. */
type RequestOutputInput<C extends RequestChannel> = ZodInfer<(typeof requestSchemas)[C]['input']>

export const DEMO_PROJECT_NAME = 'Demo project (synthetic scenes)'

export class Backend {
  private session: ProjectSession | null = null
  private segmenter: SegmenterController | null = null
  private proposals: ProposalController | null = null
  private review: ReviewStore | null = null
  private auditController: AuditController | null = null
  private readonly service: SegmentationService
  private readonly listeners = new Set<(event: AnyTesseraEvent) => void>()
  private readonly recent: RecentProjects
  private readonly preferences: PreferenceStore
  private readonly handlers: Handlers

  constructor(private readonly options: BackendOptions) {
    this.recent = new RecentProjects(options.dataDir)
    this.service = new SegmentationService({ createWorker: options.createSegmentationWorker })
    this.preferences = new PreferenceStore(options.dataDir)
    this.handlers = this.createHandlers()
  }

  /** Validates `rawInput` against the channel's schema, then runs the handler. */
  async invoke(channel: string, rawInput: unknown): Promise<unknown> {
    if (!Object.hasOwn(requestSchemas, channel)) throw new AppError('unknown_channel', `Unknown request "${channel}".`)
    const name = channel as RequestChannel
    const parsed = requestSchemas[name].input.safeParse(rawInput ?? {})
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ')
      throw new AppError('invalid_request', `Invalid ${name} request: ${detail}`)
    }
    const handler = this.handlers[name] as (input: unknown) => Promise<unknown>
    return handler(parsed.data)
  }

  /** Typed call for in-process users (tests, CLI). */
  call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
    return this.invoke(channel, input) as Promise<RequestOutput<C>>
  }

  subscribe(listener: (event: AnyTesseraEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** File behind one image's picture, for the media route of a transport; null when unknown. */
  mediaFile(imageId: number, kind: MediaKind): string | null {
    const session = this.session
    if (!session) return null
    const row = session.images.get(imageId)
    if (!row) return null
    const file = kind === 'thumb' ? thumbnailPath(session.paths, row.content_hash) : annotationCopyPath(session.paths, row.content_hash)
    return existsSync(file) ? file : null
  }

  /**
   * Who is working now, recorded on every event: the name saved in Preferences, else the one the
   * backend was started with, else the environment's. Read at each request (controllers are given
   * `() => this.actor`), so a new name applies from the next event on.
   */
  get actor(): string {
    return this.preferences.savedName ?? this.fallbackActor()
  }

  private fallbackActor(): string {
    return this.options.actor ?? environmentName()
  }

  private preferencesSnapshot(): Preferences {
    return this.preferences.snapshot(this.fallbackActor())
  }

  get currentProject(): ProjectSession | null {
    return this.session
  }

  /** Closes the open project (the segmentation worker stays for the next one). */
  async closeProject(): Promise<void> {
    this.segmenter?.dispose()
    this.segmenter = null
    this.proposals = null
    this.review = null
    await this.session?.close()
    this.session = null
  }

  async close(): Promise<void> {
    await this.closeProject()
    await this.service.dispose()
  }

  private emit<N extends EventName>(name: N, payload: EventMap[N]): void {
    const event = { name, payload } as AnyTesseraEvent
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // a broken listener must not stop the others
      }
    }
  }

  /** The actor as the controllers take it: read at each write. */
  private readonly currentActor = (): string => this.actor

  private requireSession(): ProjectSession {
    if (!this.session) throw new AppError('no_project', 'No project is open. Open or create one first.')
    return this.session
  }

  private exchange(): ExchangeController {
    const session = this.requireSession()
    return new ExchangeController(session, this.currentActor, this.options.version, () => {
      if (this.session !== session) return
      this.emit('masks:changed', { imageIds: 'all' })
      this.emit('images:changed', { imageIds: 'all' })
    })
  }

  private requireProposals(): ProposalController {
    this.requireSession()
    return this.proposals as ProposalController
  }

  private requireSegmenter(): SegmenterController {
    this.requireSession()
    return this.segmenter as SegmenterController
  }

  /** The open project's audit controller, made on first use. */
  private audits(): AuditController {
    const session = this.requireSession()
    if (this.auditController?.session !== session) this.auditController = new AuditController(session, this.currentActor)
    return this.auditController
  }

  private requireReview(): ReviewStore {
    this.requireSession()
    return this.review as ReviewStore
  }

  /**
   * The contract's answer to a decision, undo, redo or overlap resolution; the grid hears of the new
   * counts through 'images:updated'. No 'masks:changed': the workspace applies the returned masks itself.
   */
  private reviewChange(imageId: number, result: ReviewResult): ReviewChange {
    const session = this.requireSession()
    const row = session.image(imageId)
    const size: [number, number] = [row.annotation_height, row.annotation_width]
    const image = session.summarise(row)
    this.emit('images:updated', image)
    return { masks: result.masks.map((mask) => toMaskSummary(mask, size)), history: result.history, image }
  }

  private async activate(session: ProjectSession): Promise<void> {
    await this.closeProject()
    this.session = session
    const segmenter = new SegmenterController({
      session,
      service: this.service,
      resourcesDir: this.options.resourcesDir,
      actor: this.currentActor,
      onStatus: (status) => this.emit('segmenter:status', status),
      onEmbedding: (status) => {
        this.emit('embeddings:status', status)
        if (status.state === 'ready' && this.session === session)
          this.emit('images:updated', session.summarise(session.image(status.imageId)))
      },
    })
    await segmenter.ensureBundledModel()
    session.embeddingReadiness = (contentHash) => segmenter.embeddingReady(contentHash)
    this.segmenter = segmenter
    const review = new ReviewStore(session.db)
    this.review = review
    this.proposals = new ProposalController({
      session,
      segmenter,
      service: this.service,
      actor: this.currentActor,
      review,
      onImage: (imageId) => {
        if (this.session !== session) return
        this.emit('masks:changed', { imageIds: [imageId] })
        this.emit('images:updated', session.summarise(session.image(imageId)))
      },
    })
    await this.recent.remember({ projectDir: session.paths.projectDir, name: session.summary().name, imageRoot: session.imageRoot })
    this.emit('projects:changed', session.summary())
  }

  private onJob = (info: JobInfo): void => {
    this.emit('jobs:progress', info)
    if (info.kind === 'import' && (info.state === 'done' || (info.state === 'running' && info.done % 25 === 0))) {
      this.emit('images:changed', { imageIds: 'all' })
      if (this.session && info.state === 'done') this.emit('projects:changed', this.session.summary())
    }
  }

  /** A fresh folder name under the data folder for a new project. */
  private newProjectDir(name: string): string {
    return this.uniqueDir('projects', name)
  }

  /** A folder name under `<data folder>/<area>` derived from `name` that does not exist yet. */
  private uniqueDir(area: string, name: string): string {
    const slug =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 40) || 'project'
    const base = join(this.options.dataDir, area)
    for (let n = 1; ; n++) {
      const candidate = join(base, n === 1 ? slug : `${slug}-${n}`)
      if (!existsSync(candidate)) return candidate
    }
  }

  private createHandlers(): Handlers {
    return {
      'app:info': async () => ({
        version: this.options.version,
        transport: this.options.transport,
        dataDir: this.options.dataDir,
        homeDir: homedir(),
      }),
      'preferences:get': async () => this.preferencesSnapshot(),
      'preferences:set': async ({ name, identityAsked }) => {
        await this.preferences.update({ name, identityAsked })
        const preferences = this.preferencesSnapshot()
        this.emit('preferences:changed', preferences)
        return preferences
      },
      'fs:pickFolder': async () => (this.options.pickFolder ? this.options.pickFolder() : null),
      'fs:pickFile': async ({ title, extensions }) => (this.options.pickFile ? this.options.pickFile(title, extensions) : null),
      'fs:listDirectory': async ({ path, fileExtensions }) => {
        const dir = resolve(path ?? homedir())
        let entries
        try {
          if (!(await stat(dir)).isDirectory()) throw new AppError('not_a_folder', `${dir} is not a folder.`)
          entries = await readdir(dir, { withFileTypes: true })
        } catch (error) {
          if (error instanceof AppError) throw error
          throw new AppError('folder_missing', `Cannot open ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
        }
        const directories = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name)
        directories.sort((a, b) => a.localeCompare(b))
        const parent = dirname(dir)
        return {
          path: dir,
          parent: parent === dir ? null : parent,
          directories,
          imageCount: entries.filter((entry) => entry.isFile() && isImageFileName(entry.name)).length,
          files: fileExtensions
            ? entries
                .filter((entry) => entry.isFile() && fileExtensions.some((ending) => entry.name.toLowerCase().endsWith(ending)))
                .map((entry) => entry.name)
                .sort((a, b) => a.localeCompare(b))
            : [],
        }
      },
      'projects:listRecent': async () => this.recent.list(),
      'projects:create': async ({ name, imageRoot, annotationMaxSide }) => {
        const session = await ProjectSession.create(
          { projectDir: this.newProjectDir(name), name, imageRoot: resolve(imageRoot), annotationMaxSide },
          this.onJob,
        )
        await this.activate(session)
        session.startImport()
        return session.summary()
      },
      'projects:open': async ({ projectDir }) => {
        const session = ProjectSession.open(resolve(projectDir), this.onJob)
        await this.activate(session)
        const segmenter = this.requireSegmenter()
        const proposals = this.proposals as ProposalController
        session.resumeInterrupted({
          encode: (label) => segmenter.startEncodeProject(label),
          propose: (label, params) => proposals.resume(label, params),
          ...this.exchange().resumers(),
        })
        return session.summary()
      },
      'projects:openDemo': async () => {
        const projectDir = join(this.options.dataDir, 'projects', 'demo')
        if (existsSync(join(projectDir, 'project.sqlite'))) return this.handlers['projects:open']({ projectDir })
        const imageRoot = await ensureDemoImages(join(this.options.dataDir, 'demo-images'))
        const session = await ProjectSession.create({ projectDir, name: DEMO_PROJECT_NAME, imageRoot, isDemo: true }, this.onJob)
        await this.activate(session)
        session.startImport('Importing demo scenes')
        return session.summary()
      },
      'projects:openBundle': async ({ bundlePath }) => {
        const name = basename(bundlePath).replace(/\.zip$/i, '')
        const folder = this.uniqueDir('work-packages', name)
        // Progress as jobs: checking and unpacking, the images, then the masks (big bundles take a while).
        const unpacking = phaseProgress('Checking and unpacking the work package', this.onJob)
        const { manifest } = await extractBundleImages(resolve(bundlePath), folder, { onProgress: unpacking.progress }).catch(
          (error: unknown) => {
            unpacking.finish(error)
            throw error
          },
        )
        unpacking.finish()
        const session = await ProjectSession.create(
          { projectDir: this.newProjectDir(name), name: `${manifest.projectName} (work package)`, imageRoot: folder },
          this.onJob,
        )
        await this.activate(session)
        const imported = session.startImport('Importing the work package images')
        await session.jobs.wait(imported.id)
        const masks = await session.jobs.wait(
          this.exchange().startImport([resolve(bundlePath)], 'proposals', 'Importing the work package masks').id,
        )
        if (masks.state !== 'done') throw new AppError('invalid_request', masks.error ?? 'Importing the work package masks did not finish.')
        this.emit('masks:changed', { imageIds: 'all' })
        this.emit('images:changed', { imageIds: 'all' })
        this.emit('projects:changed', session.summary())
        return session.summary()
      },
      'projects:current': async () => this.session?.summary() ?? null,
      'projects:close': async () => {
        await this.closeProject()
        this.emit('projects:changed', null)
        return null
      },
      'images:list': async ({ offset, limit, status }) => this.requireSession().page(offset, limit, status),
      'images:get': async ({ imageId }) => {
        const session = this.requireSession()
        return session.summarise(session.image(imageId))
      },
      'images:neighbour': async ({ imageId, direction, status }) => {
        const session = this.requireSession()
        const row = session.images.neighbour(session.image(imageId), direction, status)
        return row ? session.summarise(row) : null
      },
      'images:position': async ({ imageId, status }) => {
        const session = this.requireSession()
        return session.images.position(session.image(imageId), status)
      },
      'images:setStatus': async ({ imageId, status, reason }) => {
        const details = this.requireReview().statusEventDetails(imageId, status, reason)
        const summary: ImageSummary = this.requireSession().setStatus(imageId, status, this.actor, details)
        this.emit('images:updated', summary)
        return summary
      },
      'images:nextUnfinished': async ({ imageId }) => {
        const session = this.requireSession()
        const row = session.images.nextUnfinished(session.image(imageId))
        return row ? session.summarise(row) : null
      },
      'images:prefetchNext': async ({ imageId }) => {
        this.requireProposals().prefetchNext(imageId)
        return null
      },
      'images:issues': async () => this.requireSession().images.issues(),
      'images:rescan': async () => this.requireSession().startImport('Rescanning the image folder'),
      'models:list': async () => this.requireSegmenter().models.list(),
      'models:add': async ({ encoderPath, decoderPath, name }) => {
        const segmenter = this.requireSegmenter()
        const model = await segmenter.addModel(resolve(encoderPath), resolve(decoderPath), name)
        this.emit('segmenter:status', segmenter.status())
        return model
      },
      'models:rename': async ({ modelId, name }) => {
        const segmenter = this.requireSegmenter()
        const model = segmenter.models.rename(modelId, name, this.actor)
        this.emit('segmenter:status', segmenter.status())
        return model
      },
      'models:remove': async ({ modelId }) => {
        const segmenter = this.requireSegmenter()
        segmenter.models.remove(modelId, this.actor)
        this.emit('segmenter:status', segmenter.status())
        return null
      },
      'models:activate': async ({ modelId }) => {
        const status = await this.requireSegmenter().activate(modelId)
        this.emit('images:changed', { imageIds: 'all' }) // readiness is per model
        return status
      },
      'segmenter:status': async () => this.requireSegmenter().status(),
      'segmenter:configure': async (settings) => this.requireSegmenter().configure(settings),
      'embeddings:prepare': async ({ imageId }) => this.requireSegmenter().prepare(imageId),
      'embeddings:encodeProject': async () => this.requireSegmenter().startEncodeProject(),
      'segment:predict': async (input) => this.requireSegmenter().predict(input),
      'proposals:run': async (options) => this.requireProposals().startPropose(options),
      'proposals:runBoxes': async ({ path, minScore }) => this.requireProposals().startProposeFromBoxes(resolve(path), minScore),
      'proposals:triage': async () => this.requireProposals().triageState(),
      'proposals:setTriage': async ({ settings }) => {
        const state = this.requireProposals().setTriage(settings)
        this.emit('masks:changed', { imageIds: 'all' })
        this.emit('images:changed', { imageIds: 'all' })
        return state
      },
      'masks:list': async ({ imageId, states }) => {
        const session = this.requireSession()
        const image = session.image(imageId)
        const size: [number, number] = [image.annotation_height, image.annotation_width]
        const masks = this.requireReview().masks.listByImage(imageId, states ? { states } : {})
        return masks.map((mask) => toMaskSummary(mask, size))
      },
      'masks:decide': async ({ imageId, decisions, label }) =>
        this.reviewChange(imageId, this.requireReview().decide(imageId, decisions, this.actor, label)),
      'masks:commit': async ({ imageId, ...request }) =>
        this.reviewChange(
          imageId,
          this.requireReview().commit(imageId, { ...request, modelId: this.requireSegmenter().activeModel()?.id ?? null }, this.actor),
        ),
      'objects:skip': async ({ imageId, ...object }) => {
        this.requireSession().image(imageId)
        return this.requireReview().skipped.skip({ imageId, ...object }, this.actor)
      },
      'objects:list': async ({ imageId }) => this.requireReview().skipped.list(imageId ?? null),
      'objects:setState': async ({ id, state }) => this.requireReview().skipped.setState(id, state, this.actor),
      'effort:summary': async ({ imageId }) => this.requireReview().effort.summary(imageId ?? null),
      'history:state': async ({ imageId }) => this.requireReview().historyState(imageId),
      'history:undo': async ({ imageId }) => this.reviewChange(imageId, this.requireReview().undo(imageId, this.actor)),
      'history:redo': async ({ imageId }) => this.reviewChange(imageId, this.requireReview().redo(imageId, this.actor)),
      'review:settings': async () => this.requireReview().settings(),
      'review:setSettings': async ({ settings }) => this.requireReview().setSettings(settings, this.actor),
      'coverage:get': async ({ imageId }) => this.requireReview().coverage(imageId),
      'coverage:reseed': async ({ imageId, pointsPerSide }) => {
        this.requireSession().image(imageId) // not_found now, not inside the job
        return this.requireProposals().startReseed(imageId, pointsPerSide)
      },
      'overlaps:list': async ({ imageId }) => this.requireReview().overlaps(imageId),
      'overlaps:resolve': async ({ imageId, a, b, resolution, keep }) =>
        this.reviewChange(imageId, this.requireReview().resolveOverlap(imageId, { a, b, resolution, keep }, this.actor)),
      'exchange:preview': async ({ filter }) => this.exchange().preview(filter),
      'exchange:export': async ({ format, target, filter, includeImages, frame }) =>
        this.exchange().startExport(format, resolve(target), filter, includeImages, frame),
      'exchange:import': async ({ paths, as }) =>
        this.exchange().startImport(
          paths.map((path) => resolve(path)),
          as,
        ),
      'jobs:list': async () => this.session?.jobs.list() ?? [],
      'jobs:cancel': async ({ jobId }) => this.requireSession().jobs.cancel(jobId),
      ...auditHandlers(
        () => this.audits(),
        (path) => resolve(path),
      ),
    }
  }
}

/** A short display name for a folder (its last path segment). */
export function folderDisplayName(path: string): string {
  return basename(path) || path
}
