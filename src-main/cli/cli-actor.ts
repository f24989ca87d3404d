/**
 * Who the command line records as the actor: TESSERA_USER when set (scripts and schedulers say who
 * runs them), else the name saved in the app's Preferences for the same data folder, else USER /
 * USERNAME, else 'tessera-cli'.
 */
import { defaultDataDir } from '../core/app/app-paths'
import { PreferenceStore } from '../core/app/preferences'

export function cliActor(env: NodeJS.ProcessEnv = process.env, dataDir: string = defaultDataDir(env)): string {
  if (env.TESSERA_USER) return env.TESSERA_USER
  const saved = new PreferenceStore(dataDir, (message) => process.stderr.write(`${message}\n`)).savedName
  return saved ?? (env.USER || env.USERNAME || 'tessera-cli')
}
