/**
 * App-wide state: the open project, the screen being shown, running jobs and the error banner.
 * Runes state modules are the only callers of the api.
 */
import type { AppInfo, JobInfo, ProjectSummary } from '../../src-preload/contract/dto'
import type { AnyTesseraEvent } from '../../src-preload/contract/events'
import { ApiError, call, transport } from '../lib/api'
import { catalog } from './catalog.svelte'
import { gridSelection } from './grid-selection.svelte'
import { preferences } from './preferences.svelte'
import { segmenter } from './segmenter.svelte'

export type Route =
  | { screen: 'home' }
  | { screen: 'grid' }
  | { screen: 'image'; imageId: number }
  | { screen: 'models' }
  | { screen: 'audit' }
  | { screen: 'dashboard' }
  | { screen: 'preferences' }

/** How long finished jobs stay in the top bar, in ms. */
const FINISHED_JOB_LINGER_MS = 6000

class AppState {
  info = $state<AppInfo | null>(null)
  project = $state<ProjectSummary | null>(null)
  route = $state<Route>({ screen: 'home' })
  jobs = $state<JobInfo[]>([])
  /** A message that stays until dismissed: errors must not vanish before they are read. */
  error = $state<string | null>(null)
  ready = $state(false)

  async init(): Promise<void> {
    transport.subscribe((event) => this.onEvent(event))
    try {
      this.info = await call('app:info', {})
      await preferences.load()
      this.project = await call('projects:current', {})
      this.jobs = (await call('jobs:list', {})).filter((job) => job.state === 'running' || job.state === 'queued')
      this.route = this.project ? { screen: 'grid' } : { screen: 'home' }
      if (this.project) await Promise.all([catalog.reset(), segmenter.refreshStatus()])
    } catch (error) {
      this.report(error)
    } finally {
      this.ready = true
    }
  }

  report(error: unknown): void {
    this.error = error instanceof ApiError || error instanceof Error ? error.message : String(error)
  }

  /** Runs an action, reporting its failure in the banner; returns undefined on failure. */
  async attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action()
    } catch (error) {
      this.report(error)
      return undefined
    }
  }

  async openProject(open: () => Promise<ProjectSummary>): Promise<void> {
    const project = await this.attempt(open)
    if (!project) return
    this.project = project
    this.route = { screen: 'grid' }
    gridSelection.clear()
    await Promise.all([catalog.reset(), segmenter.refreshStatus()])
  }

  async closeProject(): Promise<void> {
    await this.attempt(() => call('projects:close', {}))
    this.project = null
    this.route = { screen: 'home' }
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.attempt(() => call('jobs:cancel', { jobId }))
  }

  private onEvent(event: AnyTesseraEvent): void {
    switch (event.name) {
      case 'jobs:progress': {
        const job = event.payload
        const others = this.jobs.filter((item) => item.id !== job.id)
        this.jobs = [...others, job]
        if (job.state === 'failed') this.error = `${job.label} failed: ${job.error ?? 'unknown error'}`
        if (job.state !== 'running' && job.state !== 'queued') {
          setTimeout(() => (this.jobs = this.jobs.filter((item) => item.id !== job.id || item.state === 'running')), FINISHED_JOB_LINGER_MS)
        }
        break
      }
      case 'projects:changed':
        this.project = event.payload
        break
      case 'images:changed':
        void catalog.refresh()
        break
      case 'images:updated':
        catalog.replace(event.payload)
        break
      case 'preferences:changed':
        preferences.apply(event.payload)
        break
    }
  }
}

export const app = new AppState()
