/** Export (SA-1B, COCO, bundles) and import (bundles, SA-1B / COCO files) of a project's masks. */
export { ExchangeError, type ExchangeErrorReason } from './exchange-error'
export { DEFAULT_EXPORT_STATES, ExportSelection, passesQuality, type ExportFilter, type ImageSelection } from './export-filter'
export {
  exportSa1b,
  exportStem,
  sa1bDocument,
  type ExportFrame,
  type ExportResult,
  type Sa1bAnnotation,
  type Sa1bDocument,
  type Sa1bExportOptions,
} from './export-sa1b'
export { COCO_CATEGORY, COCO_IMAGES_FOLDER, exportCoco, writeCoco, type CocoExportOptions } from './export-coco'
export { ExportImageWriter, type ExportImageFiles } from './export-image-files'
export { writeBundle, type BundleOptions, type BundleResult } from './bundle'
export { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, DEFAULT_BUNDLE_LIMITS, type BundleLimits, type BundleManifest } from './bundle-format'
export { importBundle, verifyBundle, type BundleImportOptions, type BundleImportResult } from './import-bundle'
export { importAnnotationFiles, type AnnotationImportOptions, type AnnotationImportResult } from './import-annotations'
export { statusWins, type ImportCounts } from './import-stage'
export { importFiles, isBundlePath, type FilesImportOptions, type FilesImportResult } from './import-files'
export { resampleRleNearest, scaleBox, scalePoints } from './mask-resample'
export { extractBundleImages, type ExtractedImages } from './extract-bundle-images'
