/**
 * Recursive listing of the image files below a root folder. Paths are returned relative to the
 * root with forward slashes, so a project moves between operating systems unchanged.
 */
import type { Dirent } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { AppError } from '../../../src-preload/contract/errors'
import { isImageFileName } from './image-formats'

export interface ScannedFile {
  relPath: string
  absPath: string
  size: number
  mtimeMs: number
}

export async function assertFolder(root: string): Promise<void> {
  let info
  try {
    info = await stat(root)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') {
      throw new AppError('permission_denied', `Tessera may not read the image folder ${root}.`)
    }
    throw new AppError('folder_missing', `The image folder ${root} does not exist (was it moved, or is a drive unplugged?).`)
  }
  if (!info.isDirectory()) throw new AppError('not_a_folder', `${root} is a file, not a folder of images.`)
}

/** Lists image files below `root`, sorted by relative path. Hidden folders (".x") are skipped. */
export async function scanImageFolder(root: string, signal?: AbortSignal): Promise<ScannedFile[]> {
  await assertFolder(root)
  const files: ScannedFile[] = []
  const pending = [root]
  while (pending.length > 0) {
    signal?.throwIfAborted()
    const dir = pending.pop() as string
    let entries: Dirent[]
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch {
      continue // an unreadable subfolder is skipped, not fatal
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue
      const absPath = join(dir, entry.name)
      if (entry.isDirectory()) pending.push(absPath)
      else if (entry.isFile() && isImageFileName(entry.name)) {
        try {
          const info = await stat(absPath)
          files.push({ relPath: relative(root, absPath).split(sep).join('/'), absPath, size: info.size, mtimeMs: Math.trunc(info.mtimeMs) })
        } catch {
          // vanished between readdir and stat: the next rescan settles it
        }
      }
    }
  }
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))
  return files
}
