import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { groupByPattern } from './group-by.ts';

const root = join('/data', 'speech');
const sources = ['yes/0a7c2a8d_nohash_0.wav', 'yes/0a7c2a8d_nohash_1.wav', 'no/0a7c2a8d_nohash_0.wav', 'no/1b2c3d4e_nohash_0.wav'].map((p) => join(root, p));

test('samples of one speaker share a group, whatever their label', () => {
  const { groups, names } = groupByPattern({ sources }, '^[^/]+/([^_]+)_', root);
  assert.deepEqual([...groups], [0, 0, 0, 1]);
  assert.deepEqual(names, ['0a7c2a8d', '1b2c3d4e']);
});

test('without a capture group the whole match names the group; motion windows group by their file', () => {
  const windows = ['walk/anna-1.json#0', 'walk/anna-1.json#1', 'run/bob-1.json#0'].map((p) => join(root, p));
  assert.deepEqual([...groupByPattern({ sources: windows }, '(?<=/)[a-z]+', root).groups], [0, 0, 1]);
});

test('a sample the pattern misses, or a broken pattern, is an error that says which', () => {
  assert.throws(() => groupByPattern({ sources: [...sources, join(root, 'yes/odd.wav')] }, '^[^/]+/([^_]+)_', root), /1 of 5 samples do not match .*yes\/odd\.wav/);
  assert.throws(() => groupByPattern({ sources }, '(', root), /not a valid regular expression/);
});
