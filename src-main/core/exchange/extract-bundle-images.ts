/**
 * "Open a work package": the image files a bundle carries (images/<sha256>.<ext>) are written into a
 * folder of their own, so the receiving annotator can make a project from them and import the bundle's
 * masks into it. The bundle is verified first (every checksum); nothing is written for a bad bundle.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { basename, join, relative, isAbsolute } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { DEFAULT_BUNDLE_LIMITS, type BundleManifest } from './bundle-format'
import { ExchangeError } from './exchange-error'
import { verifyBundle } from './import-bundle'
import { SafeZipReader } from './safe-zip'

export interface ExtractedImages {
  manifest: BundleManifest
  folder: string
  files: number
}

/** Verifies `bundlePath` and writes its image files into `folder` (which must not exist yet). */
export async function extractBundleImages(bundlePath: string, folder: string): Promise<ExtractedImages> {
  const manifest = await verifyBundle(bundlePath)
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
    for (const entry of images) {
      const name = basename(entry.name)
      const target = join(partial, name)
      const rel = relative(partial, target)
      if (!name || rel.startsWith('..') || isAbsolute(rel))
        throw new ExchangeError('unsafe_path', `${entry.name} would be written outside the image folder.`)
      await pipeline(await reader.openStream(entry.name), createWriteStream(target))
    }
  } catch (error) {
    await rm(partial, { recursive: true, force: true })
    throw error
  } finally {
    reader.close()
  }
  await rename(partial, folder)
  return { manifest, folder, files: images.length }
}
