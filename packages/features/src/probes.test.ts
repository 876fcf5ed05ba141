import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProbes, encodeProbes, MAX_PROBES } from './probes.ts';

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
