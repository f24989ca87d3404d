/**
 * The list of recently opened projects, kept as a small JSON file in the data folder.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import type { RecentProject } from '../../../src-preload/contract/dto'
import { PROJECT_DB_FILE } from './app-paths'
import { writeFileAtomic } from './atomic-write'

const MAX_RECENT = 20

const StoredRecent = z.array(z.object({ projectDir: z.string(), name: z.string(), imageRoot: z.string(), openedAt: z.string() }))

export class RecentProjects {
  private readonly file: string

  constructor(dataDir: string) {
    this.file = join(dataDir, 'recent-projects.json')
  }

  async list(): Promise<RecentProject[]> {
    return (await this.read()).map((entry) => ({ ...entry, available: existsSync(join(entry.projectDir, PROJECT_DB_FILE)) }))
  }

  async remember(entry: { projectDir: string; name: string; imageRoot: string }): Promise<void> {
    const rest = (await this.read()).filter((item) => item.projectDir !== entry.projectDir)
    const next = [{ ...entry, openedAt: new Date().toISOString() }, ...rest].slice(0, MAX_RECENT)
    await mkdir(dirname(this.file), { recursive: true })
    await writeFileAtomic(this.file, JSON.stringify(next, null, 2))
  }

  /** A damaged list is treated as empty rather than blocking the app: it holds no work. */
  private async read(): Promise<z.infer<typeof StoredRecent>> {
    try {
      const parsed = StoredRecent.safeParse(JSON.parse(await readFile(this.file, 'utf8')))
      return parsed.success ? parsed.data : []
    } catch {
      return []
    }
  }
}
