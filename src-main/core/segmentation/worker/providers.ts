/**
 * Execution-provider choice: try what the platform offers (CUDA on Linux, DirectML on Windows, CoreML on
 * macOS) when the setting asks for it, fall back to CPU, and record for every provider why it was or was
 * not used — the UI shows that notice. Pure planning plus an injectable session factory, so the fallback
 * logic is tested without a GPU.
 */
export type ExecutionProvider = 'cuda' | 'dml' | 'coreml' | 'cpu'
/** 'auto' = the platform's GPU provider if it works, else CPU. */
export type ProviderPreference = 'auto' | ExecutionProvider

export const PLATFORM_GPU_PROVIDER: Readonly<Partial<Record<NodeJS.Platform, ExecutionProvider>>> = {
  linux: 'cuda',
  win32: 'dml',
  darwin: 'coreml',
}

const PROVIDER_LABEL: Record<ExecutionProvider, string> = { cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', cpu: 'CPU' }

export interface ProviderAttempt {
  readonly provider: ExecutionProvider
  /** True for the provider the sessions run on. */
  readonly used: boolean
  /** Why it runs, or why it was not used. */
  readonly reason: string
}

export interface ProviderPlan {
  /** Providers to try, in order; always ends with 'cpu'. */
  readonly order: readonly ExecutionProvider[]
  /** Providers not tried at all, with the reason. */
  readonly skipped: readonly ProviderAttempt[]
  /** A GPU provider was asked for (explicitly or by 'auto' on a platform that has one). */
  readonly gpuRequested: boolean
}

/** Backends as `ort.listSupportedBackends()` reports them. */
export interface SupportedBackend {
  readonly name: string
  readonly bundled: boolean
}

export function planProviders(
  preference: ProviderPreference,
  platform: NodeJS.Platform,
  supported: readonly SupportedBackend[],
): ProviderPlan {
  const gpu = PLATFORM_GPU_PROVIDER[platform]
  const skipped: ProviderAttempt[] = []
  const order: ExecutionProvider[] = []
  const wanted: ExecutionProvider | undefined = preference === 'auto' ? gpu : preference === 'cpu' ? undefined : preference
  if (preference === 'cpu' && gpu) {
    skipped.push({ provider: gpu, used: false, reason: `not requested: the CPU is selected in the settings` })
  }
  if (wanted && wanted !== 'cpu') {
    const listed = supported.find((b) => b.name === wanted)
    if (wanted !== gpu) {
      skipped.push({ provider: wanted, used: false, reason: `${PROVIDER_LABEL[wanted]} is not offered on ${platform}` })
    } else if (!listed) {
      skipped.push({
        provider: wanted,
        used: false,
        reason: `${PROVIDER_LABEL[wanted]} is not installed with this onnxruntime-node (its GPU libraries were not downloaded at install; see the README)`,
      })
    } else {
      order.push(wanted)
    }
  }
  order.push('cpu')
  return { order, skipped, gpuRequested: wanted !== undefined && wanted !== 'cpu' }
}

/** Creates one session on one provider; throws if the provider cannot be used. */
export type SessionFactory<S> = (provider: ExecutionProvider) => Promise<S>

/** Errors that are the model's fault, not the provider's: they end the fallback at once. */
export type ModelErrorTest = (error: unknown) => boolean

export interface ProviderOutcome<S> {
  readonly value: S
  readonly provider: ExecutionProvider
  readonly attempts: readonly ProviderAttempt[]
}

/**
 * Tries the plan's providers in order until `create` succeeds. A failure that `isModelError` recognises
 * (corrupt file…) is rethrown immediately, since no provider would do better.
 */
export async function withProviderFallback<S>(
  plan: ProviderPlan,
  create: SessionFactory<S>,
  isModelError: ModelErrorTest,
): Promise<ProviderOutcome<S>> {
  const attempts: ProviderAttempt[] = [...plan.skipped]
  let lastError: unknown = null
  for (const provider of plan.order) {
    try {
      const value = await create(provider)
      const others = attempts.filter((a) => a.provider !== 'cpu').map((a) => PROVIDER_LABEL[a.provider])
      const reason =
        provider !== 'cpu'
          ? `${PROVIDER_LABEL[provider]} started`
          : plan.gpuRequested
            ? `fallback: ${others.join(', ')} not used`
            : 'selected'
      attempts.push({ provider, used: true, reason })
      return { value, provider, attempts }
    } catch (error) {
      if (isModelError(error)) throw error
      lastError = error
      attempts.push({ provider, used: false, reason: `failed to start: ${firstLine(error)}` })
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return (message.split('\n')[0] ?? '').slice(0, 300)
}
