/**
 * "Open a work package": the image files a bundle carries (images/<sha256>.<ext>) are written into a
 * folder of their own, so the receiving annotator can make a project from them and import the bundle's
 * masks into it. The bundle is verified first (every checksum); nothing is written for a bad bundle.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { basename, join, relative, isAbsolute } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DEFAULT_BUNDLE_LIMITS, type BundleManifest } from './bundle-format'
import { ExchangeError, throwIfAborted } from './exchange-error'
import { verifyBundle } from './import-bundle'
import { SafeZipReader } from './safe-zip'

export interface ExtractedImages {
  manifest: BundleManifest
  folder: string
  files: number
}

export interface ExtractOptions {
  /**
   * Steps done and in all: the bundle's entries verified (verifyBundle), then one per image file
   * written. The total is known once the manifest is read; before that it is reported as 0.
   */
  onProgress?: (done: number, total: number) => void
  signal?: AbortSignal
}

/** Verifies `bundlePath` and writes its image files into `folder` (which must not exist yet). */
export async function extractBundleImages(bundlePath: string, folder: string, options: ExtractOptions = {}): Promise<ExtractedImages> {
  let verifySteps = 0
  const manifest = await verifyBundle(bundlePath, {
    signal: options.signal,
    onProgress: (done, total) => {
      verifySteps = total
      // The image files are counted after the manifest is known: total grows once, never shrinks.
      options.onProgress?.(done, total)
    },
  })
  const images = manifest.entries.filter((entry) => entry.name.startsWith('images/'))
  if (images.length === 0) {
    throw new ExchangeError(
      'missing_entry',
      'This bundle carries no image files (it was exported without them). Make a project from the same image folder and import the bundle into it.',
    )
  }
  const partial = `${folder}.partial`
  await rm(partial, { recursive: true, force: true })
  await mkdir(partial, { recursive: true })
  const reader = await SafeZipReader.open(bundlePath, DEFAULT_BUNDLE_LIMITS)
  try {
    const total = verifySteps + images.length
    let done = verifySteps
    options.onProgress?.(done, total)
    for (const entry of images) {
      throwIfAborted(options.signal, 'Opening the work package')
      const name = basename(entry.name)
      const target = join(partial, name)
      const rel = relative(partial, target)
      if (!name || rel.startsWith('..') || isAbsolute(rel))
        throw new ExchangeError('unsafe_path', `${entry.name} would be written outside the image folder.`)
      // Checked between chunks too: one image file can be large.
      const source = await reader.openStream(entry.name)
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            if (options.signal?.aborted)
              callback(new ExchangeError('cancelled', 'Opening the work package was cancelled; nothing was kept.'))
            else callback(null, chunk)
          },
        }),
        createWriteStream(target),
      )
      options.onProgress?.(++done, total)
    }
  } catch (error) {
    await rm(partial, { recursive: true, force: true })
    throw error
  } finally {
    await reader.close()
  }
  await rename(partial, folder)
  return { manifest, folder, files: images.length }
}
