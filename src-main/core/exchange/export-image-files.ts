/**
 * The image files an SA-1B or COCO export writes with its JSON, at the frame of its masks:
 * - annotation frame: the project's annotation-size copy (cache/annotation/<sha256>.jpg), the
 *   pixels the masks were made on; always JPEG;
 * - original frame: the original file from the image folder, upright (EXIF orientation applied,
 *   so its pixels line up with the masks resampled to the oriented original size), in its own format.
 * An original must still be the file that was imported (its SHA-256 is the image's content hash): a
 * missing or changed file, or a missing cache copy, fails the export with `image_file_unavailable`
 * rather than ship masks beside other pixels. Memory: one image file at a time.
 */
import { createHash } from 'node:crypto'
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProjectPaths } from '../app/app-paths'
import { annotationCopyPath } from '../imaging/folder-import'
import { uprightOriginal } from '../imaging/image-pipeline'
import type { ProjectDb } from '../project/database'
import type { ImageRow } from '../project/image-repository'
import { ExchangeError } from './exchange-error'
import type { ExportFrame } from './export-sa1b'

/** Where an export finds the image files it writes: the project's cache of annotation copies (originals: the project's image folder). */
export type ExportImageFiles = Pick<ProjectPaths, 'annotationCopies'>

export class ExportImageWriter {
  private readonly imageRoot: string

  constructor(
    db: ProjectDb,
    private readonly files: ExportImageFiles,
    readonly frame: ExportFrame,
  ) {
    const project = db.prepare('SELECT image_root FROM project').get() as { image_root: string } | undefined
    if (!project) throw new ExchangeError('no_project', 'The database has no project record.')
    this.imageRoot = project.image_root
  }

  /** Extension of the file written for `image` ('.jpg' for annotation copies, the original's own otherwise). */
  extension(image: Pick<ImageRow, 'rel_path'>): string {
    if (this.frame === 'annotation') return '.jpg'
    return /\.[^./]*$/.exec(image.rel_path)?.[0] ?? ''
  }

  /** Writes the image's file at the writer's frame to `path`. */
  async write(image: ImageRow, path: string): Promise<void> {
    if (this.frame === 'annotation') {
      try {
        await copyFile(annotationCopyPath(this.files, image.content_hash), path)
      } catch (error) {
        throw new ExchangeError(
          'image_file_unavailable',
          `The annotation-size copy of ${image.rel_path} is missing from the project cache (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); rescan the folder to rebuild it.`,
        )
      }
      return
    }
    let bytes: Buffer
    try {
      bytes = await readFile(join(this.imageRoot, image.rel_path))
    } catch (error) {
      throw new ExchangeError(
        'image_file_unavailable',
        `${image.rel_path} cannot be read from the image folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); rescan the folder, or leave the image out of the export.`,
      )
    }
    if (createHash('sha256').update(bytes).digest('hex') !== image.content_hash)
      throw new ExchangeError(
        'image_file_unavailable',
        `${image.rel_path} has changed since it was imported, so its masks may not fit it; rescan the folder, or leave the image out of the export.`,
      )
    await writeFile(path, await uprightOriginal(bytes))
  }
}
