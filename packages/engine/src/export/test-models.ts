/**
 * Models the export tests and benchmarks share: the product CNN, a residual model covering
 * every lowering (BatchNorm folded and standalone, depthwise, Add, padding, concat), a nested
 * backbone, and a MobileNet-like net. Seeded weight randomization keeps results reproducible.
 */
import * as tf from '@tensorflow/tfjs';

export const NUM_CLASSES = 5;

/** Seeded weights; BatchNorm statistics away from the identity so folding is really exercised. */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const ranges: Record<string, [number, number]> = {
    gamma: [0.5, 1.5], beta: [-0.5, 0.5], moving_mean: [-0.5, 0.5], moving_variance: [0.5, 1.5], bias: [-0.2, 0.2],
  };
  model.setWeights(
    model.weights.map((w, i) => {
      const suffix = w.originalName.split('/').pop() as string;
      const shape = w.shape as number[];
      const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((p, d) => p * d, 1) : 1;
      const limit = Math.sqrt(3 / fanIn);
      const [min, max] = ranges[suffix] ?? [-limit, limit];
      return tf.randomUniform(shape, min, max, 'float32', seed * 1000 + i);
    }),
  );
}

/** The classifier the product trains today. */
export function productModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax' }),
    ],
  });
}

/** BatchNorm (folded and standalone), depthwise conv, residual Add, padding, concat, pooling. */
export function residualModel(output: 'probabilities' | 'featureMap' = 'probabilities'): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  const stem = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
  const stemBn = tf.layers.batchNormalization().apply(stem) as tf.SymbolicTensor;
  const stemOut = tf.layers.reLU().apply(stemBn) as tf.SymbolicTensor;
  let x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(stemOut) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu6' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([x, stemOut]) as tf.SymbolicTensor;
  const afterAdd = tf.layers.batchNormalization().apply(sum) as tf.SymbolicTensor; // cannot fold: standalone
  const padded = tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]] }).apply(afterAdd) as tf.SymbolicTensor;
  const a = tf.layers.conv2d({ filters: 6, kernelSize: 2, strides: 2, padding: 'valid', activation: 'relu' }).apply(padded) as tf.SymbolicTensor;
  const b = tf.layers.averagePooling2d({ poolSize: 2 }).apply(padded) as tf.SymbolicTensor;
  const both = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
  const sep = tf.layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(both) as tf.SymbolicTensor;
  // The feature map checks every value before global pooling averages errors away.
  if (output === 'featureMap') return tf.model({ inputs: input, outputs: sep });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(sep) as tf.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: 0.5 }).apply(pooled) as tf.SymbolicTensor;
  const probabilities = tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax' }).apply(dropped) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probabilities });
}

/** A frozen backbone (nested model) with a head, as transfer learning builds it. */
export function nestedModel(): tf.LayersModel {
  const backbone = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, strides: 2, activation: 'relu6', padding: 'same' }),
      tf.layers.globalMaxPooling2d({}),
    ],
  });
  const input = tf.input({ shape: [16, 16, 3] });
  const features = backbone.apply(input) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3, activation: 'sigmoid' }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

/** 32x32x3: conv 32 (stride 2) + 5 depthwise-separable blocks, BatchNorm and ReLU after each conv. */
export function mobileNetLike(numClasses = 10): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  const bnRelu = (x: tf.SymbolicTensor) => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as tf.SymbolicTensor;
  let x = bnRelu(tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor);
  const blocks: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1]];
  for (const [filters, stride] of blocks) {
    x = bnRelu(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor);
    x = bnRelu(tf.layers.conv2d({ filters, kernelSize: 1, useBias: false }).apply(x) as tf.SymbolicTensor);
  }
  const pooled = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: numClasses, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'mobilenet_like' });
}
