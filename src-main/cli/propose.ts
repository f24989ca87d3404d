/**
 * `tessera propose` and `tessera merge-proposals`: overnight pre-passes from the command line, split
 * across machines by a scheduler.
 *
 * Without --out, proposals go straight into the project (the same job the app runs, resumable).
 * With --shard i/n --out file.jsonl, one shard of the images (by content hash, so every machine agrees)
 * is proposed into a JSON-lines file, one line per finished image (a killed shard resumes from its file);
 * `merge-proposals` then stores the shards' lines in the project, by content hash.
 */
import { createReadStream, existsSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { JobInfo } from '../../src-preload/contract/dto'
import { ProposalController, type ProposeOptions } from '../core/app/proposal-controller'
import { SegmenterController } from '../core/app/segmenter-controller'
import { ProjectSession } from '../core/project/project-session'
import { TRIAGE_PRESETS, presetSettings } from '../core/proposals/triage'
import type { ProposalRecord } from '../core/proposals/proposal-store'
import { productionWorkerFactory } from '../core/segmentation/worker/worker-entry'
import { SegmentationService } from '../core/segmentation/worker/segmentation-service'
import { cliActor } from './cli-actor'
import { ProgressBar } from './progress-bar'
import { parseShard, shardOf } from './shards'

/** A shard line: one image's proposals, with what made them. */
interface ShardLine {
  contentHash: string
  relPath: string
  model: { encoderSha256: string; decoderSha256: string }
  params: ProposeOptions
  seconds: number
  records: ProposalRecord[]
}

export const PROPOSE_USAGE = `  propose <project> [--preset NAME] [--points-per-side N] [--crop-layers N] [--shard i/n --out FILE.jsonl] [--threads N]
  propose <project> --boxes DETECTIONS [--min-score S]
                                   Box prompts from detections: COCO JSON, or a folder of YOLO label files.
                                   Run the automatic mask generator. Presets: ${Object.keys(TRIAGE_PRESETS).join(', ')}.
                                   --shard i/n takes every image whose content hash falls in shard i of n
                                   (i from 0; TESSERA_SHARD_INDEX / TESSERA_SHARD_COUNT, SLURM_ARRAY_TASK_ID or
                                   JOB_COMPLETION_INDEX fill it in); with --out the shard's proposals go to a file.
  merge-proposals <project> <FILE.jsonl…>
                                   Store shard files in the project (by image content hash; re-runnable).`

async function openProject(projectDir: string, onJob: (job: JobInfo) => void, threads?: number) {
  const session = ProjectSession.open(resolve(projectDir), onJob)
  const service = new SegmentationService({ createWorker: productionWorkerFactory })
  const actor = cliActor()
  const resourcesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources')
  const segmenter = new SegmenterController({
    session,
    service,
    resourcesDir,
    actor,
    onStatus: () => undefined,
    onEmbedding: () => undefined,
  })
  await segmenter.ensureBundledModel()
  if (threads) segmenter.configure({ threads })
  const proposals = new ProposalController({ session, segmenter, service, actor, onImage: () => undefined })
  const close = async () => {
    await session.close()
    await service.dispose()
  }
  return { session, segmenter, proposals, close }
}

async function readShardHashes(file: string): Promise<Set<string>> {
  const done = new Set<string>()
  if (!existsSync(file)) return done
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line.trim()) done.add((JSON.parse(line) as ShardLine).contentHash)
  }
  return done
}

export async function propose(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      'points-per-side': { type: 'string' },
      'crop-layers': { type: 'string' },
      shard: { type: 'string' },
      out: { type: 'string' },
      threads: { type: 'string' },
      boxes: { type: 'string' },
      'min-score': { type: 'string' },
    },
  })
  const projectDir = positionals[0]
  if (!projectDir) {
    console.error(`Usage:\n${PROPOSE_USAGE}`)
    return 2
  }
  const preset = values.preset
  if (preset !== undefined && !Object.hasOwn(TRIAGE_PRESETS, preset))
    throw new Error(`unknown preset "${preset}" (${Object.keys(TRIAGE_PRESETS).join(', ')})`)
  const shard = parseShard(values.shard)
  const bar = new ProgressBar('proposing')
  const project = await openProject(
    projectDir,
    (job) => job.kind === 'propose' && bar.update(job.done, job.total),
    values.threads ? Number(values.threads) : undefined,
  )
  try {
    if (preset) project.proposals.setTriage(presetSettings(preset as keyof typeof TRIAGE_PRESETS))
    const options: ProposeOptions = {
      pointsPerSide: values['points-per-side'] ? Number(values['points-per-side']) : undefined,
      cropNLayers: values['crop-layers'] ? Number(values['crop-layers']) : undefined,
    }
    const rows = project.session.images
      .all()
      .filter((row) => !row.missing && (!shard || shardOf(row.content_hash, shard.count) === shard.index))
    if (!values.out) {
      const job = project.proposals.startPropose({ ...options, imageIds: rows.map((row) => row.id) }, 'Proposing masks (CLI)')
      const finished = await project.session.jobs.wait(job.id)
      bar.done()
      console.log(JSON.stringify({ state: finished.state, ...finished.result, error: finished.error }))
      return finished.state === 'done' ? 0 : 1
    }
    // Shard file: one line per image, appended as each finishes.
    const out = resolve(values.out)
    const finished = await readShardHashes(out)
    await project.segmenter.ensureLoaded()
    const model = project.segmenter.activeModel()!
    const params = project.proposals.generatorParams(options)
    const todo = rows.filter((row) => !finished.has(row.content_hash))
    let failed = 0
    for (const [index, row] of todo.entries()) {
      const started = performance.now()
      try {
        const records = await project.proposals.generateFor(row.id, params)
        const line: ShardLine = {
          contentHash: row.content_hash,
          relPath: row.rel_path,
          model: { encoderSha256: model.encoderSha256, decoderSha256: model.decoderSha256 },
          params: options,
          seconds: (performance.now() - started) / 1000,
          records,
        }
        await appendFile(out, `${JSON.stringify(line)}\n`)
      } catch (error) {
        failed++
        console.error(`\n${row.rel_path}: ${(error as Error).message}`)
      }
      bar.update(index + 1, todo.length)
    }
    bar.done()
    console.log(
      JSON.stringify({
        shard: shard ? `${shard.index}/${shard.count}` : 'all',
        images: todo.length - failed,
        skipped: rows.length - todo.length,
        failed,
        out,
      }),
    )
    return failed > 0 ? 1 : 0
  } finally {
    await project.close()
  }
}

export async function mergeProposals(argv: string[]): Promise<number> {
  const [projectDir, ...files] = argv
  if (!projectDir || files.length === 0) {
    console.error(`Usage:\n${PROPOSE_USAGE}`)
    return 2
  }
  const project = await openProject(projectDir, () => undefined)
  try {
    const byHash = new Map(project.session.images.all().map((row) => [row.content_hash, row]))
    const totals = { images: 0, proposals: 0, auto: 0, review: 0, discarded: 0, unknownImages: 0 }
    for (const file of files) {
      for await (const text of createInterface({ input: createReadStream(resolve(file)) })) {
        if (!text.trim()) continue
        const line = JSON.parse(text) as ShardLine
        const row = byHash.get(line.contentHash)
        if (!row) {
          totals.unknownImages++
          continue
        }
        const model = project.segmenter.models.findByHashes(line.model.encoderSha256, line.model.decoderSha256)
        if (!model)
          throw new Error(
            `${file}: ${line.relPath} was proposed by a model this project does not have (encoder ${line.model.encoderSha256.slice(0, 12)}…); add it first`,
          )
        const runId = project.proposals.runFor(model, project.proposals.generatorParams(line.params))
        const counts = project.proposals.store.saveImage(runId, model.id, row.id, line.records, line.seconds)
        totals.images++
        totals.proposals += line.records.length
        totals.auto += counts.auto
        totals.review += counts.review
        totals.discarded += counts.discarded
      }
    }
    console.log(JSON.stringify(totals))
    return 0
  } finally {
    await project.close()
  }
}
