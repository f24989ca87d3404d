/**
 * Exchange throughput on a synthetic project: 1,000 images at annotation size 1500×1000 with 100,000
 * accepted disc masks (BENCH_EXCHANGE_MASKS / BENCH_EXCHANGE_IMAGES lower them): bundle export, that
 * bundle imported into a fresh project with the same images, SA-1B and COCO export, and peak RSS.
 * Masks are inserted round-robin over the images (mask i on image i mod 1000), so one image's masks
 * lie on pages all over the database: the worst case for the image-by-image reads of an export.
 * Each phase reports wall time and masks per CPU-second (steadier while other work shares the cores).
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeBundle } from '../../src-main/core/exchange/bundle'
import { exportCoco } from '../../src-main/core/exchange/export-coco'
import { exportSa1b } from '../../src-main/core/exchange/export-sa1b'
import { importBundle } from '../../src-main/core/exchange/import-bundle'
import { compressRle, encodeMask, type CompressedRle } from '../../src-main/core/masks'
import { MaskRepository, type NewMask } from '../../src-main/core/project/mask-repository'
import { ProjectSession } from '../../src-main/core/project/project-session'
import { peakRssMb, round, type BenchSuite } from '../report'

const IMAGE_COUNT = Number(process.env.BENCH_EXCHANGE_IMAGES ?? 1000)
const MASK_COUNT = Number(process.env.BENCH_EXCHANGE_MASKS ?? 100_000)
const WIDTH = 1500
const HEIGHT = 1000
const DISTINCT_RLES = 48
const INSERT_BATCH = 5000
/** How often a phase's resident set is sampled. */
const RSS_SAMPLE_MS = 10

/** Discs of varied size and place, as compressed RLE strings at annotation size. */
function discRles(): CompressedRle[] {
  const rles: CompressedRle[] = []
  for (let index = 0; index < DISTINCT_RLES; index++) {
    const radius = 12 + ((index * 37) % 160)
    const cx = 200 + ((index * 211) % (WIDTH - 400))
    const cy = 200 + ((index * 157) % (HEIGHT - 400))
    const mask = new Uint8Array(WIDTH * HEIGHT)
    // Row-major, as encodeMask takes it: index = y · width + x.
    for (let x = Math.max(0, cx - radius); x <= Math.min(WIDTH - 1, cx + radius); x++)
      for (let y = Math.max(0, cy - radius); y <= Math.min(HEIGHT - 1, cy + radius); y++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2) mask[y * WIDTH + x] = 1
    rles.push(compressRle(encodeMask(mask, HEIGHT, WIDTH)))
  }
  return rles
}

function insertImages(session: ProjectSession): number[] {
  const now = new Date().toISOString()
  return session.db.transaction(() =>
    Array.from({ length: IMAGE_COUNT }, (_, index) =>
      session.images.insert(
        {
          contentHash: (index + 1).toString(16).padStart(64, '0'),
          relPath: `folder-${index % 10}/image-${String(index).padStart(5, '0')}.jpg`,
          fileSize: 1,
          fileMtimeMs: 1,
          width: WIDTH,
          height: HEIGHT,
          orientation: 1,
          annotationWidth: WIDTH,
          annotationHeight: HEIGHT,
        },
        now,
      ),
    ),
  )()
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path)
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  return total
}

/**
 * Wall time and this process's CPU time (user + system, all threads: zlib's and SQLite's work
 * included) of one phase. The CPU figure is the steadier one on a shared machine: other processes
 * stretch wall time but not the CPU a phase needs. `peakRssMb` is the largest resident set sampled
 * every RSS_SAMPLE_MS during the phase (the process-wide peak also counts the setup), `rssGrowthMb`
 * how far above the phase's starting RSS that went.
 */
async function timed<T>(
  label: string,
  run: () => Promise<T>,
): Promise<{ result: T; seconds: number; cpuSeconds: number; peakRssMb: number; rssGrowthMb: number }> {
  process.stderr.write(`${label}…\n`)
  const start = process.memoryUsage.rss()
  let peak = start
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), RSS_SAMPLE_MS)
  const started = performance.now()
  const cpu = process.cpuUsage()
  try {
    const result = await run()
    const used = process.cpuUsage(cpu)
    peak = Math.max(peak, process.memoryUsage.rss())
    return {
      result,
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
      peakRssMb: peak / 1024 / 1024,
      rssGrowthMb: (peak - start) / 1024 / 1024,
    }
  } finally {
    clearInterval(sampler)
  }
}

export const exchangeSuite: BenchSuite = async () => {
  const loadAtStart = loadavg()[0] as number
  const work = await mkdtemp(join(tmpdir(), 'tessera-bench-exchange-'))
  try {
    const imageRoot = join(work, 'images')
    await mkdir(imageRoot)
    process.stderr.write(`building a project of ${IMAGE_COUNT} images and ${MASK_COUNT} masks…\n`)
    const rles = discRles()
    const source = await ProjectSession.create({ projectDir: join(work, 'source'), name: 'bench', imageRoot }, () => undefined)
    const imageIds = insertImages(source)
    const masks = new MaskRepository(source.db)
    const setupStarted = performance.now()
    for (let start = 0; start < MASK_COUNT; start += INSERT_BATCH) {
      const batch: NewMask[] = []
      for (let index = start; index < Math.min(MASK_COUNT, start + INSERT_BATCH); index++) {
        batch.push({
          imageId: imageIds[index % IMAGE_COUNT] as number,
          rle: rles[index % DISTINCT_RLES] as CompressedRle,
          source: 'auto',
          state: index % 3 === 0 ? 'auto_accepted' : 'accepted',
          predictedIou: 0.8 + (index % 20) / 100,
          stabilityScore: 0.85 + (index % 15) / 100,
          pointCoords: [[(index * 7) % WIDTH, (index * 11) % HEIGHT]],
          cropBox: [0, 0, WIDTH, HEIGHT],
          actor: 'bench',
        })
      }
      masks.insertMany(batch)
    }
    const insertSeconds = (performance.now() - setupStarted) / 1000

    const bundlePath = join(work, 'export.zip')
    const bundle = await timed('bundle export', () =>
      writeBundle(source.db, bundlePath, { exporter: { name: 'tessera-bench', version: '0' }, actor: 'bench' }),
    )
    if (bundle.result.manifest.counts.masks !== MASK_COUNT) throw new Error(`bundle has ${bundle.result.manifest.counts.masks} masks`)
    // Every mask and image is exported, so the event slice is every mask and image event (ids far past the bitmaps' first size).
    const sliceEvents = source.db.prepare("SELECT count(*) FROM events WHERE entity IN ('mask', 'image')").pluck().get() as number
    if (bundle.result.manifest.counts.events !== sliceEvents)
      throw new Error(`bundle has ${bundle.result.manifest.counts.events} of the ${sliceEvents} events of its masks and images`)
    const bundleBytes = await sizeOf(bundlePath)

    const sa1bDir = join(work, 'sa1b')
    const sa1b = await timed('SA-1B export', () => exportSa1b(source.db, sa1bDir))
    const sa1bBytes = await sizeOf(sa1bDir)
    const cocoPath = join(work, 'coco.json')
    const coco = await timed('COCO export', () => exportCoco(source.db, cocoPath))
    const cocoBytes = await sizeOf(cocoPath)
    if (sa1b.result.masks !== MASK_COUNT || coco.result.masks !== MASK_COUNT) throw new Error('an export lost masks')
    await source.close()
    await rm(sa1bDir, { recursive: true, force: true })
    await rm(cocoPath, { force: true })

    const target = await ProjectSession.create({ projectDir: join(work, 'target'), name: 'target', imageRoot }, () => undefined)
    insertImages(target)
    const imported = await timed('bundle import', () => importBundle(target.db, bundlePath, { actor: 'bench' }))
    if (imported.result.masksAdded !== MASK_COUNT) throw new Error(`imported ${imported.result.masksAdded} of ${MASK_COUNT} masks`)
    await target.close()

    const perSecond = (seconds: number) => round(MASK_COUNT / seconds, 0)
    const cpuNote = (phase: { cpuSeconds: number }) => `${perSecond(phase.cpuSeconds)} masks per CPU-second`
    const mb = (bytes: number) => round(bytes / 1024 / 1024, 1)
    const rssNote = (phase: { peakRssMb: number; rssGrowthMb: number }) =>
      `RSS ≤ ${round(phase.peakRssMb, 0)} MiB (+${round(phase.rssGrowthMb, 0)} in the phase)`
    return {
      rows: [
        {
          metric: 'masks',
          value: MASK_COUNT,
          unit: 'masks',
          note: `${IMAGE_COUNT} images at ${WIDTH}×${HEIGHT}, ${DISTINCT_RLES} distinct disc RLEs`,
        },
        {
          metric: 'setup insert',
          value: perSecond(insertSeconds),
          unit: 'masks/s',
          note: `MaskRepository.insertMany, batches of ${INSERT_BATCH}`,
        },
        {
          metric: 'bundle export',
          value: perSecond(bundle.seconds),
          unit: 'masks/s',
          note: `${round(bundle.seconds)} s, ${mb(bundleBytes)} MiB zip; ${cpuNote(bundle)}; ${rssNote(bundle)}`,
        },
        {
          metric: 'bundle import',
          value: perSecond(imported.seconds),
          unit: 'masks/s',
          note: `${round(imported.seconds)} s, verify + stage + commit into a fresh project; ${cpuNote(imported)}; ${rssNote(imported)}`,
        },
        {
          metric: 'SA-1B export',
          value: perSecond(sa1b.seconds),
          unit: 'masks/s',
          note: `${round(sa1b.seconds)} s, ${mb(sa1bBytes)} MiB in ${IMAGE_COUNT} files; ${cpuNote(sa1b)}`,
        },
        {
          metric: 'COCO export',
          value: perSecond(coco.seconds),
          unit: 'masks/s',
          note: `${round(coco.seconds)} s, ${mb(cocoBytes)} MiB; ${cpuNote(coco)}`,
        },
        { metric: 'peak RSS', value: round(peakRssMb(), 1), unit: 'MiB', note: 'whole process: setup, three exports and the import' },
        { metric: 'load average', value: round(loadAtStart, 2), unit: '1 min', note: 'at the start, on this machine (shared cores)' },
      ],
      json: {
        masks: MASK_COUNT,
        images: IMAGE_COUNT,
        setup_insert_masks_per_s: perSecond(insertSeconds),
        export_masks_per_s: perSecond(bundle.seconds),
        export_masks_per_cpu_s: perSecond(bundle.cpuSeconds),
        export_bundle_s: round(bundle.seconds),
        bundle_mb: mb(bundleBytes),
        import_masks_per_s: perSecond(imported.seconds),
        import_masks_per_cpu_s: perSecond(imported.cpuSeconds),
        import_bundle_s: round(imported.seconds),
        export_sa1b_masks_per_s: perSecond(sa1b.seconds),
        export_coco_masks_per_s: perSecond(coco.seconds),
        peak_rss_mb: round(peakRssMb(), 1),
        export_peak_rss_mb: round(bundle.peakRssMb, 1),
        import_peak_rss_mb: round(imported.peakRssMb, 1),
        export_rss_growth_mb: round(bundle.rssGrowthMb, 1),
        import_rss_growth_mb: round(imported.rssGrowthMb, 1),
        load_average_1m: round(loadAtStart, 2),
      },
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
