import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseShard, shardOf } from '../../../src-main/cli/shards'

describe('shards', () => {
  it('reads i/n from the flag, or from Slurm / Kubernetes / Tessera variables', () => {
    expect(parseShard('3/16', {})).toEqual({ index: 3, count: 16 })
    expect(parseShard(undefined, {})).toBeNull()
    expect(parseShard(undefined, { TESSERA_SHARD_COUNT: '8', SLURM_ARRAY_TASK_ID: '5' })).toEqual({ index: 5, count: 8 })
    expect(parseShard(undefined, { TESSERA_SHARD_COUNT: '4', JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 0, count: 4 })
    expect(parseShard(undefined, { TESSERA_SHARD_COUNT: '4', TESSERA_SHARD_INDEX: '2', SLURM_ARRAY_TASK_ID: '1' })).toEqual({
      index: 2,
      count: 4,
    })
    expect(() => parseShard('4/4', {})).toThrow(/below n/)
    expect(() => parseShard('x', {})).toThrow(/takes i\/n/)
    expect(() => parseShard(undefined, { TESSERA_SHARD_COUNT: '4' })).toThrow(/takes i\/n/)
  })

  it('puts every image in exactly one shard, the same on every machine', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), fc.integer({ min: 1, max: 64 }), (hash, count) => {
        const shard = shardOf(hash, count)
        expect(shard).toBeGreaterThanOrEqual(0)
        expect(shard).toBeLessThan(count)
        expect(shardOf(hash, count)).toBe(shard)
      }),
    )
  })
})
