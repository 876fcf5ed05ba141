import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHoldout, decodeProbes, encodeHoldout, encodeProbes, MAX_PROBES } from './probes.ts';

test('probes round-trip: evenly spread held-out samples, float32 and int32, capped in count', () => {
  const x = Float32Array.from({ length: 40 * 6 }, (_, i) => i * 0.5);
  const heldOut = Array.from({ length: 30 }, (_, i) => i + 10);
  const probes = decodeProbes(encodeProbes(x, 40, heldOut, [2, 3], 'float32'));
  assert.deepEqual(probes.shape, [1, 2, 3]);
  assert.equal(probes.samples.length, MAX_PROBES);
  assert.deepEqual(Array.from(probes.samples[0]), Array.from(x.subarray(10 * 6, 11 * 6)), 'the first held-out sample');
  assert.deepEqual(Array.from(probes.samples[1]), Array.from(x.subarray(11 * 6, 12 * 6)).map((v) => v), 'then every 30/16-th');
  const ids = decodeProbes(encodeProbes(Float32Array.from([3, 1, 4, 1, 5, 9]), 3, [2, 0], [2], 'int32'));
  assert.equal(ids.dtype, 'int32');
  assert.deepEqual(ids.samples.map((s) => Array.from(s)), [[5, 9], [3, 1]]);
  assert.ok(ids.samples[0] instanceof Int32Array);
});

test('a big input gets fewer probes; a damaged file is refused with the reason', () => {
  const size = 224 * 224 * 3;
  const probes = decodeProbes(encodeProbes(new Float32Array(size * 20), 20, [...Array(20).keys()], [224, 224, 3], 'float32'));
  assert.equal(probes.samples.length, 6);
  assert.throws(() => decodeProbes(new TextEncoder().encode('{"format":"x"}')), /Not a probe file/);
  const file = JSON.parse(new TextDecoder().decode(encodeProbes(new Float32Array(12), 2, [0, 1], [6], 'float32')));
  file.count = 3;
  assert.throws(() => decodeProbes(new TextEncoder().encode(JSON.stringify(file))), /damaged: 48 bytes for 3 samples/);
});

test('a held-out set keeps its samples with their labels, within its caps', () => {
  const x = Float32Array.from({ length: 10 * 3 }, (_, i) => i / 7);
  const targets = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
  const held = decodeHoldout(encodeHoldout(x, targets, [1, 4, 7, 9], [3], 'float32'));
  assert.deepEqual(Array.from(held.targets), [1, 1, 1, 0]);
  assert.deepEqual(held.samples.map((s) => Array.from(s)), [1, 4, 7, 9].map((i) => Array.from(x.subarray(i * 3, i * 3 + 3))));
  assert.deepEqual(held.shape, [1, 3]);
  // Large inputs: as many as fit in MAX_HOLDOUT_BYTES of values.
  const big = new Float32Array(3 * 2_000_000);
  assert.equal(decodeHoldout(encodeHoldout(big, [0, 1, 0], [0, 1, 2], [2_000_000], 'float32')).samples.length, 2);
  assert.throws(() => decodeHoldout(encodeProbes(x, 10, [1], [3], 'float32')), /Not a held-out set/);
});
