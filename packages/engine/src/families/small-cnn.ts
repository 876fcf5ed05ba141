import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { checkClasses, checkRank, type ModelFamily } from './family.ts';
import { batchNormalization } from './batch-normalization.ts';
import { num, resolveConfig, type SearchSpace } from './space.ts';

const SPACE: SearchSpace = [
  { name: 'blocks', type: 'int', low: 1, high: 4, default: 2, description: 'conv → (BN) → relu → maxpool 2 blocks' },
  { name: 'filters', type: 'int', low: 8, high: 64, log: true, default: 16, description: 'filters of the first block; doubled per block' },
  { name: 'kernelSize', type: 'categorical', choices: [3, 5], default: 3 },
  { name: 'batchNorm', type: 'categorical', choices: [false, true], default: false },
  { name: 'denseUnits', type: 'int', low: 16, high: 256, log: true, default: 32 },
  { name: 'dropout', type: 'float', low: 0, high: 0.5, default: 0.25 },
];

/**
 * The product's small CNN generalised: `blocks` × [conv k×k same relu → maxpool 2] → flatten →
 * dense relu → dropout → dense softmax. The defaults are the first product CNN (conv16-pool-conv32-pool-dense32).
 * A block pools only while the feature map is at least 2 pixels high and wide.
 */
export const smallCnnFamily = Object.freeze<ModelFamily>({
  name: 'small-cnn',
  description: 'Small CNN from scratch for images (conv/pool blocks, dense head).',
  sampleKind: 'grid',
  space: SPACE,
  modelInputShape: (_config, dataShape) => [...dataShape],
  build(config, inputShape, numClasses, seed) {
    const c = resolveConfig(SPACE, config, 'small-cnn');
    checkClasses('small-cnn', numClasses);
    checkRank('small-cnn', inputShape, 3, '[height, width, channels]');
    const random = createRandom(seed);
    const kernel = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
    const model = tf.sequential({ name: 'small_cnn' });
    let [h, w] = inputShape;
    for (let b = 0; b < num(c, 'blocks'); b++) {
      const filters = num(c, 'filters') * 2 ** b;
      const first = b === 0 ? { inputShape: [...inputShape] } : {};
      if (c.batchNorm) {
        model.add(tf.layers.conv2d({ ...first, name: `conv${b + 1}`, filters, kernelSize: num(c, 'kernelSize'), padding: 'same', useBias: false, kernelInitializer: kernel() }));
        model.add(batchNormalization({ name: `bn${b + 1}` }));
        model.add(tf.layers.reLU({ name: `relu${b + 1}` }));
      } else {
        model.add(tf.layers.conv2d({ ...first, name: `conv${b + 1}`, filters, kernelSize: num(c, 'kernelSize'), padding: 'same', activation: 'relu', kernelInitializer: kernel() }));
      }
      if (h >= 2 && w >= 2) {
        model.add(tf.layers.maxPooling2d({ name: `pool${b + 1}`, poolSize: 2 }));
        [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
      }
    }
    model.add(tf.layers.flatten({ name: 'flatten' }));
    model.add(tf.layers.dense({ name: 'dense1', units: num(c, 'denseUnits'), activation: 'relu', kernelInitializer: kernel() }));
    model.add(tf.layers.dropout({ name: 'dropout', rate: num(c, 'dropout'), seed: random.nextSeed() }));
    model.add(tf.layers.dense({ name: 'logits', units: numClasses, activation: 'softmax', kernelInitializer: kernel() }));
    return model;
  },
});
