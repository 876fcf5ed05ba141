import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { checkClasses, checkRank, type ModelFamily } from './family.ts';
import { batchNormalization } from './batch-normalization.ts';
import { num, resolveConfig, type Config, type SearchSpace } from './space.ts';

/** MobileNetV1's pointwise filters and strides, block by block (width multiplier 1). */
export const MOBILENET_BLOCKS: readonly (readonly [filters: number, stride: number])[] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1],
];

const SPACE: SearchSpace = [
  { name: 'widthMultiplier', type: 'categorical', choices: [0.25, 0.5, 0.75, 1], default: 0.5, description: 'scales every layer\'s channels (MobileNet alpha)' },
  { name: 'resolution', type: 'categorical', choices: ['data', 32, 48, 64, 96, 128], default: 'data', description: 'square input side; "data" keeps the data\'s size' },
  { name: 'blocks', type: 'int', low: 2, high: MOBILENET_BLOCKS.length, default: 5, description: 'depthwise-separable blocks after the stem' },
  { name: 'dropout', type: 'float', low: 0, high: 0.5, default: 0.2 },
];

const channels = (filters: number, alpha: number): number => Math.max(8, Math.round(filters * alpha));

function inputShapeFor(config: Config, dataShape: readonly number[]): number[] {
  const c = resolveConfig(SPACE, config, 'mobilenet');
  if (c.resolution === 'data') return [...dataShape];
  return [num(c, 'resolution'), num(c, 'resolution'), dataShape[2]];
}

/**
 * MobileNet-like net from scratch: stem conv 3×3/2 (32·α) → BN → ReLU6, then `blocks`
 * depthwise-separable blocks [depthwise 3×3 → BN → ReLU6 → conv 1×1 → BN → ReLU6] with
 * MobileNetV1's filters and strides, → global average pool → dropout → dense softmax.
 */
export const mobileNetFamily = Object.freeze<ModelFamily>({
  name: 'mobilenet',
  description: 'MobileNet-like CNN from scratch for images (width multiplier, input resolution, depthwise-separable blocks with BN + ReLU6).',
  sampleKind: 'grid',
  space: SPACE,
  modelInputShape: inputShapeFor,
  build(config, inputShape, numClasses, seed) {
    const c = resolveConfig(SPACE, config, 'mobilenet');
    checkClasses('mobilenet', numClasses);
    checkRank('mobilenet', inputShape, 3, '[height, width, channels]');
    const alpha = num(c, 'widthMultiplier');
    const random = createRandom(seed);
    const init = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
    const model = tf.sequential({ name: 'mobilenet_like' });
    const bnRelu6 = (name: string): void => {
      model.add(batchNormalization({ name: `${name}_bn` }));
      model.add(tf.layers.reLU({ name: `${name}_relu6`, maxValue: 6 }));
    };
    model.add(tf.layers.conv2d({ name: 'stem', inputShape: [...inputShape], filters: channels(32, alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init() }));
    bnRelu6('stem');
    MOBILENET_BLOCKS.slice(0, num(c, 'blocks')).forEach(([filters, stride], i) => {
      const name = `block${i + 1}`;
      model.add(tf.layers.depthwiseConv2d({ name: `${name}_dw`, kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: init() }));
      bnRelu6(`${name}_dw`);
      model.add(tf.layers.conv2d({ name: `${name}_pw`, filters: channels(filters, alpha), kernelSize: 1, useBias: false, kernelInitializer: init() }));
      bnRelu6(`${name}_pw`);
    });
    model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
    model.add(tf.layers.dropout({ name: 'dropout', rate: num(c, 'dropout'), seed: random.nextSeed() }));
    model.add(tf.layers.dense({ name: 'logits', units: numClasses, activation: 'softmax', kernelInitializer: init() }));
    return model;
  },
});
