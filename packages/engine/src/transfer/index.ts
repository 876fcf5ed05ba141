export { BACKBONES, loadBackbone } from './backbones.ts';
export type { Backbone, BackboneInfo, BackboneName } from './backbones.ts';
export { composeClassifier, embedSamples, embeddingKey } from './embed.ts';
export type { EmbedOptions, EmbeddingCache } from './embed.ts';
