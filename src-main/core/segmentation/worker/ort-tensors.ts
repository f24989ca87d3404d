/** Conversions between the adapters' plain tensors and onnxruntime's, without copying data. */
import * as ort from 'onnxruntime-node'
import { SegmentationError } from '../errors'
import { signatureFromMetadata } from '../variants/detect'
import type { ModelSignature, TensorData, TensorMap } from '../variants/types'

export function toOrtFeeds(feeds: TensorMap): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {}
  for (const [name, t] of Object.entries(feeds)) {
    out[name] = t.type === 'float32' ? new ort.Tensor('float32', t.data, t.dims) : new ort.Tensor('int64', t.data, t.dims)
  }
  return out
}

export function fromOrtOutputs(outputs: ort.InferenceSession.OnnxValueMapType): TensorMap {
  const out: Record<string, TensorData> = {}
  for (const [name, value] of Object.entries(outputs)) {
    if (value.type === 'float32') out[name] = { type: 'float32', data: value.data as Float32Array, dims: value.dims }
    else if (value.type === 'int64') out[name] = { type: 'int64', data: value.data as BigInt64Array, dims: value.dims }
    else throw new SegmentationError('inference_failed', `output ${name} has type ${value.type}, which no SAM variant returns`)
  }
  return out
}

export function sessionSignature(session: ort.InferenceSession): ModelSignature {
  return signatureFromMetadata(session)
}
