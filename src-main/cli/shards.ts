/** Splitting a project's images across machines: stable shards by content hash. */

/** Shard of an image: its content hash, read as a number, modulo the shard count. */
export function shardOf(contentHash: string, count: number): number {
  return Number.parseInt(contentHash.slice(0, 12), 16) % count
}

/** "i/n" from the flag, or from a scheduler's environment (Slurm array, Kubernetes indexed Job). */
export function parseShard(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { index: number; count: number } | null {
  const spec =
    flag ??
    (env.TESSERA_SHARD_COUNT
      ? `${env.TESSERA_SHARD_INDEX ?? env.SLURM_ARRAY_TASK_ID ?? env.JOB_COMPLETION_INDEX ?? ''}/${env.TESSERA_SHARD_COUNT}`
      : undefined)
  if (spec === undefined) return null
  const match = /^(\d+)\/(\d+)$/.exec(spec)
  if (!match) throw new Error(`--shard takes i/n (for example 3/16), got "${spec}"`)
  const index = Number(match[1])
  const count = Number(match[2])
  if (count < 1 || index >= count) throw new Error(`shard ${index}/${count} does not exist: i must be below n`)
  return { index, count }
}
