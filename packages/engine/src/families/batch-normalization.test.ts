// The fused training BatchNorm (wasm) against tfjs-layers' own layer on the reference cpu backend: output,
// moving averages and gradients of one training step, for odd channel counts and rank 2 too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { createRandom } from '../util/random.ts';
import { batchNormalization } from './batch-normalization.ts';

const TOLERANCE = 1e-4;

function values(count: number, seed: number, scale = 1, shift = 0): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: count }, () => (random.next() * 2 - 1) * scale + shift);
}

interface Step { results: Float32Array[]; kernels: number }

/** One training-mode step: [y, dx, dγ, dβ, moving mean, moving variance] for loss Σ y·upstream, and its kernel count. */
async function trainingStep(backend: string, layer: tf.layers.Layer, shape: number[]): Promise<Step> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
  const channels = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  // Inputs far from zero mean and unit variance, so the statistics matter.
  const x = tf.variable(tf.tensor(values(size, 1, 3, 0.5), shape));
  const upstream = tf.tensor(values(size, 2), shape);
  layer.build(shape);
  layer.setWeights([tf.tensor1d(values(channels, 3, 0.5, 1)), tf.tensor1d(values(channels, 4)), tf.zeros([channels]), tf.ones([channels])]);
  const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let y: tf.Tensor | undefined;
  let grads: tf.NamedTensorMap = {};
  const { kernels } = await tf.profile(() => {
    ({ grads } = tf.variableGrads(() => {
      const out = layer.apply(x, { training: true }) as tf.Tensor;
      y = tf.keep(out.clone());
      return tf.sum(tf.mul(out, upstream));
    }, [x, gamma, beta]));
  });
  const moving = layer.getWeights().slice(2);
  const results = await Promise.all([y!, grads[x.name], grads[gamma.name], grads[beta.name], ...moving].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, upstream, y!, ...Object.values(grads)]);
  return { results, kernels: kernels.length };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0, maxValue = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxValue = Math.max(maxValue, Math.abs(expected[i]));
  }
  return maxDiff / (maxValue || 1);
}

for (const shape of [[4, 5, 6, 8], [3, 7, 5, 3], [2, 3, 3, 13], [33, 6]]) {
  test(`training BatchNorm x=[${shape}]: fused on wasm = tfjs-layers' layer on cpu (y, dx, dγ, dβ, moving averages)`, async () => {
    await initWasmBackend();
    const expected = await trainingStep('cpu', tf.layers.batchNormalization({ momentum: 0.9 }), shape);
    const actual = await trainingStep('wasm', batchNormalization({ momentum: 0.9 }), shape);
    for (const [i, name] of ['y', 'dx', 'dγ', 'dβ', 'moving mean', 'moving variance'].entries()) {
      assert.equal(actual.results[i].length, expected.results[i].length, `${name}: size`);
      const error = relativeError(actual.results[i], expected.results[i]);
      assert.ok(error <= TOLERANCE, `${name}: relative error ${error.toExponential(2)} > ${TOLERANCE}`);
    }
    // The point of it: a handful of kernels where tfjs-layers runs dozens.
    const stock = await trainingStep('wasm', tf.layers.batchNormalization({ momentum: 0.9 }), shape);
    assert.ok(actual.kernels * 2 < stock.kernels, `fused step ran ${actual.kernels} kernels, tfjs-layers' ${stock.kernels}`);
  });
}

test('the fused layer saves as a plain BatchNormalization and runs inference through the original code', async () => {
  await initWasmBackend();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4 }), batchNormalization({ name: 'bn' })] });
  assert.equal(model.getLayer('bn').getClassName(), 'BatchNormalization');
  const json = model.toJSON(null, false) as tf.serialization.ConfigDict & { config: { layers: { class_name: string }[] } };
  assert.deepEqual(json.config.layers.map((l) => l.class_name), ['Dense', 'BatchNormalization']);
  const input = tf.tensor2d([[1, 2, 3]]);
  const fused = model.predict(input) as tf.Tensor;
  const reloaded = await tf.models.modelFromJSON(json);
  reloaded.setWeights(model.getWeights());
  assert.deepEqual(await fused.data(), await (reloaded.predict(input) as tf.Tensor).data());
  tf.dispose([input, fused]);
});
