import type * as tf from '@tensorflow/tfjs';
import type { Random } from '../util/random.ts';

/**
 * tfjs' Dropout reuses its fixed `seed` on every call, i.e. the same mask every step. Giving each
 * training step a fresh seed from the run's generator keeps masks varied and runs reproducible. The same
 * holds for the families' seeded input noise (SeededGaussianNoise, class name 'GaussianNoise').
 */
export function reseedDropout(model: tf.LayersModel, random: Random): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout' || layer.getClassName() === 'GaussianNoise') (layer as unknown as { seed: number }).seed = random.nextSeed();
  }
}
