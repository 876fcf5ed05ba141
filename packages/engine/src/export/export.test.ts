import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TfliteSession, loadLiteRtNode, parseModel } from '@offgrid/tflite';
import { UnsupportedLayerError } from './errors.ts';
import { exportTflite } from './export-tflite.ts';
import { NUM_CLASSES, nestedModel, productModel, randomizeWeights, residualModel } from './test-models.ts';

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
