/** Variant detection and one adapter per SAM variant behind a single interface. */
import { EdgeSamAdapter } from './edge-sam'
import { EfficientSamAdapter } from './efficient-sam'
import { SamHqAdapter } from './sam-hq'
import { SamOfficialAdapter } from './sam-official'
import { Sam2Adapter } from './sam2'
import type { DetectedModel } from './detect'
import type { VariantAdapter } from './types'

export function createVariantAdapter(model: DetectedModel): VariantAdapter {
  switch (model.decoder.variant) {
    case 'sam-official':
      return new SamOfficialAdapter(model)
    case 'sam-hq':
      return new SamHqAdapter(model)
    case 'edge-sam':
      return new EdgeSamAdapter(model)
    case 'efficient-sam':
      return new EfficientSamAdapter(model)
    case 'sam2':
      return new Sam2Adapter(model)
  }
}

export { detectVariant, describeSignature, signatureFromMetadata, ModelSignatureError, VARIANT_EXPECTATIONS } from './detect'
export type { DecoderBinding, DetectedModel, EncoderBinding, EncoderInputForm, ValueMetadataLike } from './detect'
export { VARIANT_IDS } from './types'
export type * from './types'
