import * as tf from '@tensorflow/tfjs';
import { createRandom, type Random } from '../util/random.ts';

export interface SmallCnnOptions {
  numClasses: number;
  /** [height, width, channels]; the product uses [32, 32, 3]. Height and width must be ≥ 4 (two 2x2 pools). */
  inputShape?: [number, number, number];
  /** Seeds every initializer (and, through `reseedDropout`, every dropout mask): same seed, same model. */
  seed?: number;
}

export const SMALL_CNN_INPUT_SHAPE: [number, number, number] = [32, 32, 3];

/**
 * The fixed model the product trains today:
 * conv 16 3x3 relu same → maxpool 2 → conv 32 3x3 relu same → maxpool 2 → flatten →
 * dense 32 relu → dropout 0.25 → dense numClasses softmax.
 * Only layers the TFLite exporter maps one to one (CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX).
 */
export function createSmallCnn(options: SmallCnnOptions): tf.Sequential {
  const { numClasses, inputShape = SMALL_CNN_INPUT_SHAPE, seed = 0 } = options;
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`numClasses must be an integer ≥ 2 (got ${numClasses}).`);
  if (inputShape[0] < 4 || inputShape[1] < 4) throw new Error(`input height and width must be ≥ 4 for two 2x2 pools (got ${inputShape.join('x')}).`);
  const random = createRandom(seed);
  const kernel = (): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: random.nextSeed() });
  const model = tf.sequential({ name: 'small_cnn' });
  model.add(tf.layers.conv2d({ name: 'conv1', inputShape, filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: kernel() }));
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tf.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: kernel() }));
  model.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'dense1', units: 32, activation: 'relu', kernelInitializer: kernel() }));
  model.add(tf.layers.dropout({ name: 'dropout', rate: 0.25, seed: random.nextSeed() }));
  model.add(tf.layers.dense({ name: 'logits', units: numClasses, activation: 'softmax', kernelInitializer: kernel() }));
  return model;
}

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
