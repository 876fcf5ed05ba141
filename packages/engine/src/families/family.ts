import type * as tf from '@tensorflow/tfjs';
import type { Config, SearchSpace } from './space.ts';

/**
 * The tensor one sample is, whatever its modality: a grid [H, W, C] (an image, or a log-mel as a one-channel
 * picture), a sequence/window [T, C], a feature vector [F], or token ids [seqLength] (ids stored as floats in
 * training data; int32 in the export). Its own words, so that it is not mistaken for a `Modality`.
 */
export type SampleKind = 'grid' | 'sequence' | 'vector' | 'tokens';

/** Build inputs beyond the sample shape and class count, which only some families need. */
export interface BuildContext {
  /** Text families: number of token ids (the vocabulary size, special tokens included); ids are in [0, vocabularySize). */
  vocabularySize?: number;
}

/**
 * A family of models: a search space (plain data) and a builder. Builders accept partial configs
 * (missing values take the space's defaults) and throw on unknown names or out-of-range values.
 */
export interface ModelFamily {
  readonly name: string;
  readonly description: string;
  readonly sampleKind: SampleKind;
  readonly space: SearchSpace;
  /**
   * The per-sample shape the model takes for this config given the data's: the data's own shape,
   * except where the config picks another input resolution (images are then resized to it).
   */
  modelInputShape(config: Config, dataShape: readonly number[]): number[];
  /** Seeded: same config, shape, classes and seed give the same initial weights. */
  build(config: Config, inputShape: readonly number[], numClasses: number, seed: number, context?: BuildContext): tf.LayersModel;
}

export function checkClasses(family: string, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`${family}: numClasses must be an integer ≥ 2 (got ${numClasses}).`);
}

export function checkRank(family: string, inputShape: readonly number[], rank: number, what: string): void {
  if (inputShape.length !== rank || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${family}: inputShape must be ${what} (got [${inputShape.join(', ')}]).`);
  }
}
