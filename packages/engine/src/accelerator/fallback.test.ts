import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localTrials, type TrialExecutor } from '../worker/trial-executor.ts';
import type { TrialRequest } from '../worker/trial-protocol.ts';
import { LOSE_DEVICE_ENV, WasmFallbackTrials, type AcceleratorFallback } from './fallback.ts';

// A real device loss in Dawn (on lavapipe in CI): the trial's worker destroys its GPU device after N steps.
const [size, samples] = [8, 48];
const x = new Float32Array(samples * size * size * 3);
const targets = Array.from({ length: samples }, (_, i) => i % 2);
targets.forEach((label, n) => {
  for (let p = 0; p < size * size; p++) x.fill((p % size < size / 2) === (label === 1) ? 1 : -1, (n * size * size + p) * 3, (n * size * size + p + 1) * 3);
});
// 36 training samples in batches of 5 (at least 8 steps an epoch): step 10 is in epoch 2, after epoch 1's checkpoint.
const request: TrialRequest = {
  family: 'small-cnn', config: { blocks: 1, filters: 8, denseUnits: 16, dropout: 0 }, data: { x, shape: [size, size, 3], targets },
  labels: ['right', 'left'], budgetSeconds: 120, epochs: 4, seed: 1, accelerator: 'webgpu', trainer: { validationSplit: 0.25, batchSize: 8 },
};

test('a GPU lost mid-trial: the trial trains again on wasm from its last checkpoint, and later trials train on wasm', { timeout: 240_000 }, async () => {
  const asked: string[] = [];
  const watched: TrialExecutor = { train: (r, handlers) => { asked.push(r.accelerator ?? 'wasm'); return localTrials.train(r, handlers); } };
  const fallbacks: AcceleratorFallback[] = [];
  const trials = new WasmFallbackTrials(watched, 'webgpu', (fallback) => fallbacks.push(fallback));
  const checkpoints: number[] = [];
  process.env[LOSE_DEVICE_ENV] = '10';
  const result = await trials.train(request, { onCheckpoint: (c) => checkpoints.push(c.epoch) }, 'trial 0').finally(() => delete process.env[LOSE_DEVICE_ENV]);
  assert.deepEqual(asked, ['webgpu', 'wasm']);
  assert.equal(result.epochs, 4);
  assert.deepEqual(result.history.map((e) => e.epoch), [1, 2, 3, 4], 'the history before the loss came with the checkpoint');
  assert.deepEqual(checkpoints, [1, 2, 3, 4], 'epoch 1 on the GPU, the rest on wasm');
  assert.equal(fallbacks.length, 1);
  const [fallback] = fallbacks;
  assert.equal(fallback.during, 'trial 0');
  assert.equal(fallback.resumedFromEpoch, 1);
  assert.match(fallback.error, /^the GPU device was lost \(destroyed/);
  assert.ok(Date.now() - Date.parse(fallback.at) < 240_000);
  assert.equal(trials.backend, 'wasm');
  assert.deepEqual(trials.fallback, fallback);

  const next = await trials.train({ ...request, epochs: 1 }, {}, 'trial 1');
  assert.equal(next.epochs, 1);
  assert.deepEqual(asked, ['webgpu', 'wasm', 'wasm'], 'no GPU after it failed once');
  await assert.rejects(trials.train({ ...request, labels: ['one'] }), /at least 2 labels/);
  assert.equal(fallbacks.length, 1, 'errors of the trial itself are not GPU failures');
});

test('an adapter gone by the time a trial starts: the trial trains on wasm all the same', { timeout: 120_000 }, async () => {
  const saved = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json'; // the Vulkan loader finds no driver: Dawn has no adapter
  const fallbacks: AcceleratorFallback[] = [];
  try {
    const result = await new WasmFallbackTrials(localTrials, 'webgpu', (fallback) => fallbacks.push(fallback)).train({ ...request, epochs: 1 }, {}, 'trial 5');
    assert.equal(result.epochs, 1);
  } finally {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  }
  assert.deepEqual(fallbacks.map(({ during, error, resumedFromEpoch }) => ({ during, error: error.replace(/: No WebGPU adapter: .*/, ''), resumedFromEpoch })), [{ during: 'trial 5', error: 'WebGPU could not start', resumedFromEpoch: undefined }]);
});
