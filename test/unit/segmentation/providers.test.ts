import { describe, expect, it } from 'vitest'
import { SegmentationError } from '../../../src-main/core/segmentation/errors'
import { planProviders, withProviderFallback } from '../../../src-main/core/segmentation/worker/providers'
import type { ExecutionProvider, SupportedBackend } from '../../../src-main/core/segmentation/worker/providers'

const backends = (...names: string[]): SupportedBackend[] => names.map((name) => ({ name, bundled: name === 'cpu' }))

describe('planProviders', () => {
  it.each<[string, NodeJS.Platform, SupportedBackend[], ExecutionProvider[]]>([
    ['auto', 'linux', backends('cpu', 'cuda'), ['cuda', 'cpu']],
    ['auto', 'win32', backends('cpu', 'dml'), ['dml', 'cpu']],
    ['auto', 'darwin', backends('cpu', 'coreml'), ['coreml', 'cpu']],
    ['auto', 'freebsd', backends('cpu'), ['cpu']],
    ['cuda', 'linux', backends('cpu', 'cuda'), ['cuda', 'cpu']],
    ['cpu', 'linux', backends('cpu', 'cuda'), ['cpu']],
  ])('%s on %s tries %j', (preference, platform, supported, order) => {
    expect(planProviders(preference as ExecutionProvider | 'auto', platform, supported).order).toEqual(order)
  })

  it('says why a provider is not tried', () => {
    expect(planProviders('auto', 'linux', backends('cpu')).skipped).toEqual([
      {
        provider: 'cuda',
        used: false,
        reason: 'CUDA is not installed with this onnxruntime-node (its GPU libraries were not downloaded at install; see the README)',
      },
    ])
    expect(planProviders('cuda', 'darwin', backends('cpu', 'coreml')).skipped).toEqual([
      { provider: 'cuda', used: false, reason: 'CUDA is not offered on darwin' },
    ])
    expect(planProviders('cpu', 'win32', backends('cpu', 'dml')).skipped).toEqual([
      { provider: 'dml', used: false, reason: 'not requested: the CPU is selected in the settings' },
    ])
  })
})

describe('withProviderFallback', () => {
  const plan = planProviders('auto', 'linux', backends('cpu', 'cuda'))

  it('uses the GPU provider when it starts', async () => {
    const outcome = await withProviderFallback(
      plan,
      async (p) => `session on ${p}`,
      () => false,
    )
    expect(outcome.provider).toBe('cuda')
    expect(outcome.attempts).toEqual([{ provider: 'cuda', used: true, reason: 'CUDA started' }])
  })

  it('falls back to CPU and records why the GPU provider was not used', async () => {
    const outcome = await withProviderFallback(
      plan,
      async (p) => {
        if (p === 'cuda') throw new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library\nmore detail')
        return 'cpu session'
      },
      () => false,
    )
    expect(outcome.value).toBe('cpu session')
    expect(outcome.attempts).toEqual([
      {
        provider: 'cuda',
        used: false,
        reason: 'failed to start: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
      },
      { provider: 'cpu', used: true, reason: 'fallback: CUDA not used' },
    ])
  })

  it('stops at once on a model error (no provider would do better)', async () => {
    const tried: string[] = []
    const corrupt = new SegmentationError('model_corrupt', 'not an ONNX model')
    await expect(
      withProviderFallback(
        plan,
        async (p) => {
          tried.push(p)
          throw corrupt
        },
        (e) => e instanceof SegmentationError,
      ),
    ).rejects.toBe(corrupt)
    expect(tried).toEqual(['cuda'])
  })

  it('throws the last error when no provider starts', async () => {
    await expect(
      withProviderFallback(
        plan,
        async (p) => Promise.reject(new Error(`${p} broken`)),
        () => false,
      ),
    ).rejects.toThrow('cpu broken')
  })
})
