import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleRing } from './sample-ring.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test('reads samples by absolute position across the wrap-around', () => {
  const ring = new SampleRing(8);
  ring.push(range(0, 5));
  ring.push(range(5, 11)); // 11 pushed: positions 3..10 kept
  assert.equal(ring.total, 11);
  assert.deepEqual([...ring.read(3, new Float32Array(8))], range(3, 11));
  assert.deepEqual([...ring.read(6, new Float32Array(3))], [6, 7, 8]);
  assert.deepEqual([...ring.latest(new Float32Array(4))], [7, 8, 9, 10]);
});

test('a chunk longer than the ring keeps its tail', () => {
  const ring = new SampleRing(4);
  ring.push(range(0, 10));
  assert.deepEqual([...ring.latest(new Float32Array(4))], [6, 7, 8, 9]);
});

test('refuses positions not pushed yet or overwritten, naming them', () => {
  const ring = new SampleRing(4);
  ring.push(range(0, 6));
  assert.throws(() => ring.read(4, new Float32Array(3)), /Samples 4\.\.7 are not in the ring yet \(6 pushed\)/);
  assert.throws(() => ring.read(1, new Float32Array(2)), /overwritten \(the ring keeps the last 4\)/);
  assert.throws(() => new SampleRing(0), /positive integer/);
});
