export { BACKBONES, loadBackbone } from './backbones.ts';
export type { Backbone, BackboneInfo, BackboneName, ImportedSource, NpmSource } from './backbones.ts';
export { composeClassifier, directoryEmbeddingCache, embedSamples, embeddingKey, isTfliteBackbone } from './embed.ts';
export type { AnyBackbone, EmbedOptions, EmbeddingCache, TfliteBackbone } from './embed.ts';
export { trainTransferHead, transferHeadFamily, transferTrainerOptions } from './head.ts';
export type { TrainTransferHeadOptions, TransferHeadResult } from './head.ts';
export { ASSUMED_NORMALIZATION, backbonesDir, importBackbone, listBackbones, loadImportedBackbone } from './registry.ts';
export type { ImportOptions, ImportResult } from './registry.ts';
export { composeTfliteClassifier, pruneTensors } from './tflite-graph.ts';
