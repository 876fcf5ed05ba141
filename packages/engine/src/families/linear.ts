import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { checkClasses, type ModelFamily } from './family.ts';
import { num, resolveConfig, type SearchSpace } from './space.ts';

const SPACE: SearchSpace = [
  { name: 'l2', type: 'float', low: 1e-6, high: 1e-1, log: true, default: 1e-4, description: 'L2 penalty on the weights' },
];

/**
 * Softmax (multinomial logistic) regression: one dense layer. On small tables it is the baseline a search
 * must never lose to, so it is in the space rather than only in a benchmark.
 */
export const linearFamily = Object.freeze<ModelFamily>({
  name: 'linear',
  description: 'Softmax regression for feature vectors: the strong baseline on small tables.',
  sampleKind: 'vector',
  space: SPACE,
  modelInputShape: (_config, dataShape) => [...dataShape],
  build(config, inputShape, numClasses, seed) {
    const c = resolveConfig(SPACE, config, 'linear');
    checkClasses('linear', numClasses);
    if (inputShape.length !== 1 || !Number.isInteger(inputShape[0]) || inputShape[0] < 1) throw new Error(`linear: inputShape must be [features] (got [${inputShape.join(', ')}]).`);
    const random = createRandom(seed);
    const model = tf.sequential({ name: 'linear' });
    model.add(tf.layers.dense({
      inputShape: [...inputShape], name: 'logits', units: numClasses, activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: random.nextSeed() }),
      kernelRegularizer: tf.regularizers.l2({ l2: num(c, 'l2') }),
    }));
    return model;
  },
});
