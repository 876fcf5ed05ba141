import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { checkClasses, checkRank, type ModelFamily } from './family.ts';
import { num, resolveConfig, type SearchSpace } from './space.ts';

const SPACE: SearchSpace = [
  { name: 'blocks', type: 'int', low: 1, high: 4, default: 2, description: 'conv → relu → maxpool 2 blocks along time' },
  { name: 'filters', type: 'int', low: 8, high: 64, log: true, default: 16, description: 'filters of the first block; doubled per block' },
  { name: 'kernelSize', type: 'categorical', choices: [3, 5, 7, 9], default: 5 },
  { name: 'dropout', type: 'float', low: 0, high: 0.5, default: 0.2 },
];

/**
 * 1-D CNN for windows of sensor or audio frames, input [steps, channels]. The convolutions are
 * written as Conv2D over a [1, steps, channels] map with 1×k kernels and 1×2 pools — numerically
 * the same as Conv1D/MaxPooling1D (tfjs itself runs conv1d as a conv2d) and exportable by our
 * TFLite exporter today, which has no Conv1D/MaxPooling1D/GlobalAveragePooling1D converters.
 */
export const cnn1dFamily = Object.freeze<ModelFamily>({
  name: 'cnn1d',
  description: '1-D CNN over time windows (sensors, audio features): conv/pool blocks along time, global average pool.',
  sampleKind: 'sequence',
  space: SPACE,
  modelInputShape: (_config, dataShape) => [...dataShape],
  build(config, inputShape, numClasses, seed) {
    const c = resolveConfig(SPACE, config, 'cnn1d');
    checkClasses('cnn1d', numClasses);
    checkRank('cnn1d', inputShape, 2, '[steps, channels]');
    const [steps, inputChannels] = inputShape;
    const random = createRandom(seed);
    const init = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
    const model = tf.sequential({ name: 'cnn1d' });
    model.add(tf.layers.reshape({ name: 'as_map', inputShape: [steps, inputChannels], targetShape: [1, steps, inputChannels] }));
    let length = steps;
    for (let b = 0; b < num(c, 'blocks'); b++) {
      model.add(tf.layers.conv2d({ name: `conv${b + 1}`, filters: num(c, 'filters') * 2 ** b, kernelSize: [1, num(c, 'kernelSize')], padding: 'same', activation: 'relu', kernelInitializer: init() }));
      if (length >= 2) {
        model.add(tf.layers.maxPooling2d({ name: `pool${b + 1}`, poolSize: [1, 2] }));
        length = Math.floor(length / 2);
      }
    }
    model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
    model.add(tf.layers.dropout({ name: 'dropout', rate: num(c, 'dropout'), seed: random.nextSeed() }));
    model.add(tf.layers.dense({ name: 'logits', units: numClasses, activation: 'softmax', kernelInitializer: init() }));
    return model;
  },
});
