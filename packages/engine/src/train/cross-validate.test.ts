import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { MODEL_FAMILIES } from '../families/registry.ts';
import { createRandom } from '../util/random.ts';
import { averageHistories, crossValidate } from './cross-validate.ts';
import type { EpochMetrics } from './fit.ts';

await initWasmBackend();

/** Three overlapping Gaussian blobs in 4 features. */
function blobs(count: number) {
  const random = createRandom(11);
  const targets = Array.from({ length: count }, (_, i) => i % 3);
  const x = new Float32Array(count * 4);
  targets.forEach((t, i) => { for (let f = 0; f < 4; f++) x[i * 4 + f] = (f % 3 === t ? 1 : 0) + (random.next() - 0.5) * 1.5; });
  return { x, shape: [4], targets };
}

test('crossValidate: every sample predicted once by the fold model that did not train on it; history averaged over folds', async () => {
  const data = blobs(90);
  const build = (seed: number) => MODEL_FAMILIES.mlp.build({ layers: 1, units: 16, dropout: 0 }, [4], 3, seed);
  const result = await crossValidate(data, build, { numClasses: 3, budgetSeconds: 60, epochs: 4, seed: 2, learningRate: 0.02, folds: 3 });
  assert.equal(result.folds, 3);
  assert.deepEqual([...result.outOfFold.indices].sort((a, b) => a - b), data.targets.map((_, i) => i));
  assert.equal(result.outOfFold.probabilities.length, 90 * 3);
  assert.equal(result.history.length, 4);
  assert.equal(result.split.validationIndices.length, 30, "the last fold's split");
  const predicted = result.outOfFold.indices.map((_, k) => {
    const row = result.outOfFold.probabilities.subarray(k * 3, k * 3 + 3);
    return row.indexOf(Math.max(...row));
  });
  const accuracy = predicted.filter((p, k) => p === data.targets[result.outOfFold.indices[k]]).length / 90;
  // The last epoch's validation accuracy, weighted over folds, is the out-of-fold accuracy of the final models.
  assert.ok(Math.abs(result.history.at(-1)!.valAccuracy! - accuracy) < 1e-9, `${result.history.at(-1)!.valAccuracy} vs ${accuracy}`);
  assert.ok(accuracy > 0.6, `out-of-fold accuracy ${accuracy}`);
  const again = await crossValidate(data, build, { numClasses: 3, budgetSeconds: 60, epochs: 4, seed: 2, learningRate: 0.02, folds: 3 });
  assert.deepEqual(again.outOfFold.probabilities, result.outOfFold.probabilities, 'seeded');
  result.model.dispose();
  again.model.dispose();
});

test('averageHistories: epochs all folds reached; validation weighted by fold size', () => {
  const epoch = (n: number, valAccuracy: number): EpochMetrics => ({ epoch: n, loss: n, accuracy: 0.5, valLoss: 1, valAccuracy, seconds: 1 });
  const out = averageHistories([[epoch(1, 0.5), epoch(2, 1)], [epoch(1, 1)]], [30, 10]);
  assert.equal(out.length, 1);
  assert.equal(out[0].valAccuracy, 0.5 * 0.75 + 1 * 0.25);
  assert.equal(out[0].seconds, 2);
});
