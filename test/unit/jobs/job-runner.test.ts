import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobInfo, JobKind, ScanSummary } from '../../../src-preload/contract/dto'
import { AppError } from '../../../src-preload/contract/errors'
import { openProjectDb, type ProjectDb } from '../../../src-main/core/project/database'
import { JobRunner, type JobContext, type JobSpec } from '../../../src-main/core/jobs/job-runner'

const SUMMARY: ScanSummary = { added: 3, moved: 0, changed: 0, missing: 0, restored: 0, unchanged: 0, failed: 0, duplicates: 0 }

/** A job that runs until released (or aborted), exposing its context. */
function controllableJob(label: string, kind: JobKind = 'import') {
  let release!: (value: ScanSummary | null) => void
  let context!: JobContext
  const spec: JobSpec = { kind, label, params: { label }, run: async () => null }
  const started = new Promise<void>((resolveStarted) => {
    spec.run = (ctx) => {
      context = ctx
      resolveStarted()
      return new Promise<ScanSummary | null>((resolve, reject) => {
        release = resolve
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))
      })
    }
  })
  return { spec, started, release: (value: ScanSummary | null = null) => release(value), context: () => context }
}

describe('JobRunner', () => {
  let db: ProjectDb
  let events: JobInfo[]
  let runner: JobRunner
  beforeEach(() => {
    db = openProjectDb(':memory:', { create: true })
    events = []
    runner = new JobRunner(db, (info) => events.push(info))
  })
  afterEach(async () => {
    vi.useRealTimers()
    await runner.close()
    db.close()
  })

  const stored = (id: string) =>
    db.prepare('SELECT state, done, total, error, result, params FROM jobs WHERE id = ?').get(id) as Record<string, unknown>
  const statesOf = (id: string) => events.filter((e) => e.id === id).map((e) => e.state)

  it('runs a job to done: queued → running → done, persisted with its result', async () => {
    const info = runner.start({
      kind: 'import',
      label: 'Import',
      params: { root: '/x' },
      run: async ({ progress }) => (progress(3, 3), SUMMARY),
    })
    expect(info).toMatchObject({ state: 'queued', done: 0, total: 0, etaSeconds: null, error: null, result: null })
    const final = await runner.wait(info.id)
    expect(final).toMatchObject({ state: 'done', done: 3, total: 3, result: SUMMARY, etaSeconds: null })
    expect(statesOf(info.id)).toEqual(['queued', 'running', 'running', 'done'])
    expect(stored(info.id)).toEqual({
      state: 'done',
      done: 3,
      total: 3,
      error: null,
      result: JSON.stringify(SUMMARY),
      params: '{"root":"/x"}',
    })
    expect(runner.list().map((j) => j.state)).toEqual(['done'])
  })

  it('reports progress with an ETA from the rate so far, throttled but always with the last step', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2024-01-01T00:00:00Z'))
    const info = runner.start({
      kind: 'import',
      label: 'Import',
      params: {},
      run: async ({ progress }) => {
        vi.setSystemTime(new Date('2024-01-01T00:00:10Z'))
        progress(2, 10) // 5 s per item → 40 s left
        progress(3, 10) // same millisecond: throttled
        vi.setSystemTime(new Date('2024-01-01T00:00:20Z'))
        progress(5, 10) // 4 s per item → 20 s left
        progress(10, 10) // last step always goes out
        return null
      },
    })
    await runner.wait(info.id)
    const running = events.filter((e) => e.id === info.id && e.state === 'running' && e.done > 0)
    expect(running.map((e) => [e.done, e.total, e.etaSeconds])).toEqual([
      [2, 10, 40],
      [5, 10, 20],
      [10, 10, 0],
    ])
  })

  it('has no ETA before the first item is done', async () => {
    const info = runner.start({ kind: 'import', label: 'Import', params: {}, run: async ({ progress }) => (progress(0, 5), null) })
    await runner.wait(info.id)
    expect(events.find((e) => e.state === 'running' && e.total === 5)?.etaSeconds).toBeNull()
  })

  it('runs jobs one at a time, in order', async () => {
    const first = controllableJob('first')
    const second = controllableJob('second')
    const a = runner.start(first.spec)
    const b = runner.start(second.spec)
    await first.started
    expect(runner.list().map((j) => [j.label, j.state])).toEqual([
      ['first', 'running'],
      ['second', 'queued'],
    ])
    first.release(SUMMARY)
    await second.started
    second.release()
    expect((await runner.wait(a.id)).state).toBe('done')
    expect((await runner.wait(b.id)).state).toBe('done')
  })

  it('runs a rescan beside proposals: the folder has a lane of its own, the mask jobs keep their order', async () => {
    const propose = controllableJob('propose ahead', 'propose')
    const exporting = controllableJob('export', 'export')
    const rescan = controllableJob('rescan', 'import')
    const p = runner.start(propose.spec)
    const e = runner.start(exporting.spec)
    const r = runner.start(rescan.spec)
    await Promise.all([propose.started, rescan.started])
    expect(runner.list().map((j) => [j.label, j.state])).toEqual([
      ['propose ahead', 'running'],
      ['export', 'queued'], // waits for the proposals' writes
      ['rescan', 'running'],
    ])
    rescan.release(SUMMARY)
    expect((await runner.wait(r.id)).state).toBe('done')
    expect(runner.list().find((j) => j.id === e.id)?.state).toBe('queued')
    propose.release()
    await exporting.started
    exporting.release()
    expect((await runner.wait(p.id)).state).toBe('done')
    expect((await runner.wait(e.id)).state).toBe('done')
  })

  it('close() waits for the jobs of every lane', async () => {
    const propose = controllableJob('propose', 'propose')
    const rescan = controllableJob('rescan', 'import')
    const p = runner.start(propose.spec)
    const r = runner.start(rescan.spec)
    await Promise.all([propose.started, rescan.started])
    await runner.close()
    expect((await runner.wait(p.id)).state).toBe('cancelled')
    expect((await runner.wait(r.id)).state).toBe('cancelled')
  })

  it('cancels a running job through its signal', async () => {
    const job = controllableJob('long')
    const info = runner.start(job.spec)
    await job.started
    const reply = runner.cancel(info.id)
    expect(job.context().signal.aborted).toBe(true)
    expect(reply.state).toBe('running') // it stops when the work notices
    const final = await runner.wait(info.id)
    expect(final).toMatchObject({ state: 'cancelled', error: null })
    expect(stored(info.id)).toMatchObject({ state: 'cancelled' })
  })

  it('reports a job that returns after being cancelled as cancelled, keeping its partial result', async () => {
    const info = runner.start({
      kind: 'import',
      label: 'Import',
      params: {},
      run: async ({ signal }) => {
        runner.cancel(info.id)
        expect(signal.aborted).toBe(true)
        return SUMMARY
      },
    })
    expect(await runner.wait(info.id)).toMatchObject({ state: 'cancelled', result: SUMMARY })
  })

  it('cancels a queued job at once without ever running it', async () => {
    const first = controllableJob('first')
    const a = runner.start(first.spec)
    const run = vi.fn(async () => null)
    const b = runner.start({ kind: 'import', label: 'queued', params: {}, run })
    await first.started
    expect(runner.cancel(b.id).state).toBe('cancelled')
    first.release()
    await runner.wait(a.id)
    expect(await runner.wait(b.id)).toMatchObject({ state: 'cancelled' })
    expect(run).not.toHaveBeenCalled()
    expect(statesOf(b.id)).toEqual(['queued', 'cancelled'])
  })

  it('reports a failure with its message, and runs the next job', async () => {
    const bad = runner.start({
      kind: 'import',
      label: 'bad',
      params: {},
      run: async () => {
        throw new Error('The disk went away')
      },
    })
    const good = runner.start({ kind: 'import', label: 'good', params: {}, run: async () => SUMMARY })
    expect(await runner.wait(bad.id)).toMatchObject({ state: 'failed', error: 'The disk went away', result: null })
    expect(stored(bad.id)).toMatchObject({ state: 'failed', error: 'The disk went away' })
    expect((await runner.wait(good.id)).state).toBe('done')
  })

  it('keeps running jobs when an event listener throws', async () => {
    const fragile = new JobRunner(db, (info) => {
      if (info.state === 'running') throw new Error('listener broke')
    })
    const a = fragile.start({ kind: 'import', label: 'a', params: {}, run: async () => SUMMARY })
    const b = fragile.start({ kind: 'import', label: 'b', params: {}, run: async () => null })
    expect((await fragile.wait(a.id)).state).toBe('done')
    expect((await fragile.wait(b.id)).state).toBe('done')
    await fragile.close()
  })

  it('gives not_found for unknown jobs', () => {
    expect(() => runner.cancel('nope')).toThrow(AppError)
    expect(() => runner.wait('nope')).toThrow(/no job nope/)
  })

  it('close() cancels the running and queued jobs, waits for them, and refuses new ones', async () => {
    const first = controllableJob('first')
    const a = runner.start(first.spec)
    const b = runner.start({ kind: 'import', label: 'queued', params: {}, run: async () => null })
    await first.started
    await runner.close()
    expect(runner.list().map((j) => j.state)).toEqual(['cancelled', 'cancelled'])
    expect(stored(a.id).state).toBe('cancelled')
    expect(stored(b.id).state).toBe('cancelled')
    expect(() => runner.start({ kind: 'import', label: 'late', params: {}, run: async () => null })).toThrow(/closing/)
  })

  it('takeInterrupted() returns jobs a crash left queued or running, once', () => {
    const insert = db.prepare(
      "INSERT INTO jobs (id, kind, label, state, params, created_at, updated_at) VALUES (?, 'import', ?, ?, ?, ?, ?)",
    )
    insert.run('j1', 'Importing images', 'running', '{"root":"/a"}', '2024-01-01T00:00:01Z', '2024-01-01T00:00:01Z')
    insert.run('j2', 'Rescan', 'queued', '{}', '2024-01-01T00:00:02Z', '2024-01-01T00:00:02Z')
    insert.run('j3', 'Old', 'done', '{}', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')
    insert.run('j4', 'Stopped', 'cancelled', '{}', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')

    const fresh = new JobRunner(db, () => {})
    expect(fresh.takeInterrupted()).toEqual([
      { kind: 'import', label: 'Importing images', params: { root: '/a' } },
      { kind: 'import', label: 'Rescan', params: {} },
    ])
    expect(db.prepare('SELECT id, state FROM jobs ORDER BY id').all()).toEqual([
      { id: 'j1', state: 'interrupted' },
      { id: 'j2', state: 'interrupted' },
      { id: 'j3', state: 'done' },
      { id: 'j4', state: 'cancelled' },
    ])
    expect(fresh.takeInterrupted()).toEqual([])
  })
})

describe('failure messages', () => {
  it('reports a full disk in plain words', async () => {
    const db = openProjectDb(':memory:', { create: true })
    const runner = new JobRunner(db, () => undefined)
    const job = runner.start({
      kind: 'import',
      label: 'Importing images',
      params: {},
      run: async () => {
        throw Object.assign(new Error("ENOSPC: no space left on device, write '/cache/thumbs/x.jpg'"), { code: 'ENOSPC' })
      },
    })
    const finished = await runner.wait(job.id)
    expect(finished.state).toBe('failed')
    expect(finished.error).toMatch(/disk is full/)
    db.close()
  })
})
