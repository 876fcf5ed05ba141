import { test } from 'node:test';
import assert from 'node:assert/strict';
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
