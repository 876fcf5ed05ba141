import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { checkClasses, type ModelFamily } from './family.ts';
import { batchNormalization } from './batch-normalization.ts';
import { SeededGaussianNoise } from './gaussian-noise.ts';
import { num, resolveConfig, type SearchSpace } from './space.ts';

const SPACE: SearchSpace = [
  { name: 'layers', type: 'int', low: 1, high: 4, default: 2, description: 'hidden dense layers' },
  { name: 'units', type: 'int', low: 16, high: 512, log: true, default: 128, description: 'units of the first hidden layer; halved per layer (≥ 8)' },
  { name: 'activation', type: 'categorical', choices: ['relu', 'tanh'], default: 'relu' },
  { name: 'batchNorm', type: 'categorical', choices: [false, true], default: false },
  { name: 'dropout', type: 'float', low: 0, high: 0.5, default: 0.1 },
  { name: 'l2', type: 'float', low: 1e-6, high: 1e-2, log: true, default: 1e-5, description: 'weight decay: L2 penalty on every dense kernel' },
  {
    name: 'inputNoise', type: 'float', low: 0, high: 0.3, default: 0,
    description: 'std of Gaussian noise added to the (standardized) inputs while training; an identity in the exported model',
  },
];

/**
 * Multi-layer perceptron for feature vectors (tabular data, embeddings): (input noise) → [dense → (BN) → act → dropout]
 * × layers → dense softmax. On a few hundred rows an MLP overfits within a few epochs: weight decay and input noise
 * are the regularizers that let it train long enough to beat a linear model there (issue #19).
 */
export const mlpFamily = Object.freeze<ModelFamily>({
  name: 'mlp',
  description: 'Multi-layer perceptron for feature vectors (tabular data, embeddings).',
  sampleKind: 'vector',
  space: SPACE,
  modelInputShape: (_config, dataShape) => [...dataShape],
  build(config, inputShape, numClasses, seed) {
    const c = resolveConfig(SPACE, config, 'mlp');
    checkClasses('mlp', numClasses);
    if (inputShape.length < 1 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`mlp: invalid inputShape [${inputShape.join(', ')}].`);
    const random = createRandom(seed);
    const init = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
    const model = tf.sequential({ name: 'mlp' });
    let first: { inputShape?: number[] } = { inputShape: [...inputShape] };
    if (num(c, 'inputNoise') > 0) {
      // Only active in training mode (the trainer's model.apply with training: true); the exporter passes it through.
      model.add(new SeededGaussianNoise({ ...first, name: 'input_noise', stddev: num(c, 'inputNoise'), seed: random.nextSeed() }));
      first = {};
    }
    if (inputShape.length > 1) {
      model.add(tf.layers.flatten({ ...first, name: 'flatten' }));
      first = {};
    }
    const kernelRegularizer = () => tf.regularizers.l2({ l2: num(c, 'l2') });
    for (let i = 0; i < num(c, 'layers'); i++) {
      const units = Math.max(8, Math.round(num(c, 'units') / 2 ** i));
      const activation = c.activation as 'relu' | 'tanh';
      const layerInput = i === 0 ? first : {};
      if (c.batchNorm) {
        model.add(tf.layers.dense({ ...layerInput, name: `dense${i + 1}`, units, useBias: false, kernelInitializer: init(), kernelRegularizer: kernelRegularizer() }));
        model.add(batchNormalization({ name: `bn${i + 1}` }));
        model.add(tf.layers.activation({ name: `act${i + 1}`, activation }));
      } else {
        model.add(tf.layers.dense({ ...layerInput, name: `dense${i + 1}`, units, activation, kernelInitializer: init(), kernelRegularizer: kernelRegularizer() }));
      }
      if (num(c, 'dropout') > 0) model.add(tf.layers.dropout({ name: `dropout${i + 1}`, rate: num(c, 'dropout'), seed: random.nextSeed() }));
    }
    model.add(tf.layers.dense({ name: 'logits', units: numClasses, activation: 'softmax', kernelInitializer: init(), kernelRegularizer: kernelRegularizer() }));
    return model;
  },
});
