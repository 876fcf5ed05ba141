import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { initWasmBackend } from '../backend/index.ts';
import { crossEntropy } from '../train/evaluate.ts';
import { createRandom } from '../util/random.ts';
import { createSmallCnn } from './small-cnn.ts';

await initWasmBackend();

/** Loss and every weight gradient of one training step, on the given backend. */
async function trainingStepGradients(backend: string): Promise<{ loss: number; grads: Float32Array[] }> {
  assert.ok(await tf.setBackend(backend));
  const random = createRandom(11);
  const x = tf.tensor4d(Float32Array.from({ length: 4 * 32 * 32 * 3 }, () => random.next() * 2 - 1), [4, 32, 32, 3]);
  const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
  const model = createSmallCnn({ numClasses: 3, seed: 9 });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, labels), variables);
  const result = { loss: (await value.data())[0], grads: await Promise.all(variables.map(async (v) => (await grads[v.name].data()) as Float32Array)) };
  tf.dispose([x, labels, value, ...Object.values(grads)]);
  model.dispose();
  return result;
}

test('small CNN has the fixed architecture', () => {
  const model = createSmallCnn({ numClasses: 5 });
  assert.deepEqual(model.layers.map((l) => l.getClassName()), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Dense']);
  assert.deepEqual(model.outputs[0].shape, [null, 5]);
  assert.equal(model.countParams(), 3 * 3 * 3 * 16 + 16 + 3 * 3 * 16 * 32 + 32 + 8 * 8 * 32 * 32 + 32 + 32 * 5 + 5);
  model.dispose();
});

test('same seed, same initial weights; another seed, other weights', async () => {
  const weights = async (seed: number): Promise<number[]> => {
    const model = createSmallCnn({ numClasses: 2, seed });
    const values = Array.from(await model.getWeights()[0].data());
    model.dispose();
    return values;
  };
  assert.deepEqual(await weights(1), await weights(1));
  assert.notDeepEqual(await weights(1), await weights(2));
});

test('a full training step on wasm matches the cpu backend (all weight gradients)', async () => {
  const cpu = await trainingStepGradients('cpu');
  const wasm = await trainingStepGradients('wasm');
  assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `loss ${wasm.loss} vs ${cpu.loss}`);
  cpu.grads.forEach((expected, i) => {
    const scale = Math.max(...expected.map(Math.abs), 1e-12);
    const error = Math.max(...expected.map((e, j) => Math.abs(wasm.grads[i][j] - e))) / scale;
    assert.ok(error <= 1e-4, `weight ${i}: relative error ${error.toExponential(2)}`);
  });
});
