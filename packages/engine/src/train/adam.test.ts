import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { createRandom } from '../util/random.ts';
import { FusedAdam } from './adam.ts';

/** Runs `steps` Adam steps with the same random gradients from the same start; returns every variable and moment. */
async function train(optimizer: tf.AdamOptimizer, steps: number): Promise<Float32Array[]> {
  const random = createRandom(5);
  const values = (size: number): Float32Array => Float32Array.from({ length: size }, () => random.next() * 2 - 1);
  // Sizes with and without a 4-lane remainder, a scalar and a tiny one: every path of the kernel.
  const variables = [[3, 5], [8], [], [2, 2, 3]].map((shape, i) =>
    tf.tidy(() => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b, 1)), shape), true, `adam-test-${optimizer.constructor.name}-${i}`)));
  for (let step = 0; step < steps; step++) {
    // Gradients of every scale, zeros included (v stays 0 there: the ε path).
    const gradients = variables.map((v) => ({ name: v.name, tensor: tf.tensor(values(v.size).map((g, i) => (i % 7 === 0 ? 0 : g * 10 ** ((i % 5) - 2))), v.shape) }));
    optimizer.applyGradients(gradients);
    tf.dispose(gradients.map((g) => g.tensor));
  }
  const state = optimizer as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[]; accBeta1: tf.Variable };
  const all = [...variables, ...state.accumulatedFirstMoment.map((m) => m.variable), ...state.accumulatedSecondMoment.map((v) => v.variable), state.accBeta1];
  const arrays = await Promise.all(all.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(variables);
  optimizer.dispose();
  return arrays;
}

test('the fused Adam step on wasm gives bit for bit the values of tfjs\' Adam', async () => {
  await initWasmBackend();
  const before = tf.memory().numTensors;
  const expected = await train(tf.train.adam(0.01), 6);
  const tfjsLeft = tf.memory().numTensors - before; // tfjs' Adam leaves one scalar behind after dispose()
  const actual = await train(new FusedAdam(0.01, 0.9, 0.999), 6);
  assert.equal(actual.length, expected.length);
  actual.forEach((values, i) => assert.deepEqual([...values], [...expected[i]], `array ${i} (variables, then m, then v, then β1ᵗ)`));
  assert.equal(tf.memory().numTensors - before, 2 * tfjsLeft, 'no tensor left behind beyond what tfjs\' Adam leaves');
});
