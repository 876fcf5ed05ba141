import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TfliteSession, loadLiteRtNode, parseModel } from '@offgrid/tflite';
import { UnsupportedLayerError, exportTflite } from './index.ts';

const NUM_CLASSES = 5;

/** Seeded weights; BatchNorm statistics away from the identity so folding is really exercised. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
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
function productModel(): tf.LayersModel {
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
function residualModel(output: 'probabilities' | 'featureMap' = 'probabilities'): tf.LayersModel {
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
function nestedModel(): tf.LayersModel {
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

async function assertMatches(model: tf.LayersModel, seed: number, runs = 4, tolerance = 1e-4): Promise<void> {
  randomizeWeights(model, seed);
  const bytes = await exportTflite(model, { description: 'test export' });
  assert.equal(parseModel(bytes).description, 'test export');
  const session = await TfliteSession.create(bytes);
  try {
    const inputShape = [1, ...(model.inputs[0].shape.slice(1) as number[])];
    assert.deepEqual(session.inputShapes, [inputShape]);
    for (let run = 0; run < runs; run++) {
      const x = tf.randomUniform(inputShape, -1, 2, 'float32', seed * 100 + run);
      const expected = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      const [actual] = await session.run([x.dataSync() as Float32Array]);
      x.dispose();
      assert.equal(actual.length, expected.length);
      const maxError = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
      assert.ok(maxError <= tolerance, `run ${run}: max abs error ${maxError} > ${tolerance}`);
    }
  } finally {
    session.close();
  }
}

before(async () => {
  await tf.setBackend('cpu');
  await loadLiteRtNode();
});
after(() => tf.disposeVariables());

test('product CNN exports and matches model.predict in LiteRT.js', async () => {
  const model = productModel();
  await assertMatches(model, 1);
  const parsed = parseModel(await exportTflite(model));
  assert.deepEqual(parsed.operators.map((o) => o.op), ['CONV_2D', 'MAX_POOL_2D', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX']);
  assert.deepEqual(parsed.tensors[parsed.outputs[0]].shape, [1, NUM_CLASSES]);
});

test('residual model with BatchNorm, depthwise, add, pad, concat matches', async () => {
  const model = residualModel();
  await assertMatches(model, 2);
  const ops = parseModel(await exportTflite(model)).operators.map((o) => o.op);
  // Three BatchNorms fold away; the one after the Add stays as MUL + ADD.
  assert.equal(ops.filter((op) => op === 'MUL').length, 1);
  assert.equal(ops.includes('RELU'), false, 'ReLU layer fused into the conv');
});

test('residual model feature map (before global pooling) matches value by value', async () => {
  await assertMatches(residualModel('featureMap'), 4);
});

test('nested backbone model exports', async () => {
  await assertMatches(nestedModel(), 3);
});

test('less common layers: Rescaling, Dense on a feature map, Reshape, Softmax/ReLU6/tanh layers', async () => {
  const input = tf.input({ shape: [6, 6, 3] });
  let x = tf.layers.rescaling({ scale: 1 / 2, offset: -0.25 }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 4, activation: 'tanh' }).apply(x) as tf.SymbolicTensor; // [1,6,6,4]
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor; // [1,3,3,4]
  x = tf.layers.reshape({ targetShape: [9, 4] }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const output = tf.layers.softmax().apply(x) as tf.SymbolicTensor;
  await assertMatches(tf.model({ inputs: input, outputs: output }), 5);
});

test('unsupported layer throws an error naming the layer and its class', async () => {
  const input = tf.input({ shape: [10, 4] });
  const lstm = tf.layers.lstm({ units: 8, name: 'my_lstm' }).apply(input) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(lstm) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  await assert.rejects(exportTflite(model), (error: Error) => {
    assert.ok(error instanceof UnsupportedLayerError);
    assert.match(error.message, /"my_lstm" \(LSTM\)/);
    return true;
  });
});

test('unsupported option throws naming the layer', async () => {
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'elu', name: 'elu_conv' })],
  });
  await assert.rejects(exportTflite(model), /"elu_conv" \(Conv2D\).*activation "elu"/);
});
