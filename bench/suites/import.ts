/**
 * Import throughput (hash + decode + resize + thumbnail of 1,000 generated 1500×1000 JPEGs) and the
 * cost of opening a 100,000-image project and reading the grid's first page.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { projectPaths } from '../../src-main/core/app/app-paths'
import { generateScene } from '../../src-main/core/demo/synthetic-scene'
import { importImageFolder } from '../../src-main/core/imaging/folder-import'
import { PAGE_SIZE } from '../../src-renderer/state/page-size'
import { ProjectSession } from '../../src-main/core/project/project-session'
import { peakRssMb, round, type BenchSuite } from '../report'

const IMAGE_COUNT = Number(process.env.BENCH_IMPORT_IMAGES ?? 1000)
const WIDTH = 1500
const HEIGHT = 1000
const BASE_SCENES = 20
const ROWS_100K = 100_000

/** Images larger than the annotation size, so every one is decoded, resized and re-encoded. */
const RESIZED_COUNT = Math.max(1, Math.round(IMAGE_COUNT / 5))
const RESIZED_WIDTH = 2250
const RESIZED_HEIGHT = 1500

async function writeImages(dir: string, count: number, width: number, height: number): Promise<void> {
  const WIDTH = width
  const HEIGHT = height
  const bases = Array.from({ length: BASE_SCENES }, (_, index) => generateScene(9000 + index, WIDTH, HEIGHT, 8).rgb)
  for (let index = 0; index < count; index++) {
    const rgb = Buffer.from(bases[index % BASE_SCENES] as Uint8Array)
    // A unique 8×8 stamp per file so every image has its own content hash.
    for (let bit = 0; bit < 16; bit++) {
      const on = (index >> bit) & 1
      for (let dy = 0; dy < 8; dy++)
        for (let dx = 0; dx < 8; dx++)
          rgb.fill(on ? 255 : 0, ((20 + dy) * WIDTH + 20 + bit * 8 + dx) * 3, ((20 + dy) * WIDTH + 20 + bit * 8 + dx) * 3 + 3)
    }
    const jpeg = await sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer()
    await writeFile(join(dir, `photo-${String(index).padStart(5, '0')}.jpg`), jpeg)
  }
}

export const importSuite: BenchSuite = async () => {
  const work = await mkdtemp(join(tmpdir(), 'tessera-bench-import-'))
  try {
    const imageDir = join(work, 'images')
    await import('node:fs/promises').then((fs) => fs.mkdir(imageDir))
    process.stderr.write(`writing ${IMAGE_COUNT} ${WIDTH}×${HEIGHT} JPEGs…\n`)
    await writeImages(imageDir, IMAGE_COUNT, WIDTH, HEIGHT)

    const session = await ProjectSession.create({ projectDir: join(work, 'project'), name: 'bench', imageRoot: imageDir }, () => undefined)
    const started = performance.now()
    const summary = await importImageFolder(session.db, {
      imageRoot: imageDir,
      annotationMaxSide: 1500,
      paths: projectPaths(join(work, 'project')),
    })
    const importSeconds = (performance.now() - started) / 1000
    if (summary.added !== IMAGE_COUNT) throw new Error(`imported ${summary.added} of ${IMAGE_COUNT}`)
    const rescanStarted = performance.now()
    await importImageFolder(session.db, { imageRoot: imageDir, annotationMaxSide: 1500, paths: projectPaths(join(work, 'project')) })
    const rescanMs = performance.now() - rescanStarted
    await session.close()

    // Larger originals: the full decode → resize → re-encode path.
    const largeDir = join(work, 'large')
    await import('node:fs/promises').then((fs) => fs.mkdir(largeDir))
    process.stderr.write(`writing ${RESIZED_COUNT} ${RESIZED_WIDTH}×${RESIZED_HEIGHT} JPEGs…\n`)
    await writeImages(largeDir, RESIZED_COUNT, RESIZED_WIDTH, RESIZED_HEIGHT)
    const large = await ProjectSession.create(
      { projectDir: join(work, 'large-project'), name: 'large', imageRoot: largeDir },
      () => undefined,
    )
    const largeStarted = performance.now()
    const largeSummary = await importImageFolder(large.db, {
      imageRoot: largeDir,
      annotationMaxSide: 1500,
      paths: projectPaths(join(work, 'large-project')),
    })
    const largeSeconds = (performance.now() - largeStarted) / 1000
    if (largeSummary.added !== RESIZED_COUNT) throw new Error(`imported ${largeSummary.added} of ${RESIZED_COUNT} large images`)
    await large.close()

    // A synthetic 100,000-image project: rows only (no pixels needed to time open + first page).
    const bigDir = join(work, 'big')
    const big = await ProjectSession.create({ projectDir: bigDir, name: 'big', imageRoot: imageDir }, () => undefined)
    const now = new Date().toISOString()
    big.db.transaction(() => {
      for (let index = 0; index < ROWS_100K; index++) {
        big.images.insert(
          {
            contentHash: index.toString(16).padStart(64, '0'),
            relPath: `folder-${index % 100}/image-${String(index).padStart(6, '0')}.jpg`,
            fileSize: 1,
            fileMtimeMs: 1,
            width: 2250,
            height: 1500,
            orientation: 1,
            annotationWidth: 1500,
            annotationHeight: 1000,
          },
          now,
        )
      }
    })()
    await big.close()
    const openStarted = performance.now()
    const reopened = ProjectSession.open(bigDir, () => undefined)
    const summaryBig = reopened.summary()
    const openMs = performance.now() - openStarted
    const pageStarted = performance.now()
    const firstPage = reopened.page(0, PAGE_SIZE)
    const firstPageMs = performance.now() - pageStarted
    const deepStarted = performance.now()
    reopened.page(ROWS_100K - PAGE_SIZE, PAGE_SIZE)
    const deepPageMs = performance.now() - deepStarted
    if (summaryBig.imageCount !== ROWS_100K || firstPage.items.length !== PAGE_SIZE) throw new Error('100k project did not read back')
    await reopened.close()

    const imagesPerSecond = IMAGE_COUNT / importSeconds
    return {
      rows: [
        { metric: 'images imported', value: IMAGE_COUNT, unit: 'images', note: `${WIDTH}×${HEIGHT} JPEG q90` },
        {
          metric: 'import throughput',
          value: round(imagesPerSecond),
          unit: 'images/s',
          note: 'hash + decode + thumbnail + insert; upright JPEGs at annotation size keep their bytes as the copy',
        },
        { metric: 'import wall time', value: round(importSeconds), unit: 's' },
        {
          metric: 'import throughput, resized',
          value: round(RESIZED_COUNT / largeSeconds),
          unit: 'images/s',
          note: `${RESIZED_COUNT} × ${RESIZED_WIDTH}×${RESIZED_HEIGHT} → 1500×1000 (full decode, resize, re-encode)`,
        },
        { metric: 'rescan, nothing changed', value: round(rescanMs), unit: 'ms', note: `${IMAGE_COUNT} files, size+mtime check` },
        { metric: 'open 100k-image project', value: round(openMs), unit: 'ms', note: 'open + migrate check + summary' },
        { metric: 'grid first page (200 rows)', value: round(firstPageMs), unit: 'ms' },
        { metric: 'grid last page (200 rows)', value: round(deepPageMs), unit: 'ms', note: 'OFFSET 99,800' },
        { metric: 'peak RSS', value: round(peakRssMb(), 1), unit: 'MiB' },
      ],
      json: {
        import_images_per_s: round(imagesPerSecond),
        import_wall_s: round(importSeconds),
        import_resized_images_per_s: round(RESIZED_COUNT / largeSeconds),
        rescan_unchanged_ms: round(rescanMs),
        open_100k_ms: round(openMs),
        grid_first_page_ms: round(firstPageMs),
        grid_last_page_ms: round(deepPageMs),
        peak_rss_mb: round(peakRssMb(), 1),
      },
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
