import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { num, resolveConfig, type Config, type SearchSpace } from '../families/space.ts';

/** Hyperparameters of the dense autoencoder, as plain data like the families' spaces. */
export const AUTOENCODER_SPACE: SearchSpace = Object.freeze([
  { name: 'layers', type: 'int', low: 1, high: 3, default: 2, description: 'dense layers in the encoder (mirrored by the decoder)' },
  { name: 'bottleneck', type: 'int', low: 2, high: 64, log: true, default: 8, description: 'units of the code layer; encoder layers double it outward' },
  { name: 'activation', type: 'categorical', choices: ['relu', 'tanh'], default: 'relu' },
]);

/**
 * Dense autoencoder over a feature vector [F]: encoder dense layers narrowing to `bottleneck`,
 * a mirrored decoder, and a linear [F] reconstruction. Seeded.
 */
export function buildAutoencoder(config: Config, features: number, seed: number): tf.Sequential {
  const c = resolveConfig(AUTOENCODER_SPACE, config, 'autoencoder');
  if (!Number.isInteger(features) || features < 2) throw new Error(`autoencoder: needs at least 2 input features (got ${features}).`);
  const random = createRandom(seed);
  const init = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
  const layers = num(c, 'layers');
  const widths = Array.from({ length: layers }, (_, i) => Math.min(features, num(c, 'bottleneck') * 2 ** (layers - 1 - i)));
  const activation = c.activation as 'relu' | 'tanh';
  const model = tf.sequential({ name: 'autoencoder' });
  widths.forEach((units, i) => model.add(tf.layers.dense({ name: `encoder${i + 1}`, units, activation, kernelInitializer: init(), ...(i === 0 ? { inputShape: [features] } : {}) })));
  widths.slice(0, -1).reverse().forEach((units, i) => model.add(tf.layers.dense({ name: `decoder${i + 1}`, units, activation, kernelInitializer: init() })));
  model.add(tf.layers.dense({ name: 'reconstruction', units: features, kernelInitializer: init() }));
  return model;
}
