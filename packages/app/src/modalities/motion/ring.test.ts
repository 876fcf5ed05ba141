import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MotionRing } from './ring.ts';

test('the ring returns the newest rows oldest first, across the wrap-around', () => {
  const ring = new MotionRing(4, 2);
  for (let i = 0; i < 6; i++) ring.push([i, i * 10], i * 20);
  assert.equal(ring.size, 4);
  const out = new Float32Array(6);
  assert.deepEqual([...ring.latest(3, out)], [3, 30, 4, 40, 5, 50]);
  assert.deepEqual([...ring.latest(1, new Float32Array(2))], [5, 50]);
  assert.equal(ring.timeAgo(0), 100);
  assert.equal(ring.timeAgo(3), 40);
  assert.equal(ring.seconds, 0.06);
  assert.equal(ring.rateHz, 50);
});

test('the ring refuses more rows than it holds and rows of the wrong width', () => {
  const ring = new MotionRing(4, 2);
  ring.push([1, 2], 0);
  assert.throws(() => ring.latest(2, new Float32Array(4)), /2 rows asked, 1 held/);
  assert.throws(() => ring.push([1], 0), /expected 2 values per row, got 1/);
  assert.ok(Number.isNaN(ring.rateHz));
  ring.clear();
  assert.equal(ring.size, 0);
});
