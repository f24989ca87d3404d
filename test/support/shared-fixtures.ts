/**
 * Locates the read-only fixtures in `../shared/fixtures` (real photos and a real SA-1B file).
 * They live beside the checkout, never inside it: a clone of the project alone must still pass,
 * so suites that need them skip with a printed reason when the folder is absent.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Absolute path of the shared fixtures folder, or null when it is not beside this checkout. */
export function sharedFixturesDir(): string | null {
  const candidates = [process.env.TESSERA_SHARED_FIXTURES, join(REPO_ROOT, '..', 'shared', 'fixtures')]
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'README.md'))) return dir
  }
  return null
}

/** Path of one fixture file, or null (with a printed reason) when the shared folder is missing. */
export function sharedFixture(relativePath: string, suite: string): string | null {
  const dir = sharedFixturesDir()
  if (!dir) {
    console.warn(`[skipped] ${suite}: ../shared/fixtures is not beside this checkout, so ${relativePath} cannot be read`)
    return null
  }
  const file = join(dir, relativePath)
  if (!existsSync(file)) {
    console.warn(`[skipped] ${suite}: ${file} does not exist`)
    return null
  }
  return file
}
