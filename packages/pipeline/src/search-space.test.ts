import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getFamily, initWasmBackend, TRAINING_SPACE } from '@offgrid/engine';
import { defaultConfigsFor, searchSpaceFor, splitConfig } from './search-space.ts';

test('the transfer family joins the image search only when offered: its branch, its first starts, its trainer options', () => {
  const branches = (space: ReturnType<typeof searchSpaceFor>) => Object.keys((space.shape.family as { branches: Record<string, unknown> }).branches);
  assert.deepEqual(branches(searchSpaceFor('image')), ['small-cnn', 'mobilenet']);
  assert.deepEqual(branches(searchSpaceFor('image', { transfer: true })), ['small-cnn', 'mobilenet', 'transfer-head']);
  assert.deepEqual(branches(searchSpaceFor('tabular', { transfer: true })), ['linear', 'mlp'], 'images only');

  const starts = defaultConfigsFor('image', { transfer: true });
  assert.deepEqual(starts.map((c) => c.family), ['transfer-head', 'transfer-head', 'small-cnn', 'mobilenet']);
  assert.equal(starts[0].learningRate, 0.01);
  assert.equal(starts[1].headUnits, 128);
  assert.deepEqual(defaultConfigsFor('image').map((c) => c.family), ['small-cnn', 'mobilenet']);

  // Label smoothing is the head's hyperparameter but a trainer option: it travels in `training`, and a head's
  // embeddings get no image augmentation whatever the search sampled.
  const { family, familyConfig, training } = splitConfig({ ...starts[0], augment: 'strong', labelSmoothing: 0.05 });
  assert.equal(family, 'transfer-head');
  assert.deepEqual(familyConfig, { headUnits: 0, dropout: 0.2 });
  assert.equal(training.labelSmoothing, 0.05);
  assert.equal(training.augment, 'none');
  assert.equal(splitConfig({ ...starts[2], labelSmoothing: 0.1 }).familyConfig.labelSmoothing, 0.1, 'other families keep the name as their own (and their space refuses it)');
});

test('a table search starts with softmax regression beside a wide, regularized one-layer MLP, every start valid in its family', async () => {
  await initWasmBackend();
  const starts = defaultConfigsFor('tabular');
  // The search runs two trials at once: the first pair is what ASHA compares at the first rung, and the MLP that
  // learned faster than the 2 × 128 one on digits (bench/automl/RESULTS.md) must be in it.
  assert.deepEqual(starts.slice(0, 2).map((c) => c.family), ['linear', 'mlp']);
  assert.deepEqual([starts[1].layers, starts[1].units, starts[1].learningRate, starts[1].lrSchedule], [1, 512, 3e-3, 'cosine']);
  assert.ok(Number(starts[1].dropout) > 0 && Number(starts[1].inputNoise) > 0, 'regularized: a few hundred rows are what 512 units overfit');
  assert.equal(starts.filter((c) => c.family === 'mlp').length, 3, 'the 2 × 128 start and the family defaults follow');
  for (const start of starts) {
    const { family, familyConfig, training } = splitConfig(start);
    // The family's build refuses out-of-range or unknown values, as it would in the trial's worker.
    getFamily(family).build(familyConfig, [4], 3, 0).dispose();
    for (const [key, value] of Object.entries(training)) {
      const p = TRAINING_SPACE.find((q) => q.name === key);
      assert.ok(p && (p.type === 'categorical' ? p.choices.includes(value) : Number(value) >= p.low && Number(value) <= p.high), `${family}: ${key} ${String(value)}`);
    }
    assert.equal('augment' in training, false, 'no image augmentation on tables');
  }
});
