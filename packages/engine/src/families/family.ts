import type * as tf from '@tensorflow/tfjs';
import type { Config, SearchSpace } from './space.ts';

/** What one sample looks like: an image [H, W, C], a sequence/window [T, C] or a feature vector [F]. */
export type SampleKind = 'image' | 'sequence' | 'vector';

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
  build(config: Config, inputShape: readonly number[], numClasses: number, seed: number): tf.LayersModel;
}

export function checkClasses(family: string, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`${family}: numClasses must be an integer ≥ 2 (got ${numClasses}).`);
}

export function checkRank(family: string, inputShape: readonly number[], rank: number, what: string): void {
  if (inputShape.length !== rank || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${family}: inputShape must be ${what} (got [${inputShape.join(', ')}]).`);
  }
}
