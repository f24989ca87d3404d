/** The official SAM ViT-B/L/H + MobileSAM path: preprocessing, decoder feeds, postprocessing. */
export * from './preprocess'
export * from './decoder-feeds'
export * from './postprocess'
