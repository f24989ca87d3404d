/**
 * Where Tessera keeps its own files. Projects live under the data folder, one folder each
 * (project.sqlite + cache/), and never inside the image folder they point at.
 */
import { homedir, platform } from 'node:os'
import { join } from 'node:path'

/** The data folder: $TESSERA_HOME, else the platform's per-user application-data folder. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TESSERA_HOME) return env.TESSERA_HOME
  const home = homedir()
  switch (platform()) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Tessera')
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Tessera')
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'tessera')
  }
}

export interface ProjectPaths {
  projectDir: string
  database: string
  thumbnails: string
  annotationCopies: string
}

export const PROJECT_DB_FILE = 'project.sqlite'

export function projectPaths(projectDir: string): ProjectPaths {
  return {
    projectDir,
    database: join(projectDir, PROJECT_DB_FILE),
    thumbnails: join(projectDir, 'cache', 'thumbs'),
    annotationCopies: join(projectDir, 'cache', 'annotation'),
  }
}
