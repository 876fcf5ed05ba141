/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { topK } from './top-k.ts';

it('returns the k best indices, best first', () => {
  const out = new Int32Array(3);
  assert.equal(topK([0.1, 0.5, 0.05, 0.3, 0.05], out), 3);
  assert.deepEqual([...out], [1, 3, 0]);
  assert.equal(topK([0.4, 0.6], out), 2);
  assert.deepEqual([...out.subarray(0, 2)], [1, 0]);
});
