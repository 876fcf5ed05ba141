import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainInWorker } from '../worker/trial.ts';
import { chooseAccelerator, GRADIENT_TOLERANCE } from './choose.ts';

// These run on whatever adapter the machine has: in CI, Mesa's software Vulkan (lavapipe, from bookworm-backports,
// installed by scripts/setup.sh), on a workstation its GPU.
const NO_ADAPTER = 'no WebGPU adapter here: run scripts/setup.sh (it installs Mesa\'s Vulkan drivers from bookworm-backports)';

test('wasm, when asked, without a self-test', async () => {
  assert.deepEqual(await chooseAccelerator('wasm'), { backend: 'wasm', reason: 'wasm, as asked' });
});

test('auto: a software adapter is not tried; a hardware one only where its gradients match cpu and it trains faster', async () => {
  const choice = await chooseAccelerator('auto');
  assert.ok(choice.adapter, `${NO_ADAPTER} (${choice.reason})`);
  if (choice.gradientError === undefined) {
    assert.equal(choice.backend, 'wasm');
    assert.match(choice.reason, /is a software one \(it runs on the CPU, slower than wasm\)/);
    return;
  }
  assert.ok(choice.gradientError <= GRADIENT_TOLERANCE, `gradient error ${choice.gradientError}`);
  assert.equal(choice.backend, choice.speedup! > 1 ? 'webgpu' : 'wasm', choice.reason);
});

test('webgpu, when asked: its gradients match cpu on every layer kind, used even where slower; with no adapter, wasm and why', async () => {
  const choice = await chooseAccelerator('webgpu');
  assert.equal(choice.backend, 'webgpu', `${NO_ADAPTER} (${choice.reason})`);
  assert.ok(choice.gradientError! <= GRADIENT_TOLERANCE, `gradient error ${choice.gradientError}`);
  assert.match(choice.reason, new RegExp(`^webgpu, as asked: .*gradients match cpu, ${choice.speedup!.toFixed(2)}x wasm's training speed`));
  const saved = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json'; // the Vulkan loader finds no driver: Dawn has no adapter
  try {
    const without = await chooseAccelerator('webgpu');
    assert.equal(without.backend, 'wasm');
    assert.match(without.reason, /^wasm: No WebGPU adapter: .*Install/);
  } finally {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  }
});

test('a trial trains on WebGPU and exports the same kind of model', async () => {
  const [size, samples] = [8, 48];
  const x = new Float32Array(samples * size * size * 3);
  const targets = Array.from({ length: samples }, (_, i) => i % 2);
  // Label 1 images are bright on the left half, label 0 on the right: learnable in a few epochs.
  targets.forEach((label, n) => {
    for (let p = 0; p < size * size; p++) x.fill((p % size < size / 2) === (label === 1) ? 1 : -1, (n * size * size + p) * 3, (n * size * size + p + 1) * 3);
  });
  const result = await trainInWorker({
    family: 'small-cnn', config: { blocks: 1, filters: 8, denseUnits: 16, dropout: 0 }, data: { x, shape: [size, size, 3], targets },
    labels: ['right', 'left'], budgetSeconds: 120, epochs: 6, seed: 1, accelerator: 'webgpu', trainer: { validationSplit: 0.25 },
  });
  assert.equal(result.epochs, 6);
  assert.ok(result.history[5].loss < result.history[0].loss, `loss fell: ${result.history.map((e) => e.loss.toFixed(3))}`);
  assert.ok(result.metrics.valAccuracy! >= 0.9, `validation accuracy ${result.metrics.valAccuracy}`);
  assert.ok(result.tflite.length > 1000);
  await assert.rejects(trainInWorker({ family: 'small-cnn', data: { x, shape: [size, size, 3], targets }, labels: ['a', 'b'], budgetSeconds: 5, accelerator: 'webgpu', cores: 2 }), /with accelerator webgpu use cores: 1/);
});
